#pragma once
// Statistics over the seeds of each configuration of a sweep (savant summarize, the report).

#include <array>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/core/statistics.hpp"
#include "savant/sweep/job.hpp"

namespace savant {

// One entry per configuration and test set.
struct StatsEntry {
  JobConfig config;  // seed is meaningless here, and so is every setting not in `by`
  // The settings the entries are grouped by (job_field_names, filter.hpp), or empty: by the
  // whole configuration, every setting but the seed, and the data.
  std::vector<std::string> by;
  std::string test;  // "original_test" or "shuffled_test"
  Summary accuracy;
  Summary within, across, contrast;  // the grid signature, the same for both test sets
  // The hidden units' measures in kUnitColumns' order, the same for both test sets; a job
  // without them (undefined, or recorded before schema version 2) is not counted in their n.
  std::array<Summary, kUnitColumns.size()> units;
};
// In a fixed order whatever the order the jobs were recorded in: by the settings' values
// (grid, shuffle, train_on, hidden, layers, epochs, batch, learning rate, train_limit, data),
// then original_test before shuffled_test. `by` (names from job_field_names, filter.hpp):
// the jobs that share these settings' values are one group, ordered by them in that order;
// empty, the whole configuration. The 95% intervals of accuracies and of the other fractions
// of images are clipped to [0, 1]: with few seeds, mean -+ t s / sqrt(n) can pass either end.
std::vector<StatsEntry> summarize_jobs(const std::vector<StoredJob>& jobs,
                                       const std::vector<std::string>& by = {});

// The entry's group as "name=value" pairs (its `by`), or empty when it is a whole configuration.
std::vector<std::pair<std::string, std::string>> group_values(const StatsEntry& entry);
nlohmann::json summary_json(const std::vector<StatsEntry>& entries);

// A number a job records for each epoch of its training (the database's table history), as the
// sweep report draws it: its name in the report's rows, its axis title, whether it is a fraction
// (drawn in percent, its interval kept in [0, 1]; otherwise kept at 0 or more), and its field.
// Every per-epoch number the report draws is one entry of epoch_series().
struct EpochSeries {
  std::string field;
  std::string title;
  bool fraction = false;
  double EpochRecord::*value = nullptr;
};
const std::vector<EpochSeries>& epoch_series();

// The statistics over seeds of one configuration at one epoch: per series of epoch_series(), in
// its order. Ordered as summarize_jobs orders configurations, then by epoch.
struct EpochStats {
  JobConfig config;  // seed is meaningless here
  std::size_t epoch = 0;
  std::vector<Summary> series;
};
std::vector<EpochStats> summarize_epochs(const std::vector<StoredJob>& jobs);

// The summary as CSV (RFC 4180): a header row, then one row per entry with the configuration's
// settings (those of `by` when the entries are grouped), the test set, the number of seeds, and
// mean, std and 95% interval of every summarised number; accuracies and the other fractions of
// images in percent, as the table.
std::string summary_csv(const std::vector<StatsEntry>& entries);

}  // namespace savant
