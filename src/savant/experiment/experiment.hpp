#pragma once
// The article's experiment (SPEC section 4): two networks from the same initial weights, one
// trained on original images and one on block-shuffled images, each evaluated on both test
// sets and looked at through its first layer's weights.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/core/machine.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/regime.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/experiment/config.hpp"
#include "savant/experiment/unit_analysis.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/model/network.hpp"
#include "savant/model/train.hpp"

namespace savant {

// "original_model", "shuffled_model", ...: the name of a model trained in a regime, in progress
// reports, results.json and files.
std::string model_name(const Regime& regime);

// How a model was made, as its file's metadata records it: enough to train it again
// bit for bit, and to evaluate it against the grid it was trained with.
struct ModelProvenance {
  ExperimentConfig config;
  Regime train_on;
  std::size_t rows = 0, cols = 0;  // image size
  std::uint32_t train_crc32 = 0;   // split_digest of the training split before shuffling
  std::string savant_version;
  // The engine that trained it (active_engine_name); empty in files of earlier versions.
  std::string engine = {};
  // The run that wrote it (run_set.hpp); empty for a model saved alone.
  std::string run_id = {};
};

// Everything measured about one trained model.
struct ModelReport {
  std::string name;                 // "original_model" or "shuffled_model"
  Network network;                  // an mlp model's (config.model); empty for the others
  std::optional<ArchNetwork> arch;  // a cnn, local or mixer model's
  std::vector<EpochRecord> history;
  std::vector<std::string> warnings;  // training_warnings of its history: it did not learn
  Evaluation on_original_test, on_shuffled_test;
  // The test images train_model evaluated it on with its last epoch's test curves (both set
  // only then): evaluate_model, given the same ones, has nothing left to do.
  const ImageSet* evaluated_on_original = nullptr;
  const ImageSet* evaluated_on_shuffled = nullptr;
  std::vector<double> correlation;  // R (pixels, pixels)
  std::vector<double> adjacent;     // A (rows, cols)
  GridSignature signature;
  double train_seconds = 0;
  std::string engine;  // active_engine_name when it was trained
};

struct Timings {
  double load = 0, shuffle = 0, train_original_model = 0, train_shuffled_model = 0, evaluate = 0,
         analyze = 0, units = 0, write = 0, total = 0;
};

// How many test images a run keeps to show (ReproduceResult::shown_original), and how many of
// them samples.png draws.
inline constexpr std::size_t kShownTestImages = 12;
inline constexpr std::size_t kSampleImages = 6;

struct ReproduceResult {
  ExperimentConfig config;
  // Provenance: where and when it ran (run_reproduce fills these) and the command that asked
  // for it (its caller may; empty otherwise).
  Machine machine;
  std::string started;  // ISO 8601 UTC
  std::vector<std::string> command_line;
  std::size_t rows = 0, cols = 0, train_count = 0, test_count = 0;
  std::uint32_t train_crc32 = 0;  // split_digest of the training split as loaded
  std::vector<std::string> class_names;
  std::vector<std::uint8_t> test_labels;  // the test split's labels, for predictions.csv
  ModelReport original, shuffled;
  UnitAnalysis units;  // the hidden units of both models (docs/SPEC.md, section 10)
  // The first test images (at most kShownTestImages), original and shuffled as the run
  // shuffled them: samples.png draws the first of them (sample_indices, their labels
  // sample_labels), the report's gallery all of them. Kept so that nothing reads the test set
  // again.
  ImageSet shown_original, shown_shuffled;
  std::vector<std::size_t> sample_indices;
  std::vector<std::uint8_t> sample_labels;
  Timings timings;
  // Both models' warnings, for stderr, results.json and the report.
  std::vector<std::string> warnings;
  std::string run_id;  // set when the run's files are written (run_set.hpp)
};

// The training engine's settings for one model of the configuration.
TrainConfig train_config(const ExperimentConfig& config, std::string name, int threads);

// The steps of the experiment. run_reproduce and the single-step commands (train, eval,
// analyze, shuffle) call the same functions, so that they compute the same numbers.

// The data set of `config.data`, its training split cut to `config.train_limit` images.
// `classes` is the number of labels the model knows.
Dataset load_experiment_data(const ExperimentConfig& config, int classes = 10);

// The block-shuffled copy of the test images, from Stream::kShuffleTest: the training images'
// (TrainingImages) come from Stream::kShuffleTrain, so the two never share a permutation.
ImageSet shuffle_test_images(const ImageSet& images, const ExperimentConfig& config);

// Trains one model on the images of its regime, starting from the seed's Glorot
// initialisation: every model of a seed starts from the same weights and sees the images in
// the same order. Fills the report's network, history and train_seconds. `threads` is this
// model's share of the cores (the result does not depend on it).
// The labels are the training split's; config.label_noise replaces some of them
// (noisy_labels) before training, and the history's training accuracy is measured against those
// replaced. With config.epoch_eval "test", each epoch of the history also records the loss and
// accuracy on `tests` (where given).
struct EpochTests {
  const Split* test = nullptr;         // the original test images and their labels
  const ImageSet* shuffled = nullptr;  // their shuffled copy (shuffle_test_images)
};
void train_model(ModelReport& model, const ExperimentConfig& config, TrainingImages& images,
                 std::span<const std::uint8_t> labels, int classes, const ProgressFn& progress,
                 int threads, const EpochTests& tests = {});

// The model's accuracy on the original test images and on their shuffled copy
// (shuffle_test_images). A cnn, local or mixer model is evaluated on `threads` threads (the
// numbers do not depend on them).
void evaluate_model(ModelReport& model, const Split& test, const ImageSet& shuffled_test,
                    int threads = 1);

// R, the adjacent map A and the grid signature of the model's first layer.
void analyze_model(ModelReport& model, std::size_t rows, std::size_t cols, int grid);

// One model, trained as run_reproduce trains the model of the same name.
struct TrainResult {
  ModelProvenance provenance;
  ModelReport model;
  std::size_t train_count = 0;
  double load_seconds = 0, shuffle_seconds = 0;
};
TrainResult run_train(const ExperimentConfig& config, const Regime& train_on,
                      const ProgressFn& progress = {});

ReproduceResult run_reproduce(const ExperimentConfig& config, const ProgressFn& progress = {});

// The provenance of one of the two models of a reproduce run.
ModelProvenance provenance_of(const ReproduceResult& result, const Regime& train_on);

}  // namespace savant
