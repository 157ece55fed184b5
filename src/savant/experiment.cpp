#include "savant/experiment.hpp"

#include <zlib.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "savant/atomic_file.hpp"
#include "savant/error.hpp"
#include "savant/model_file.hpp"
#include "savant/plot.hpp"
#include "savant/results.hpp"

namespace savant {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Split first_images(const Split& split, std::size_t limit) {
  if (limit == 0 || limit >= split.images.count) return split;
  Split out;
  out.images = {limit,
                split.images.rows,
                split.images.cols,
                {split.images.pixels.begin(),
                 split.images.pixels.begin() +
                     static_cast<std::ptrdiff_t>(limit * split.images.pixels_per_image())}};
  out.labels.assign(split.labels.begin(),
                    split.labels.begin() + static_cast<std::ptrdiff_t>(limit));
  return out;
}

void analyze(ModelReport& model, std::size_t rows, std::size_t cols, int grid) {
  const std::size_t hidden = model.network.layout.out(0);
  model.correlation = weight_correlation(model.network.kernel(0), rows * cols, hidden);
  model.adjacent = adjacent_correlation(model.correlation, rows, cols);
  model.signature = grid_signature(model.correlation, rows, cols, grid);
}

}  // namespace

void validate(const ExperimentConfig& config) {
  if (config.hidden == 0 || config.hidden > 65536) {
    throw UsageError(fmt::format("--hidden {} is out of range; use 1 to 65536", config.hidden));
  }
  if (config.layers == 0 || config.layers > 16) {
    throw UsageError(fmt::format("--layers {} is out of range; use 1 to 16", config.layers));
  }
  if (config.epochs == 0 || config.epochs > 10000) {
    throw UsageError(fmt::format("--epochs {} is out of range; use 1 to 10000", config.epochs));
  }
  if (config.batch == 0 || config.batch > 65536) {
    throw UsageError(fmt::format("--batch {} is out of range; use 1 to 65536", config.batch));
  }
  if (!(config.learning_rate > 0.0f) || !std::isfinite(config.learning_rate)) {
    throw UsageError(fmt::format("--lr {} must be a positive number", config.learning_rate));
  }
  if (config.threads < 1 || config.threads > 1024) {
    throw UsageError(fmt::format("--threads {} is out of range; use 1 to 1024", config.threads));
  }
  if (config.grid < 1 || config.grid > 255) {
    throw UsageError(
        fmt::format("--grid {} is out of range; use a divisor of the image size", config.grid));
  }
  if (config.grid == 1 &&
      (config.shuffle == ShuffleMode::kDerange || config.shuffle == ShuffleMode::kFixed)) {
    throw UsageError(
        fmt::format("--grid 1 has a single block, which has no derangement; use a "
                    "grid of 2 or more with --shuffle {}",
                    to_string(config.shuffle)));
  }
}

std::uint32_t split_digest(const Split& split) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const std::uint8_t* p = split.images.pixels.data();
  std::size_t left = split.images.pixels.size();
  while (left > 0) {
    const uInt n = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  crc = crc32(crc, split.labels.data(), static_cast<uInt>(split.labels.size()));
  return static_cast<std::uint32_t>(crc);
}

ReproduceResult run_reproduce(const ExperimentConfig& config, const ProgressFn& progress) {
  validate(config);
  const auto start = Clock::now();
  ReproduceResult result;
  result.config = config;

  // 1. Load the data set.
  auto t = Clock::now();
  Dataset data = load_dataset(config.data);
  data.train = first_images(data.train, config.train_limit);
  validate_grid(config.grid, data.train.images.rows, data.train.images.cols, config.shuffle);
  result.rows = data.train.images.rows;
  result.cols = data.train.images.cols;
  result.train_count = data.train.images.count;
  result.test_count = data.test.images.count;
  result.class_names = class_names(config.data, data.classes);
  result.train_digest = split_digest(data.train);
  result.timings.load = seconds_since(t);

  // 2. Puzzle the images: every training and test image gets its own block permutation.
  t = Clock::now();
  const ImageSet train_shuffled =
      shuffle_images(data.train.images, config.grid, config.shuffle, config.seed,
                     Stream::kShuffleTrain, config.threads);
  const ImageSet test_shuffled = shuffle_images(data.test.images, config.grid, config.shuffle,
                                                config.seed, Stream::kShuffleTest, config.threads);
  result.timings.shuffle = seconds_since(t);

  // 3. Train both networks from the same initial weights, in the same order of images.
  const ParameterLayout layout =
      dense_layout(result.rows * result.cols, config.hidden, config.layers,
                   static_cast<std::size_t>(data.classes));
  Network initial(layout);
  glorot_uniform_init(initial, config.seed);
  result.original.name = "original_model";
  result.shuffled.name = "shuffled_model";
  result.original.network = result.shuffled.network = initial;
  auto train_one = [&](ModelReport& model, const ImageSet& images) {
    const auto t0 = Clock::now();
    TrainConfig tc{config.epochs, config.batch, config.learning_rate, config.seed, model.name};
    model.history = train_network(model.network, images, data.train.labels, tc, progress);
    model.train_seconds = seconds_since(t0);
  };
  if (config.threads >= 2) {
    // The two models are independent: one per core, each single-threaded and deterministic.
    std::exception_ptr failure;
    std::jthread other([&] {
      try {
        train_one(result.shuffled, train_shuffled);
      } catch (...) {
        failure = std::current_exception();
      }
    });
    train_one(result.original, data.train.images);
    other.join();
    if (failure) std::rethrow_exception(failure);
  } else {
    train_one(result.original, data.train.images);
    train_one(result.shuffled, train_shuffled);
  }
  result.timings.train_original_model = result.original.train_seconds;
  result.timings.train_shuffled_model = result.shuffled.train_seconds;

  // 4. Cross-evaluate: each model on the original and on the shuffled test images.
  t = Clock::now();
  for (ModelReport* model : {&result.original, &result.shuffled}) {
    model->on_original_test = evaluate(model->network, data.test.images, data.test.labels);
    model->on_shuffled_test = evaluate(model->network, test_shuffled, data.test.labels);
  }
  result.timings.evaluate = seconds_since(t);

  // 5. Look inside: correlations of the pixels' weight vectors.
  t = Clock::now();
  analyze(result.original, result.rows, result.cols, config.grid);
  analyze(result.shuffled, result.rows, result.cols, config.grid);
  result.timings.analyze = seconds_since(t);

  for (std::size_t k = 0; k < std::min<std::size_t>(6, data.test.images.count); ++k) {
    result.sample_indices.push_back(k);
    result.sample_labels.push_back(data.test.labels[k]);
    auto a = data.test.images.image(k);
    auto b = test_shuffled.image(k);
    result.sample_original.emplace_back(a.begin(), a.end());
    result.sample_shuffled.emplace_back(b.begin(), b.end());
  }
  result.timings.total = seconds_since(start);
  return result;
}

void write_reproduce_outputs(ReproduceResult& result, const std::filesystem::path& out_dir) {
  const auto start = Clock::now();
  ensure_writable_directory(out_dir);
  const std::vector<std::string> names = {"heatmap_original_model.png",
                                          "heatmap_shuffled_model.png",
                                          "original_model.safetensors",
                                          "shuffled_model.safetensors",
                                          "samples.png",
                                          "results.json"};
  remove_stale_temporaries(out_dir, names);

  ColourScale scale{std::numeric_limits<double>::infinity(),
                    -std::numeric_limits<double>::infinity()};
  for (const ModelReport* model : {&result.original, &result.shuffled}) {
    for (double v : model->adjacent) {
      if (std::isnan(v)) continue;
      scale.min = std::min(scale.min, v);
      scale.max = std::max(scale.max, v);
    }
  }
  if (!(scale.min <= scale.max)) scale = {-1, 1};
  for (const ModelReport* model : {&result.original, &result.shuffled}) {
    const std::string title = fmt::format("{} model: adjacent-pixel weight correlation",
                                          model == &result.original ? "original" : "shuffled");
    write_file_atomically(out_dir / fmt::format("heatmap_{}.png", model->name),
                          heatmap_png(model->adjacent, result.rows, result.cols, scale, title));
    save_model(out_dir / fmt::format("{}.safetensors", model->name), model->network,
               model_metadata(result, *model));
  }
  std::vector<SampleRow> samples;
  for (std::size_t i = 0; i < result.sample_indices.size(); ++i) {
    samples.push_back({result.sample_original[i], result.sample_shuffled[i],
                       result.class_names[result.sample_labels[i]]});
  }
  write_file_atomically(out_dir / "samples.png", samples_png(samples, result.rows, result.cols));
  result.timings.write = seconds_since(start);
  result.timings.total += result.timings.write;
  // results.json last: its presence means the run's other files are complete.
  write_file_atomically(out_dir / "results.json", results_json(result).dump(2) + "\n");
}

}  // namespace savant
