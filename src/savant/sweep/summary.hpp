#pragma once
// Statistics over the seeds of each configuration of a sweep (savant summarize, the report).

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
};
std::vector<StatsEntry> summarize_jobs(const std::vector<StoredJob>& jobs);
nlohmann::json summary_json(const std::vector<StatsEntry>& entries);

}  // namespace savant
