#pragma once
// The article's experiment (SPEC section 4): two networks from the same initial weights, one
// trained on original images and one on block-shuffled images, each evaluated on both test
// sets and looked at through its first layer's weights.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "savant/analysis.hpp"
#include "savant/dataset.hpp"
#include "savant/evaluate.hpp"
#include "savant/network.hpp"
#include "savant/shuffle.hpp"
#include "savant/train.hpp"

namespace savant {

struct ExperimentConfig {
  std::filesystem::path data;
  int grid = 4;
  ShuffleMode shuffle = ShuffleMode::kDerange;
  std::size_t hidden = 128;
  std::size_t layers = 1;  // hidden layers
  std::size_t epochs = 5;
  std::size_t batch = 32;
  float learning_rate = 1e-3f;
  std::uint64_t seed = 0;
  int threads = 1;
  // Use only the first N training images (0 = all); for quick runs and tests.
  std::size_t train_limit = 0;
};

// Everything measured about one trained model.
struct ModelReport {
  std::string name;  // "original_model" or "shuffled_model"
  Network network;
  std::vector<EpochRecord> history;
  Evaluation on_original_test, on_shuffled_test;
  std::vector<double> correlation;  // R (pixels, pixels)
  std::vector<double> adjacent;     // A (rows, cols)
  GridSignature signature;
  double train_seconds = 0;
};

struct Timings {
  double load = 0, shuffle = 0, train_original_model = 0, train_shuffled_model = 0, evaluate = 0,
         analyze = 0, write = 0, total = 0;
};

struct ReproduceResult {
  ExperimentConfig config;
  std::size_t rows = 0, cols = 0, train_count = 0, test_count = 0;
  std::uint32_t train_digest = 0;  // CRC-32 of the training images and labels as loaded
  std::vector<std::string> class_names;
  ModelReport original, shuffled;
  // A few test images for samples.png: index, original and shuffled pixels.
  std::vector<std::size_t> sample_indices;
  std::vector<std::uint8_t> sample_labels;
  std::vector<std::vector<std::uint8_t>> sample_original, sample_shuffled;
  Timings timings;
};

// Checks the configuration's numbers before any work is done; throws UsageError.
void validate(const ExperimentConfig& config);

ReproduceResult run_reproduce(const ExperimentConfig& config, const ProgressFn& progress = {});

// results.json, the heat maps, samples.png and both models, each written atomically.
void write_reproduce_outputs(ReproduceResult& result, const std::filesystem::path& out_dir);

// CRC-32 (zlib) of a split's images and labels: identifies the data a model was trained on.
std::uint32_t split_digest(const Split& split);

}  // namespace savant
