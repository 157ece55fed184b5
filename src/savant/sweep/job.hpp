#pragma once
// One job of a sweep (docs/SWEEPS.md): a configuration and a training regime, run through the
// functions `reproduce` runs (train_model, evaluate_model, analyze_model): one model, evaluated
// on the original and on the shuffled test set of its grid, and its grid signature.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/regime.hpp"
#include "savant/experiment/config.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/model/train.hpp"

namespace savant {

// The configuration plus what a job adds: everything that determines the trained model and its
// numbers. `data` and `threads` of the configuration play no part (a job runs on one thread,
// on the data `data_digest` identifies).
struct JobConfig : ExperimentConfig {
  Regime train_on;
  std::uint32_t data_digest = 0;  // CRC-32 of the training and test data (after train_limit)
  bool operator==(const JobConfig&) const = default;
};

// The job's identity in databases: every field in a fixed order, e.g.
// "grid=4,shuffle=derange,train_on=mixed:0.5,hidden=128,layers=1,epochs=5,batch=32,lr=0.001,
// train_limit=0,data=1a2b3c4d,seed=3". `config_key` is the same without the seed: the
// configuration that seeds are repetitions of. Databases of every version hold these keys,
// so their text never changes.
std::string job_key(const JobConfig& job);
std::string config_key(const JobConfig& job);
// The configuration without the seed, as a JSON object (summaries, reports): config_json's
// keys but data, threads and seed, plus train_on, mix and data_digest.
nlohmann::json config_json(const JobConfig& job);

struct JobResult {
  // Counts only (correct, total): the database keeps no confusion matrix.
  Evaluation original_test, shuffled_test;
  GridSignature signature;  // at the job's grid
  std::vector<EpochRecord> history;
  double train_seconds = 0;
  std::string started_at, finished_at;  // ISO 8601, UTC
};

// What a database holds for a job.
struct StoredJob {
  JobConfig config;
  std::string status;  // "done" or "failed"
  std::string error;   // why it failed
  JobResult result;
  std::string savant_version, host;
};

// The data a sweep runs on: loaded once, shared read-only by every job.
struct SweepData {
  Dataset data;  // the training split already cut to train_limit
  std::uint32_t digest = 0;
};
SweepData load_sweep_data(const std::filesystem::path& dir, std::size_t train_limit);

// Trains and measures one model, single-threaded: the result depends on the job alone.
JobResult run_job(const JobConfig& job, const SweepData& data);

// Now, as ISO 8601 UTC with milliseconds.
std::string utc_timestamp();

}  // namespace savant
