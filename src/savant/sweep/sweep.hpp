#pragma once
// Sweeps (issue 6): lists of values for the experiment's options, expanded into their cartesian
// product; each (configuration, seed) is one job that trains one model, evaluates it on the
// original and on the shuffled test set of its grid, and measures its grid signature.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/core/statistics.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/model/train.hpp"

namespace savant {

// What a model is trained on. The shuffled images always use the job's grid and shuffle mode.
enum class RegimeKind {
  kOriginal,  // the original images
  kShuffled,  // one shuffled copy of the training set, as in the article
  kMixed,     // image k shuffled with probability P, decided once from (seed, kMix, k)
  kFresh,     // a new permutation of every image in every epoch (augmentation)
};

struct Regime {
  RegimeKind kind = RegimeKind::kOriginal;
  double mix = 0;  // P of `mixed:P`, in [0, 1]; 0 for the others
  bool operator==(const Regime&) const = default;
};

// "original", "shuffled", "mixed:P" (0 <= P <= 1) or "fresh"; throws UsageError.
Regime parse_regime(std::string_view text);
// Canonical text: parse_regime(to_string(r)) == r, and "mixed:0.50" prints as "mixed:0.5".
std::string to_string(const Regime& regime);

// One job: everything that determines the trained model and its numbers.
struct JobConfig {
  int grid = 4;
  ShuffleMode shuffle = ShuffleMode::kDerange;
  Regime train_on;
  std::size_t hidden = 128;
  std::size_t layers = 1;
  std::size_t epochs = 5;
  std::size_t batch = 32;
  float learning_rate = 1e-3f;
  std::size_t train_limit = 0;    // first N training images; 0 = all
  std::uint32_t data_digest = 0;  // CRC-32 of the training and test data (after train_limit)
  std::uint64_t seed = 0;
  bool operator==(const JobConfig&) const = default;
};

// The job's identity in databases: every field in a fixed order, e.g.
// "grid=4,shuffle=derange,train_on=mixed:0.5,hidden=128,layers=1,epochs=5,batch=32,lr=0.001,
// train_limit=0,data=1a2b3c4d,seed=3". `config_key` is the same without the seed: the
// configuration that seeds are repetitions of.
std::string job_key(const JobConfig& job);
std::string config_key(const JobConfig& job);
// The configuration without the seed, as a JSON object (summaries, reports).
nlohmann::json config_json(const JobConfig& job);

// Lists of values; the sweep is their cartesian product times `seeds` seeds.
struct SweepSpec {
  std::filesystem::path data;
  std::vector<int> grid{4};
  std::vector<ShuffleMode> shuffle{ShuffleMode::kDerange};
  std::vector<Regime> train_on{{RegimeKind::kOriginal, 0}, {RegimeKind::kShuffled, 0}};
  std::vector<std::size_t> hidden{128};
  std::vector<std::size_t> layers{1};
  std::vector<std::size_t> epochs{5};
  std::vector<std::size_t> batch{32};
  std::vector<float> learning_rate{1e-3f};
  std::size_t train_limit = 0;
  std::size_t seeds = 1;  // seeds first_seed .. first_seed + seeds - 1
  std::uint64_t first_seed = 0;
};

// Sets the option `name` (a CLI flag without dashes, or a TOML key: grid, shuffle, train-on,
// hidden, layers, epochs, batch, lr, seeds, first-seed, train-limit, data) from its values as
// text. `where` names the source in errors ("--grid", "sweep.toml line 3"). Throws UsageError.
void set_sweep_option(SweepSpec& spec, std::string_view name,
                      const std::vector<std::string>& values, std::string_view where);

// A sweep file: the same keys as the flags (train_on or train-on), each a value or an array.
// `db` is returned through `db` when present. Throws UsageError naming the file, line and key.
void load_sweep_file(const std::filesystem::path& path, SweepSpec& spec, std::filesystem::path* db,
                     const std::function<bool(std::string_view)>& given_on_command_line = {});
// The same on the file's text; `source` names it in errors. load_sweep_file reads the file and
// calls this: the fuzz harness fuzz_sweep_toml tests it on text.
void parse_sweep_text(std::string_view text, std::string_view source, SweepSpec& spec,
                      std::filesystem::path* db,
                      const std::function<bool(std::string_view)>& given_on_command_line = {});

// Checks ranges before any work (grid against the images is checked once they are loaded).
void validate(const SweepSpec& spec);

// Every job, seed outermost (all configurations of seed 0 first, so that an interrupted sweep
// has something for every configuration), duplicates dropped, in a fixed order.
std::vector<JobConfig> expand_jobs(const SweepSpec& spec, std::uint32_t data_digest);

// --shard K/N: the jobs whose index in expand_jobs' order is K-1 modulo N.
struct Shard {
  std::size_t index = 1, count = 1;  // 1 <= index <= count
};
Shard parse_shard(std::string_view text);  // "K/N"; throws UsageError
std::vector<JobConfig> select_shard(const std::vector<JobConfig>& jobs, Shard shard);

struct TestAccuracy {
  std::size_t correct = 0, total = 0;
  double accuracy() const {
    return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0;
  }
  bool operator==(const TestAccuracy&) const = default;
};

struct JobResult {
  TestAccuracy original_test, shuffled_test;
  GridSignature signature;  // at the job's grid
  std::vector<EpochRecord> history;
  double train_seconds = 0;
  std::string started_at, finished_at;  // ISO 8601, UTC
};

// The data a sweep runs on: loaded once, shared read-only by every job.
struct SweepData {
  Dataset data;  // the training split already cut to train_limit
  std::uint32_t digest = 0;
};
SweepData load_sweep_data(const std::filesystem::path& dir, std::size_t train_limit);

// The training images of the `mixed:P` regime: image k shuffled with its kShuffleTrain
// permutation when CounterRng(seed, kMix, k) draws below P.
ImageSet mixed_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                      double p);
// The training images of epoch `epoch` (1-based) of the `fresh` regime: image k gets the
// permutation drawn from (seed, kFresh, (epoch - 1) * count + k). Written into `out`.
void fresh_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                  std::size_t epoch, ImageSet& out);

// Trains and measures one model, single-threaded: the result depends on the job alone.
JobResult run_job(const JobConfig& job, const SweepData& data);

// A job's outcome as the runner reports it: a result, or the error that stopped it.
struct JobOutcome {
  JobConfig job;
  bool ok = false;
  JobResult result;
  std::string error;
};

// Runs `jobs` on `threads` threads, one model per thread, and hands each outcome to `commit` on
// the calling thread (the one writer), in the order they finish. When `commit` throws, no new
// job starts, the ones running finish, and the exception is rethrown.
void run_jobs(const std::vector<JobConfig>& jobs, const SweepData& data, int threads,
              const std::function<void(JobOutcome&&)>& commit);

// Statistics over seeds: one entry per configuration and test set.
struct StatsEntry {
  JobConfig config;  // seed is meaningless here
  std::string test;  // "original_test" or "shuffled_test"
  Summary accuracy;
  Summary within, across, contrast;  // the grid signature, the same for both test sets
};
struct StoredJob;
std::vector<StatsEntry> summarize_jobs(const std::vector<StoredJob>& jobs);
nlohmann::json summary_json(const std::vector<StatsEntry>& entries);

// What a database holds for a job.
struct StoredJob {
  JobConfig config;
  std::string status;  // "done" or "failed"
  std::string error;   // why it failed
  JobResult result;
  std::string savant_version, host;
};

// Now, as ISO 8601 UTC with milliseconds.
std::string utc_timestamp();

}  // namespace savant
