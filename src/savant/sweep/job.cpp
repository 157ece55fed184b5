#include "savant/sweep/job.hpp"

#include <chrono>
#include <ctime>
#include <limits>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/version.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/settings.hpp"

namespace savant {

std::vector<const Setting*> job_settings() {
  std::vector<const Setting*> out;
  for (const Setting& s : settings()) {
    if (s.has(kIdentity) && s.name != "seed") out.push_back(&s);
  }
  return out;
}

std::string config_key(const JobConfig& job) {
  static const ExperimentConfig defaults;
  std::string key;
  auto add = [&key](std::string_view name, const std::string& value) {
    key += fmt::format("{}{}={}", key.empty() ? "" : ",", name, value);
  };
  for (const Setting* s : job_settings()) {
    // A setting named as databases of the first version named it (lr); one added since, only
    // when it differs from its default, so that older jobs keep their keys.
    const std::string value = s->text(job);
    if (s->has(kFromFirstVersion) || value != s->text(defaults)) {
      add(s->old_name.empty() ? s->name : s->old_name, value);
    }
    if (s->name == kRegimeFollows) add("train_on", to_string(job.train_on));
  }
  add("data", fmt::format("{:08x}", job.data_digest));
  return key;
}

std::string job_key(const JobConfig& job) {
  return fmt::format("{},seed={}", config_key(job), job.seed);
}

nlohmann::json config_json(const JobConfig& job) {
  nlohmann::json j = nlohmann::json::object();
  for (const Setting* s : job_settings()) j[s->name] = s->to_json(job);
  j["train_on"] = to_string(job.train_on);
  j["mix"] = job.train_on.kind == RegimeKind::kMixed ? nlohmann::json(job.train_on.mix)
                                                     : nlohmann::json(nullptr);
  j["data_digest"] = fmt::format("{:08x}", job.data_digest);
  return j;
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count() % 1000);
}

SweepData load_sweep_data(const std::filesystem::path& dir, std::size_t train_limit) {
  ExperimentConfig config;
  config.data = dir;
  config.train_limit = train_limit;
  SweepData out{load_experiment_data(config), 0};
  // One number for both splits: a job's key changes when either does.
  out.digest = data_digest(out.data);
  return out;
}

std::string original_model_key(const JobConfig& job) {
  // The original model does not depend on the shuffle mode, nor on the grid unless its tokens
  // are the grid's blocks (the mixer).
  JobConfig original = job;
  if (job.model != Architecture::mixer) original.grid = ExperimentConfig{}.grid;
  original.shuffle = ExperimentConfig{}.shuffle;
  original.train_on = Regime{RegimeKind::kOriginal, 0};
  return job_key(original);
}

OriginalModels::OriginalModels(const std::vector<JobConfig>& jobs) {
  for (const JobConfig& job : jobs) ++askers_[original_model_key(job)];
}

void OriginalModels::forget_one(const std::string& key) {
  auto it = askers_.find(key);
  if (it == askers_.end()) return;
  if (--it->second == 0) {
    askers_.erase(it);
    models_.erase(key);
  }
}

void OriginalModels::skip(const JobConfig& job) {
  std::lock_guard lock(mutex_);
  forget_one(original_model_key(job));
}

std::shared_ptr<const ModelReport> OriginalModels::get(const JobConfig& job,
                                                       const std::function<ModelReport()>& train) {
  const std::string key = original_model_key(job);
  std::promise<Model> promise;
  std::shared_future<Model> model;
  bool trains_here = false;
  {
    std::lock_guard lock(mutex_);
    auto it = models_.find(key);
    if (it != models_.end()) {
      model = it->second;
    } else {
      model = promise.get_future().share();
      trains_here = true;
      // Kept only when another job will ask for it.
      if (askers_.contains(key) && askers_[key] > 1) models_.emplace(key, model);
    }
    forget_one(key);
  }
  if (trains_here) {
    try {
      promise.set_value(std::make_shared<const ModelReport>(train()));
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
  }
  return model.get();  // rethrows the training's error to every job that waited for it
}

JobResult run_job(const JobConfig& job, const SweepData& sweep, OriginalModels* originals,
                  const std::atomic<bool>* cancel) {
  const Split& train = sweep.data.train;
  validate_grid(job.grid, train.images.rows, train.images.cols, job.shuffle);
  JobResult result;
  result.started_at = utc_timestamp();

  ExperimentConfig config = job;
  config.threads = 1;
  // Before training: every epoch's test curves use it. The original model is trained once for
  // the jobs of every grid and shuffle (it does not depend on them), so its history has the
  // original test curve only: a shuffled one would be of the grid of whichever job trained it.
  const ImageSet shuffled_test = shuffle_test_images(sweep.data.test.images, config);
  const Regime original_regime{RegimeKind::kOriginal, 0};
  const EpochTests tests{&sweep.data.test, &shuffled_test};
  auto train_in = [&](const Regime& regime) {
    const EpochTests curves =
        regime == original_regime ? EpochTests{&sweep.data.test, nullptr} : tests;
    ModelReport model;
    model.name = job_key(job);
    TrainingImages images(train.images, regime, config.grid, config.shuffle, config.seed,
                          config.threads);
    ProgressFn stop_when_cancelled;
    if (cancel != nullptr) {
      stop_when_cancelled = [cancel](const TrainProgress&) {
        if (*cancel) throw Error("the sweep was stopped");
      };
    }
    train_model(model, config, images, train.labels, sweep.data.classes, stop_when_cancelled,
                config.threads, curves);
    return model;
  };
  auto original_model = [&] {
    if (originals != nullptr) return originals->get(job, [&] { return train_in(original_regime); });
    return std::make_shared<const ModelReport>(train_in(original_regime));
  };
  // An original job is its own original model, trained once however many jobs need it.
  std::shared_ptr<const ModelReport> original;
  ModelReport model;
  if (job.train_on == original_regime) {
    original = original_model();
    model = *original;
  } else {
    model = train_in(job.train_on);
    original = original_model();
  }
  evaluate_model(model, sweep.data.test, shuffled_test);
  ModelProvenance provenance{config,
                             job.train_on,
                             train.images.rows,
                             train.images.cols,
                             split_digest(train),
                             std::string(kVersion)};
  provenance.engine = model.engine;
  if (model.arch) {
    // No dense first layer: no pixel correlations, no grid signature (NULL in the database).
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    model.signature = {kNaN, kNaN, kNaN, 0, 0};
    result.units = measure_units(*model.arch, *original->arch, config, sweep.data.test);
    result.arch_model = std::make_shared<const ArchModelFile>(
        ArchModelFile{std::move(*model.arch), model_metadata(provenance)});
  } else {
    analyze_model(model, train.images.rows, train.images.cols, config.grid);
    result.units = measure_units(model.network, original->network, config, job.train_on.kind,
                                 sweep.data.test, shuffled_test);
    result.model = std::make_shared<const ModelFile>(
        ModelFile{std::move(model.network), model_metadata(provenance)});
  }
  result.original_test = std::move(model.on_original_test);
  result.shuffled_test = std::move(model.on_shuffled_test);
  result.signature = model.signature;
  result.history = std::move(model.history);
  result.train_seconds = model.train_seconds;
  result.finished_at = utc_timestamp();
  return result;
}

}  // namespace savant
