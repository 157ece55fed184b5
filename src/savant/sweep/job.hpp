#pragma once
// One job of a sweep (docs/SWEEPS.md): a configuration and a training regime, run through the
// functions `reproduce` runs (train_model, evaluate_model, analyze_model): one model, evaluated
// on the original and on the shuffled test set of its grid, and its grid signature.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/regime.hpp"
#include "savant/experiment/config.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/experiment/settings.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/formats/model_file.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/model/train.hpp"
#include "savant/sweep/job_units.hpp"

namespace savant {

// The configuration plus what a job adds: everything that determines the trained model and its
// numbers. `data` and `threads` of the configuration play no part (a job runs on one thread,
// on the data `data_digest` identifies).
struct JobConfig : ExperimentConfig {
  Regime train_on;
  std::uint32_t data_digest = 0;  // CRC-32 of the training and test data (after train_limit)
  bool operator==(const JobConfig&) const = default;
};

// The settings of a job's identity but the seed (kIdentity, experiment/settings.hpp), in the
// order keys, database columns and summaries list them; the regime follows the shuffle mode
// (kRegimeFollows).
std::vector<const Setting*> job_settings();
inline constexpr std::string_view kRegimeFollows = "shuffle";

// The job's identity in databases: every field in a fixed order, e.g.
// "grid=4,shuffle=derange,train_on=mixed:0.5,hidden=128,layers=1,epochs=5,batch=32,lr=0.001,
// train_limit=0,data=1a2b3c4d,seed=3". `config_key` is the same without the seed: the
// configuration that seeds are repetitions of. Databases of every version hold these keys,
// so their text never changes: a setting added later is named only when it differs from its
// default.
std::string job_key(const JobConfig& job);
std::string config_key(const JobConfig& job);
// The configuration without the seed, as a JSON object (summaries, reports): the job_settings
// by name, plus train_on, mix and data_digest.
nlohmann::json config_json(const JobConfig& job);

struct JobResult {
  // Counts only (correct, total): the database keeps no confusion matrix.
  Evaluation original_test, shuffled_test;
  // At the job's grid; NaN (NULL in the database) for a cnn, local or mixer model, which has
  // no dense first layer whose pixel correlations it reads.
  GridSignature signature;
  std::vector<EpochRecord> history;
  JobUnits units;  // the hidden units' measures (job_units.hpp)
  // The trained model and its file's metadata (model_metadata, as `savant train` writes it), for
  // a sweep that keeps its models (keep_models); not in the database, null when read from it.
  std::shared_ptr<const ModelFile> model;
  std::shared_ptr<const ArchModelFile> arch_model;  // a cnn, local or mixer model's instead
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

// The original model of each seed and settings, which cka_original compares a job's model
// with. The original model does not depend on the shuffle mode, nor on the grid but for the
// mixer (whose tokens are the grid's blocks), so one training serves every job of the seed and
// settings: the first job that asks trains it (on its own
// thread), jobs that ask meanwhile wait for it, later ones reuse it, and it is forgotten once
// every job of the list given at construction that needs it has asked (or been skipped).
class OriginalModels {
 public:
  explicit OriginalModels(const std::vector<JobConfig>& jobs);
  std::shared_ptr<const ModelReport> get(const JobConfig& job,
                                         const std::function<ModelReport()>& train);
  // The job will not run here (claimed by another process): it will not ask.
  void skip(const JobConfig& job);

 private:
  using Model = std::shared_ptr<const ModelReport>;
  void forget_one(const std::string& key);  // mutex_ held
  std::mutex mutex_;
  std::map<std::string, std::size_t> askers_;  // jobs still to ask, per original model
  std::map<std::string, std::shared_future<Model>> models_;
};

// The identity of a job's original model: its key without shuffle mode and regime, and without
// the grid unless the model is a mixer.
std::string original_model_key(const JobConfig& job);

// Trains and measures one model, single-threaded: the result depends on the job alone. The
// original model of its seed and settings comes from `originals` when given, and is trained
// here otherwise (for a job that is not itself an original one, that doubles its training).
// Once `cancel` (when given) is set, training stops at its next step with Error.
JobResult run_job(const JobConfig& job, const SweepData& data, OriginalModels* originals = nullptr,
                  const std::atomic<bool>* cancel = nullptr);

// Now, as ISO 8601 UTC with milliseconds.
std::string utc_timestamp();

}  // namespace savant
