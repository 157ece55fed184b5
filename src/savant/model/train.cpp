#include "savant/model/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "savant/core/denormals.hpp"
#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/model/engine_choice.hpp"

namespace savant {
namespace {

bool all_finite(std::span<const float> values) {
  float sum = 0.0f;
  for (float v : values) sum += v * 0.0f;  // NaN or inf poisons the sum
  return sum == 0.0f;
}

}  // namespace

std::vector<std::uint32_t> epoch_order(std::uint64_t seed, std::size_t epoch, std::size_t count) {
  std::vector<std::uint32_t> order(count);
  CounterRng rng(seed, Stream::kEpochOrder, epoch);
  rng.permutation(std::span<std::uint32_t>(order));
  return order;
}

std::vector<EpochRecord> train_network(Network& net, const ImageSet& images,
                                       std::span<const std::uint8_t> labels,
                                       const TrainConfig& config, const ProgressFn& progress,
                                       const EpochImagesFn& images_for_epoch,
                                       const EpochEndFn& after_epoch) {
  if (config.batch == 0) throw UsageError("batch size must be at least 1");
  if (images.count == 0) throw InputError(fmt::format("{}: no training images", config.name));
  if (net.layout.in(0) != images.pixels_per_image()) {
    throw InputError(fmt::format("{}: the network takes {} inputs but the images have {} pixels",
                                 config.name, net.layout.in(0), images.pixels_per_image()));
  }
  const FlushDenormals flush;
  const std::size_t batch = std::min(config.batch, images.count);
  const std::size_t steps = (images.count + batch - 1) / batch;
  const std::size_t report_every = std::max<std::size_t>(1, steps / 100);

  // Beyond a few threads the serial part of a step dominates, and more threads than cores
  // would spin against each other. The result does not depend on it.
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads =
      std::clamp<std::size_t>(static_cast<std::size_t>(std::max(config.threads, 1)), 1,
                              std::min<std::size_t>({batch, 16, cores}));
  const std::unique_ptr<Engine> engine =
      make_engine(net, batch, threads, AdamConfig{.learning_rate = config.learning_rate});

  std::vector<EpochRecord> history;
  const auto start = Clock::now();
  for (std::size_t epoch = 1; epoch <= config.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    const std::vector<std::uint32_t> order = epoch_order(config.seed, epoch, images.count);
    // Sweep regime `fresh`: this epoch's own images.
    const ImageSet& epoch_images = images_for_epoch ? images_for_epoch(epoch) : images;
    double loss_sum = 0;
    std::size_t correct = 0, seen = 0;
    const StepFn after_step = [&](std::size_t step, std::size_t rows, const StepResult& result) {
      loss_sum += result.loss_sum;
      correct += result.correct;
      seen += rows;
      if (progress && ((step + 1) % report_every == 0 || step + 1 == steps)) {
        progress({config.name, epoch, config.epochs, step + 1, steps,
                  loss_sum / static_cast<double>(seen),
                  static_cast<double>(correct) / static_cast<double>(seen), seconds_since(start)});
      }
    };
    const std::size_t diverged = engine->epoch(epoch_images, order, labels, after_step);
    engine->store(net);
    if (diverged != 0) {
      throw TrainingError(
          fmt::format("{}: training diverged at epoch {}, step {}: the loss or its "
                      "gradient is not finite (NaN or infinity); lower the learning rate (now {})",
                      config.name, epoch, diverged, config.learning_rate),
          kLearningRateSetting);
    }
    if (!all_finite(net.params)) {
      throw TrainingError(
          fmt::format("{}: training diverged in epoch {}: the weights are not finite; "
                      "lower the learning rate (now {})",
                      config.name, epoch, config.learning_rate),
          kLearningRateSetting);
    }
    history.push_back({epoch, loss_sum / static_cast<double>(seen),
                       static_cast<double>(correct) / static_cast<double>(seen),
                       seconds_since(epoch_start)});
    if (after_epoch) after_epoch(net, history.back());
  }
  return history;
}

std::optional<std::size_t> epochs_to_fit(const std::vector<EpochRecord>& history,
                                         double threshold) {
  for (const EpochRecord& e : history) {
    if (e.train_accuracy >= threshold) return e.epoch;
  }
  return std::nullopt;
}

}  // namespace savant

namespace savant {

std::vector<std::string> training_warnings(std::string_view name,
                                           const std::vector<EpochRecord>& history,
                                           std::size_t classes) {
  std::vector<std::string> warnings;
  if (history.empty() || classes < 2) return warnings;
  const EpochRecord& last = history.back();
  const double guessing = std::log(static_cast<double>(classes));
  const double chance = 1.0 / static_cast<double>(classes);
  const char* advice = "check the learning rate (the article's is 0.001) and the data";
  if (!std::isfinite(last.loss)) {
    warnings.push_back(
        fmt::format("{} did not learn: its training loss is not finite after "
                    "epoch {}; {}",
                    name, last.epoch, advice));
    return warnings;
  }
  if (last.loss > guessing || (history.size() > 1 && last.loss > history.front().loss)) {
    warnings.push_back(fmt::format(
        "{} did not learn: its training loss ended at {:.4g}, above {} ({:.4g}); {}", name,
        last.loss,
        last.loss > guessing ? "that of guessing every class alike" : "its first epoch's",
        last.loss > guessing ? guessing : history.front().loss, advice));
  }
  if (last.train_accuracy < 1.5 * chance) {
    warnings.push_back(
        fmt::format("{} did not learn: its training accuracy is {:.1f}% after {} "
                    "epoch(s), near chance ({:.1f}%); {}",
                    name, 100.0 * last.train_accuracy, last.epoch, 100.0 * chance, advice));
  }
  return warnings;
}

}  // namespace savant
