#include "savant/sweep/sweep.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <Eigen/Core>

#include "savant/core/error.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/model/network.hpp"

namespace savant {
namespace {

using Clock = std::chrono::steady_clock;

template <typename T>
T parse_number(std::string_view text, std::string_view where) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) {
    throw UsageError(fmt::format("{}: '{}' is not a valid {}", where, text,
                                 std::is_integral_v<T> ? "whole number" : "number"));
  }
  return value;
}

template <typename T>
std::vector<T> parse_numbers(const std::vector<std::string>& values, std::string_view where) {
  std::vector<T> out;
  for (const std::string& v : values) out.push_back(parse_number<T>(v, where));
  return out;
}

std::string single(const std::vector<std::string>& values, std::string_view where) {
  if (values.size() != 1) {
    throw UsageError(fmt::format("{} takes one value, not a list of {}", where, values.size()));
  }
  return values.front();
}

template <typename T>
void check_range(const std::vector<T>& values, T lo, T hi, std::string_view name) {
  if (values.empty()) throw UsageError(fmt::format("--{} needs at least one value", name));
  for (T v : values) {
    if (!(v >= lo && v <= hi)) {
      throw UsageError(fmt::format("--{} {} is out of range; use {} to {}", name, v, lo, hi));
    }
  }
}

}  // namespace

Regime parse_regime(std::string_view text) {
  if (text == "original") return {RegimeKind::kOriginal, 0};
  if (text == "shuffled") return {RegimeKind::kShuffled, 0};
  if (text == "fresh") return {RegimeKind::kFresh, 0};
  if (text.starts_with("mixed:")) {
    const std::string_view p_text = text.substr(6);
    double p = 0;
    auto [ptr, ec] = std::from_chars(p_text.data(), p_text.data() + p_text.size(), p);
    if (ec == std::errc{} && ptr == p_text.data() + p_text.size() && !p_text.empty() && p >= 0 &&
        p <= 1) {
      return {RegimeKind::kMixed, p};
    }
    throw UsageError(fmt::format(
        "training regime '{}': P of mixed:P must be a number from 0 to 1, e.g. mixed:0.5", text));
  }
  throw UsageError(fmt::format(
      "unknown training regime '{}'; expected original, shuffled, mixed:P (0 <= P <= 1) or fresh",
      text));
}

std::string to_string(const Regime& regime) {
  switch (regime.kind) {
    case RegimeKind::kOriginal:
      return "original";
    case RegimeKind::kShuffled:
      return "shuffled";
    case RegimeKind::kMixed:
      return fmt::format("mixed:{}", regime.mix);
    case RegimeKind::kFresh:
      return "fresh";
  }
  return "?";
}

std::string config_key(const JobConfig& job) {
  return fmt::format(
      "grid={},shuffle={},train_on={},hidden={},layers={},epochs={},batch={},lr={},"
      "train_limit={},data={:08x}",
      job.grid, to_string(job.shuffle), to_string(job.train_on), job.hidden, job.layers, job.epochs,
      job.batch, job.learning_rate, job.train_limit, job.data_digest);
}

std::string job_key(const JobConfig& job) {
  return fmt::format("{},seed={}", config_key(job), job.seed);
}

nlohmann::json config_json(const JobConfig& job) {
  return {{"grid", job.grid},
          {"shuffle", to_string(job.shuffle)},
          {"train_on", to_string(job.train_on)},
          {"mix", job.train_on.kind == RegimeKind::kMixed ? nlohmann::json(job.train_on.mix)
                                                          : nlohmann::json(nullptr)},
          {"hidden", job.hidden},
          {"layers", job.layers},
          {"epochs", job.epochs},
          {"batch", job.batch},
          // The float's shortest decimal form (0.001), not its binary expansion as a double.
          {"learning_rate", std::stod(fmt::format("{}", job.learning_rate))},
          {"train_limit", job.train_limit},
          {"data_digest", fmt::format("{:08x}", job.data_digest)}};
}

void set_sweep_option(SweepSpec& spec, std::string_view name,
                      const std::vector<std::string>& values, std::string_view where) {
  if (values.empty()) throw UsageError(fmt::format("{} needs at least one value", where));
  if (name == "grid") {
    spec.grid = parse_numbers<int>(values, where);
  } else if (name == "shuffle") {
    spec.shuffle.clear();
    for (const std::string& v : values) {
      try {
        spec.shuffle.push_back(parse_shuffle_mode(v));
      } catch (const UsageError& e) {
        throw UsageError(fmt::format("{}: {}", where, e.what()));
      }
    }
  } else if (name == "train-on") {
    spec.train_on.clear();
    for (const std::string& v : values) {
      try {
        spec.train_on.push_back(parse_regime(v));
      } catch (const UsageError& e) {
        throw UsageError(fmt::format("{}: {}", where, e.what()));
      }
    }
  } else if (name == "hidden") {
    spec.hidden = parse_numbers<std::size_t>(values, where);
  } else if (name == "layers") {
    spec.layers = parse_numbers<std::size_t>(values, where);
  } else if (name == "epochs") {
    spec.epochs = parse_numbers<std::size_t>(values, where);
  } else if (name == "batch") {
    spec.batch = parse_numbers<std::size_t>(values, where);
  } else if (name == "lr") {
    spec.learning_rate = parse_numbers<float>(values, where);
  } else if (name == "seeds") {
    spec.seeds = parse_number<std::size_t>(single(values, where), where);
  } else if (name == "first-seed") {
    spec.first_seed = parse_number<std::uint64_t>(single(values, where), where);
  } else if (name == "train-limit") {
    spec.train_limit = parse_number<std::size_t>(single(values, where), where);
  } else if (name == "data") {
    spec.data = single(values, where);
  } else {
    throw UsageError(fmt::format(
        "{}: unknown option '{}'; a sweep knows data, grid, shuffle, train-on, hidden, layers, "
        "epochs, batch, lr, seeds, first-seed, train-limit and db",
        where, name));
  }
}

void load_sweep_file(const std::filesystem::path& path, SweepSpec& spec, std::filesystem::path* db,
                     const std::function<bool(std::string_view)>& given_on_command_line) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError(fmt::format("{} is a directory, expected a sweep file (TOML)", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(
        fmt::format("{}: cannot open for reading: {}", path.string(), std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  parse_sweep_text(text.str(), path.string(), spec, db, given_on_command_line);
}

void parse_sweep_text(std::string_view text, std::string_view source, SweepSpec& spec,
                      std::filesystem::path* db,
                      const std::function<bool(std::string_view)>& given_on_command_line) {
  const std::string name(source);
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw UsageError(fmt::format("{}:{}:{}: not a valid TOML file: {}; nothing was run", name,
                                 begin.line, begin.column, e.description()));
  }
  // Check every key before applying any, so that a bad file changes nothing.
  SweepSpec updated = spec;
  std::filesystem::path db_value;
  for (const auto& [raw_key, node] : table) {
    std::string key(raw_key.str());
    std::replace(key.begin(), key.end(), '_', '-');
    const auto line = node.source().begin.line;
    const std::string where = fmt::format("{}:{}: {}", name, line, raw_key.str());
    std::vector<std::string> values;
    auto add = [&](const toml::node& value) {
      if (auto s = value.value_exact<std::string>()) {
        values.push_back(*s);
      } else if (auto i = value.value_exact<std::int64_t>()) {
        values.push_back(std::to_string(*i));
      } else if (auto f = value.value_exact<double>()) {
        values.push_back(fmt::format("{}", *f));
      } else {
        throw UsageError(
            fmt::format("{}: expected a number or a string, or an array of them", where));
      }
    };
    if (const toml::array* array = node.as_array()) {
      for (const toml::node& element : *array) add(element);
    } else {
      add(node);
    }
    if (given_on_command_line && given_on_command_line(key)) continue;
    if (key == "db") {
      db_value = single(values, where);
      continue;
    }
    set_sweep_option(updated, key, values, where);
  }
  spec = std::move(updated);
  if (db != nullptr && !db_value.empty()) *db = db_value;
}

void validate(const SweepSpec& spec) {
  check_range<int>(spec.grid, 1, 255, "grid");
  check_range<std::size_t>(spec.hidden, 1, 65536, "hidden");
  check_range<std::size_t>(spec.layers, 1, 16, "layers");
  check_range<std::size_t>(spec.epochs, 1, 10000, "epochs");
  check_range<std::size_t>(spec.batch, 1, 65536, "batch");
  if (spec.shuffle.empty()) throw UsageError("--shuffle needs at least one value");
  if (spec.train_on.empty()) throw UsageError("--train-on needs at least one value");
  if (spec.learning_rate.empty()) throw UsageError("--lr needs at least one value");
  for (float lr : spec.learning_rate) {
    if (!(lr > 0.0f) || !std::isfinite(lr)) {
      throw UsageError(fmt::format("--lr {} must be a positive number", lr));
    }
  }
  if (spec.seeds == 0 || spec.seeds > 100000) {
    throw UsageError(fmt::format("--seeds {} is out of range; use 1 to 100000", spec.seeds));
  }
  for (int g : spec.grid) {
    for (ShuffleMode mode : spec.shuffle) {
      if (mode == ShuffleMode::kNone) {
        throw UsageError(
            "--shuffle none leaves the shuffled test set equal to the original one; a sweep "
            "needs derange, permute or fixed");
      }
      if (g == 1 && mode != ShuffleMode::kPermute) {
        throw UsageError(fmt::format(
            "--grid 1 has a single block, which has no derangement; use grids of 2 or more "
            "with --shuffle {}",
            to_string(mode)));
      }
    }
  }
}

std::vector<JobConfig> expand_jobs(const SweepSpec& spec, std::uint32_t data_digest) {
  std::vector<JobConfig> jobs;
  std::set<std::string> seen;
  for (std::size_t s = 0; s < spec.seeds; ++s) {
    for (int grid : spec.grid)
      for (ShuffleMode shuffle : spec.shuffle)
        for (const Regime& regime : spec.train_on)
          for (std::size_t hidden : spec.hidden)
            for (std::size_t layers : spec.layers)
              for (std::size_t epochs : spec.epochs)
                for (std::size_t batch : spec.batch)
                  for (float lr : spec.learning_rate) {
                    JobConfig job{grid,
                                  shuffle,
                                  regime,
                                  hidden,
                                  layers,
                                  epochs,
                                  batch,
                                  lr,
                                  spec.train_limit,
                                  data_digest,
                                  spec.first_seed + s};
                    if (seen.insert(job_key(job)).second) jobs.push_back(job);
                  }
  }
  return jobs;
}

Shard parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string where = fmt::format("--shard {}", text);
  if (slash == std::string_view::npos) {
    throw UsageError(fmt::format("{}: expected K/N, e.g. 1/4 for the first of four slices", where));
  }
  Shard shard{parse_number<std::size_t>(text.substr(0, slash), where),
              parse_number<std::size_t>(text.substr(slash + 1), where)};
  if (shard.count == 0 || shard.index == 0 || shard.index > shard.count) {
    throw UsageError(fmt::format("{}: K must be 1 to N and N at least 1", where));
  }
  return shard;
}

std::vector<JobConfig> select_shard(const std::vector<JobConfig>& jobs, Shard shard) {
  std::vector<JobConfig> out;
  for (std::size_t i = shard.index - 1; i < jobs.size(); i += shard.count) out.push_back(jobs[i]);
  return out;
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
  SweepData out;
  out.data = load_dataset(dir);
  Split& train = out.data.train;
  if (train_limit > 0 && train_limit < train.images.count) {
    train.images.count = train_limit;
    train.images.pixels.resize(train_limit * train.images.pixels_per_image());
    train.labels.resize(train_limit);
  }
  // One number for both splits: a job's key changes when either does.
  Split both;
  both.images = train.images;
  both.images.pixels.insert(both.images.pixels.end(), out.data.test.images.pixels.begin(),
                            out.data.test.images.pixels.end());
  both.labels = train.labels;
  both.labels.insert(both.labels.end(), out.data.test.labels.begin(), out.data.test.labels.end());
  out.digest = split_digest(both);
  return out;
}

ImageSet mixed_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                      double p) {
  validate_grid(grid, images.rows, images.cols, mode);
  ImageSet out = images;
  for (std::size_t k = 0; k < images.count; ++k) {
    CounterRng coin(seed, Stream::kMix, k);
    if (!(static_cast<double>(coin.uniform_float()) < p)) continue;
    const BlockPermutation perm = block_permutation(mode, grid, seed, Stream::kShuffleTrain, k);
    apply_block_permutation(images.image(k), out.image(k), images.rows, images.cols, grid, perm);
  }
  return out;
}

void fresh_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                  std::size_t epoch, ImageSet& out) {
  validate_grid(grid, images.rows, images.cols, mode);
  out.count = images.count;
  out.rows = images.rows;
  out.cols = images.cols;
  out.pixels.resize(images.pixels.size());
  const std::uint64_t base = static_cast<std::uint64_t>(epoch - 1) * images.count;
  for (std::size_t k = 0; k < images.count; ++k) {
    const BlockPermutation perm = block_permutation(mode, grid, seed, Stream::kFresh, base + k);
    apply_block_permutation(images.image(k), out.image(k), images.rows, images.cols, grid, perm);
  }
}

JobResult run_job(const JobConfig& job, const SweepData& sweep) {
  const Split& train = sweep.data.train;
  const Split& test = sweep.data.test;
  validate_grid(job.grid, train.images.rows, train.images.cols, job.shuffle);
  JobResult result;
  result.started_at = utc_timestamp();

  Network net(dense_layout(train.images.pixels_per_image(), job.hidden, job.layers,
                           static_cast<std::size_t>(sweep.data.classes)));
  glorot_uniform_init(net, job.seed);
  TrainConfig tc;
  tc.epochs = job.epochs;
  tc.batch = job.batch;
  tc.learning_rate = job.learning_rate;
  tc.seed = job.seed;
  tc.name = job_key(job);

  const auto start = Clock::now();
  ImageSet images;  // the training images, when they are not the original ones
  EpochImagesFn images_for_epoch;
  switch (job.train_on.kind) {
    case RegimeKind::kOriginal:
      break;
    case RegimeKind::kShuffled:
      images =
          shuffle_images(train.images, job.grid, job.shuffle, job.seed, Stream::kShuffleTrain, 1);
      break;
    case RegimeKind::kMixed:
      images = mixed_images(train.images, job.grid, job.shuffle, job.seed, job.train_on.mix);
      break;
    case RegimeKind::kFresh:
      images_for_epoch = [&](std::size_t epoch) -> const ImageSet& {
        fresh_images(train.images, job.grid, job.shuffle, job.seed, epoch, images);
        return images;
      };
      break;
  }
  const bool original =
      job.train_on.kind == RegimeKind::kOriginal || job.train_on.kind == RegimeKind::kFresh;
  result.history =
      train_network(net, original ? train.images : images, train.labels, tc, {}, images_for_epoch);
  result.train_seconds = std::chrono::duration<double>(Clock::now() - start).count();

  const ImageSet shuffled_test =
      shuffle_images(test.images, job.grid, job.shuffle, job.seed, Stream::kShuffleTest, 1);
  const Evaluation on_original = evaluate(net, test.images, test.labels);
  const Evaluation on_shuffled = evaluate(net, shuffled_test, test.labels);
  result.original_test = {on_original.correct, on_original.total};
  result.shuffled_test = {on_shuffled.correct, on_shuffled.total};

  const std::size_t rows = train.images.rows, cols = train.images.cols;
  const std::vector<double> R = weight_correlation(net.kernel(0), rows * cols, job.hidden);
  result.signature = grid_signature(R, rows, cols, job.grid);
  result.finished_at = utc_timestamp();
  return result;
}

void run_jobs(const std::vector<JobConfig>& jobs, const SweepData& data, int threads,
              const std::function<void(JobOutcome&&)>& commit) {
  // Eigen sets its cache-blocking sizes in statics on first use; racing threads could see
  // different blockings and so sum in a different order. Set them once, before any thread.
  Eigen::initParallel();
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<JobOutcome> finished;
  std::size_t next = 0, running = 0;
  bool stop = false;

  auto worker = [&] {
    for (;;) {
      std::size_t index;
      {
        std::lock_guard lock(mutex);
        if (stop || next >= jobs.size()) return;
        index = next++;
        ++running;
      }
      JobOutcome outcome{jobs[index], false, {}, {}};
      try {
        outcome.result = run_job(jobs[index], data);
        outcome.ok = true;
      } catch (const std::exception& e) {
        outcome.error = e.what();
      }
      {
        std::lock_guard lock(mutex);
        --running;
        finished.push_back(std::move(outcome));
      }
      ready.notify_one();
    }
  };

  const std::size_t count = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)),
                                                    1, std::max<std::size_t>(jobs.size(), 1));
  std::exception_ptr failure;
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < count; ++t) pool.emplace_back(worker);
    std::size_t committed = 0;
    while (committed < jobs.size()) {
      std::unique_lock lock(mutex);
      ready.wait(lock, [&] { return !finished.empty() || (stop && running == 0); });
      if (finished.empty()) break;
      JobOutcome outcome = std::move(finished.front());
      finished.pop_front();
      lock.unlock();
      ++committed;
      if (failure) continue;  // drain what is still running, write nothing more
      try {
        commit(std::move(outcome));
      } catch (...) {
        failure = std::current_exception();
        std::lock_guard relock(mutex);
        stop = true;
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
}

std::vector<StatsEntry> summarize_jobs(const std::vector<StoredJob>& jobs) {
  struct Group {
    JobConfig config;
    std::vector<double> original, shuffled, within, across, contrast;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> order;  // first appearance, so the output follows the sweep
  for (const StoredJob& job : jobs) {
    if (job.status != "done") continue;
    const std::string key = config_key(job.config);
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) {
      order.push_back(key);
      it->second.config = job.config;
      it->second.config.seed = 0;
    }
    Group& g = it->second;
    g.original.push_back(job.result.original_test.accuracy());
    g.shuffled.push_back(job.result.shuffled_test.accuracy());
    g.within.push_back(job.result.signature.within);
    g.across.push_back(job.result.signature.across);
    g.contrast.push_back(job.result.signature.contrast);
  }
  std::vector<StatsEntry> out;
  for (const std::string& key : order) {
    const Group& g = groups[key];
    const Summary within = summarize(g.within), across = summarize(g.across),
                  contrast = summarize(g.contrast);
    out.push_back({g.config, "original_test", summarize(g.original), within, across, contrast});
    out.push_back({g.config, "shuffled_test", summarize(g.shuffled), within, across, contrast});
  }
  return out;
}

nlohmann::json summary_json(const std::vector<StatsEntry>& entries) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  auto stats = [&](const Summary& s) {
    return nlohmann::json{{"n", s.n},
                          {"mean", number(s.mean)},
                          {"std", number(s.std)},
                          {"ci95_low", number(s.ci95_low)},
                          {"ci95_high", number(s.ci95_high)}};
  };
  nlohmann::json out = nlohmann::json::array();
  for (const StatsEntry& e : entries) {
    nlohmann::json row = {
        {"config", config_json(e.config)}, {"test", e.test}, {"metric", "accuracy"}};
    row.update(stats(e.accuracy));
    row["signature"] = {
        {"within", stats(e.within)}, {"across", stats(e.across)}, {"contrast", stats(e.contrast)}};
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace savant
