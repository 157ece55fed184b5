#pragma once
// Statistics over the seeds of each configuration of a sweep (savant summarize, the report).

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/core/statistics.hpp"
#include "savant/sweep/job.hpp"

namespace savant {

// One entry per configuration and test set.
struct StatsEntry {
  JobConfig config;  // seed is meaningless here
  std::string test;  // "original_test" or "shuffled_test"
  Summary accuracy;
  Summary within, across, contrast;  // the grid signature, the same for both test sets
  // The hidden units' measures in kUnitColumns' order, the same for both test sets; a job
  // without them (undefined, or recorded before schema version 2) is not counted in their n.
  std::array<Summary, kUnitColumns.size()> units;
};
// In a fixed order whatever the order the jobs were recorded in: by the settings' values
// (grid, shuffle, train_on, hidden, layers, epochs, batch, learning rate, train_limit, data),
// then original_test before shuffled_test.
std::vector<StatsEntry> summarize_jobs(const std::vector<StoredJob>& jobs);
nlohmann::json summary_json(const std::vector<StatsEntry>& entries);

// The summary as CSV (RFC 4180): a header row, then one row per entry with the configuration's
// settings, the test set, the number of seeds, and mean, std and 95% interval of every
// summarised number; accuracies and the other fractions of images in percent, as the table.
std::string summary_csv(const std::vector<StatsEntry>& entries);

}  // namespace savant
