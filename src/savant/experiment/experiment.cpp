#include "savant/experiment/experiment.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/parallel.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/core/version.hpp"
#include "savant/experiment/first_layer.hpp"
#include "savant/model/arch_train.hpp"
#include "savant/model/engine_choice.hpp"

namespace savant {
namespace {

// The test curves of every epoch (EpochRecord): the loss and accuracy on the test images and on
// their shuffled copy. After the last epoch, with both test sets, the same pass is also the
// model's evaluation, which evaluate_model then keeps. `evaluate_on(net, images, labels, score)`
// is the model's evaluate (model/evaluate.hpp, model/arch_train.hpp).
template <class Net, class Evaluate>
std::function<void(const Net&, EpochRecord&)> test_curves(ModelReport& model,
                                                          const ExperimentConfig& config,
                                                          const EpochTests& tests,
                                                          Evaluate evaluate_on) {
  if (config.epoch_eval != "test" || tests.test == nullptr) return {};
  return [&model, &tests, evaluate_on, epochs = config.epochs](const Net& net, EpochRecord& e) {
    const bool last = e.epoch == epochs && tests.shuffled != nullptr;
    Score s;
    Evaluation on_original = evaluate_on(net, tests.test->images, tests.test->labels, &s);
    e.original_test_loss = s.loss;
    e.original_test_accuracy = s.accuracy;
    if (tests.shuffled == nullptr) return;
    Evaluation on_shuffled = evaluate_on(net, *tests.shuffled, tests.test->labels, &s);
    e.shuffled_test_loss = s.loss;
    e.shuffled_test_accuracy = s.accuracy;
    if (!last) return;
    model.on_original_test = std::move(on_original);
    model.evaluated_on_original = &tests.test->images;
    model.on_shuffled_test = std::move(on_shuffled);
    model.evaluated_on_shuffled = tests.shuffled;
  };
}

// train_model for a cnn, local or mixer model (model/arch_train.hpp): the same seed, epochs,
// batches and order of images as the dense network's.
void train_architecture_model(ModelReport& model, const ExperimentConfig& config,
                              TrainingImages& images, std::span<const std::uint8_t> labels,
                              int classes, const ProgressFn& progress, int threads,
                              const EpochTests& tests) {
  if (images.changes_every_epoch()) {
    throw UsageError(fmt::format(
        "the {} model trains on one set of images for every epoch; the fresh regime draws new "
        "ones each epoch, which only the mlp model takes",
        architecture_name(config.model)));
  }
  const ImageSet& train = images.images();
  ArchNetwork net(architecture_layout(config.model, train.rows, train.cols,
                                      static_cast<std::size_t>(config.grid),
                                      static_cast<std::size_t>(classes)));
  glorot_uniform_init(net, config.seed);
  model.engine = arch_engine_name(config.model);  // whatever the engine setting
  const ArchEpochEndFn after_epoch =
      test_curves<ArchNetwork>(model, config, tests,
                               [threads](const ArchNetwork& trained, const ImageSet& set,
                                         std::span<const std::uint8_t> truth, Score* score) {
                                 return evaluate(trained, set, truth, threads, score);
                               });
  model.history = train_architecture(net, train, labels, train_config(config, model.name, threads),
                                     progress, after_epoch);
  model.arch = std::move(net);
}

}  // namespace

TrainConfig train_config(const ExperimentConfig& config, std::string name, int threads) {
  TrainConfig tc;
  tc.epochs = config.epochs;
  tc.batch = config.batch;
  tc.learning_rate = config.learning_rate;
  tc.seed = config.seed;
  tc.name = std::move(name);
  tc.threads = std::max(threads, 1);
  return tc;
}

std::string model_name(const Regime& regime) {
  return to_string(regime.kind) + "_model";
}

Dataset load_experiment_data(const ExperimentConfig& config, int classes) {
  Dataset data = load_dataset(config.data, classes, config.threads);
  if (config.train_limit != 0) data.train = first_images(data.train, config.train_limit);
  return data;
}

ImageSet shuffle_test_images(const ImageSet& images, const ExperimentConfig& config) {
  return shuffle_images(images, config.grid, config.shuffle, config.seed, Stream::kShuffleTest,
                        config.threads);
}

void train_model(ModelReport& model, const ExperimentConfig& config, TrainingImages& images,
                 std::span<const std::uint8_t> labels, int classes, const ProgressFn& progress,
                 int threads, const EpochTests& tests) {
  const auto start = Clock::now();
  // Zhang et al.'s corrupted labels: the model trains on, and is scored against, these.
  std::vector<std::uint8_t> noisy;
  if (config.label_noise > 0) {
    noisy = noisy_labels(labels, static_cast<std::size_t>(classes), config.seed,
                         static_cast<double>(config.label_noise));
    labels = noisy;
  }
  if (config.model != Architecture::mlp) {
    train_architecture_model(model, config, images, labels, classes, progress, threads, tests);
    model.train_seconds = seconds_since(start);
    model.warnings =
        training_warnings(model.name, model.history, static_cast<std::size_t>(classes));
    return;
  }
  model.network = Network(dense_layout(images.images().pixels_per_image(), config.hidden,
                                       config.layers, static_cast<std::size_t>(classes)));
  glorot_uniform_init(model.network, config.seed);
  // The engine is a setting of the configuration; the kernels keep the instruction set it
  // selects (kernels/isa.hpp).
  select_engine(config.engine);
  model.engine = active_engine_name(model.network.layout);
  EpochImagesFn images_for_epoch;
  if (images.changes_every_epoch()) {
    images_for_epoch = [&images](std::size_t epoch) -> const ImageSet& {
      return images.epoch(epoch);
    };
  }
  const EpochEndFn after_epoch = test_curves<Network>(
      model, config, tests,
      [](const Network& trained, const ImageSet& set, std::span<const std::uint8_t> truth,
         Score* score) { return evaluate(trained, set, truth, score); });
  model.history = train_network(model.network, images.images(), labels,
                                train_config(config, model.name, threads), progress,
                                images_for_epoch, after_epoch);
  model.train_seconds = seconds_since(start);
  model.warnings = training_warnings(model.name, model.history, static_cast<std::size_t>(classes));
}

void evaluate_model(ModelReport& model, const Split& test, const ImageSet& shuffled_test,
                    int threads) {
  if (model.evaluated_on_original == &test.images && model.evaluated_on_shuffled == &shuffled_test)
    return;  // train_model did, after its last epoch
  if (model.arch) {
    model.on_original_test = evaluate(*model.arch, test.images, test.labels, threads);
    model.on_shuffled_test = evaluate(*model.arch, shuffled_test, test.labels, threads);
    return;
  }
  model.on_original_test = evaluate(model.network, test.images, test.labels);
  model.on_shuffled_test = evaluate(model.network, shuffled_test, test.labels);
}

void analyze_model(ModelReport& model, std::size_t rows, std::size_t cols, int grid) {
  const std::size_t hidden = model.network.layout.out(0);
  model.correlation = weight_correlation(model.network.kernel(0), rows * cols, hidden);
  model.adjacent = adjacent_correlation(model.correlation, rows, cols);
  model.signature = grid_signature(model.correlation, rows, cols, grid);
}

TrainResult run_train(const ExperimentConfig& config, const Regime& train_on,
                      const ProgressFn& progress) {
  validate(config);
  TrainResult result;
  auto t = Clock::now();
  const Dataset data = load_experiment_data(config);
  validate_grid(config.grid, data.train.images.rows, data.train.images.cols, config.shuffle);
  result.train_count = data.train.images.count;
  result.provenance = {config,
                       train_on,
                       data.train.images.rows,
                       data.train.images.cols,
                       split_digest(data.train),
                       std::string(kVersion)};
  result.load_seconds = seconds_since(t);

  t = Clock::now();
  TrainingImages images(data.train.images, train_on, config.grid, config.shuffle, config.seed,
                        config.threads);

  ImageSet shuffled_test;
  EpochTests tests;
  if (config.epoch_eval == "test") {
    shuffled_test = shuffle_test_images(data.test.images, config);
    tests = {&data.test, &shuffled_test};
  }
  result.shuffle_seconds = seconds_since(t);

  result.model.name = model_name(train_on);
  train_model(result.model, config, images, data.train.labels, data.classes, progress,
              config.threads, tests);
  result.provenance.engine = result.model.engine;
  return result;
}

ReproduceResult run_reproduce(const ExperimentConfig& config, const ProgressFn& progress) {
  validate(config);
  const auto start = Clock::now();
  ReproduceResult result;
  result.config = config;
  result.started = iso8601_utc(std::chrono::system_clock::now());
  result.machine = this_machine();

  // 1. Load the data set.
  auto t = Clock::now();
  const Dataset data = load_experiment_data(config);
  validate_grid(config.grid, data.train.images.rows, data.train.images.cols, config.shuffle);
  result.rows = data.train.images.rows;
  result.cols = data.train.images.cols;
  result.train_count = data.train.images.count;
  result.test_count = data.test.images.count;
  result.class_names = class_names(config.data, data.classes);
  result.test_labels = data.test.labels;
  result.train_crc32 = split_digest(data.train);
  result.timings.load = seconds_since(t);

  // 2. Puzzle the images: every training and test image gets its own block permutation.
  t = Clock::now();
  TrainingImages train_original(data.train.images, {RegimeKind::kOriginal, 0}, config.grid,
                                config.shuffle, config.seed, config.threads);
  TrainingImages train_shuffled(data.train.images, {RegimeKind::kShuffled, 0}, config.grid,
                                config.shuffle, config.seed, config.threads);
  const ImageSet test_shuffled = shuffle_test_images(data.test.images, config);
  result.timings.shuffle = seconds_since(t);

  // 3. Train both networks from the same initial weights, in the same order of images. Then each
  // model, on the thread that trained it: 4. evaluated on the original and on the shuffled test
  // images; 5. the correlations of its pixels' weight vectors; 6. its hidden units. With two
  // threads or more the models train at the same time, each on half of them, and a model that
  // finishes first goes on to its own steps at once; the numbers do not depend on how many
  // threads a model gets. Steps 5 and 6 read a dense first layer: a cnn, local or mixer model
  // has none, and its run shows the first layer itself instead (first_layer.hpp).
  const bool dense = has_dense_first_layer(config.model);
  result.original.name = model_name({RegimeKind::kOriginal, 0});
  result.shuffled.name = model_name({RegimeKind::kShuffled, 0});
  const bool together = config.threads >= 2;
  const int threads = together ? config.threads / 2 : std::max(config.threads, 1);
  struct AfterTraining {
    double evaluate = 0, analyze = 0, units = 0;
    ModelUnitPart units_part;
  };
  AfterTraining after_original, after_shuffled;
  const EpochTests epoch_tests{&data.test, &test_shuffled};  // train_model honours epoch_eval
  auto model_steps = [&](ModelReport& model, TrainingImages& images, bool shuffled_model,
                         AfterTraining& after) {
    train_model(model, config, images, data.train.labels, data.classes, progress, threads,
                epoch_tests);
    auto step = Clock::now();
    evaluate_model(model, data.test, test_shuffled, threads);
    after.evaluate = seconds_since(step);
    if (!dense) return;
    step = Clock::now();
    analyze_model(model, result.rows, result.cols, config.grid);
    after.analyze = seconds_since(step);
    step = Clock::now();
    after.units_part =
        model_unit_part(model.network, shuffled_model, data.test, test_shuffled, config, threads);
    after.units = seconds_since(step);
  };
  run_both(
      together, [&] { model_steps(result.original, train_original, false, after_original); },
      [&] { model_steps(result.shuffled, train_shuffled, true, after_shuffled); });
  result.timings.train_original_model = result.original.train_seconds;
  result.timings.train_shuffled_model = result.shuffled.train_seconds;
  for (const ModelReport* model : {&result.original, &result.shuffled}) {
    result.warnings.insert(result.warnings.end(), model->warnings.begin(), model->warnings.end());
  }
  // A step's time is the longer of the two models' (they run at the same time).
  result.timings.evaluate = std::max(after_original.evaluate, after_shuffled.evaluate);
  result.timings.analyze = std::max(after_original.analyze, after_shuffled.analyze);

  // 6, both models: how alike their hidden layers are.
  t = Clock::now();
  if (dense) {
    result.units = combine_unit_parts(std::move(after_original.units_part),
                                      std::move(after_shuffled.units_part));
  }
  result.timings.units = std::max(after_original.units, after_shuffled.units) + seconds_since(t);

  result.shown_original = first_images(data.test.images, kShownTestImages);
  result.shown_shuffled = first_images(test_shuffled, kShownTestImages);
  for (std::size_t k = 0; k < std::min(kSampleImages, result.shown_original.count); ++k) {
    result.sample_indices.push_back(k);
    result.sample_labels.push_back(data.test.labels[k]);
  }
  result.timings.total = seconds_since(start);
  return result;
}

ModelProvenance provenance_of(const ReproduceResult& result, const Regime& train_on) {
  const ModelReport& model =
      model_name(train_on) == result.shuffled.name ? result.shuffled : result.original;
  return {result.config,         train_on,     result.rows,  result.cols, result.train_crc32,
          std::string(kVersion), model.engine, result.run_id};
}

}  // namespace savant
