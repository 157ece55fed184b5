#pragma once
// Mini-batch training with Adam, as Keras' model.fit does it: the order of the training images
// is reshuffled every epoch (from the seed), batches of `batch` rows, the last one partial.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "savant/core/denormals.hpp"
#include "savant/data/image_set.hpp"
#include "savant/kernels/gather.hpp"
#include "savant/model/network.hpp"

namespace savant {

// The setting of the configuration that sets TrainConfig::learning_rate: its one name, which the
// table of settings (experiment/settings.hpp) and TrainingError both use.
inline constexpr char kLearningRateSetting[] = "learning_rate";

struct TrainConfig {
  std::size_t epochs = 5;
  std::size_t batch = 32;
  float learning_rate = 1e-3f;
  std::uint64_t seed = 0;
  std::string name = "model";  // names the model in progress reports and errors
  // Threads for this one model. The work of a step is split so that every sum is taken in the
  // same order whatever the count: the result is bitwise the same for any value.
  int threads = 1;
};

struct EpochRecord {
  std::size_t epoch = 0;  // 1-based
  double loss = 0;        // mean cross-entropy over the epoch's images
  double train_accuracy = 0;
  double seconds = 0;  // the epoch's training, without the test curves
  // Mean cross-entropy and accuracy on the original and on the shuffled test images after the
  // epoch, as Keras' val_loss and val_accuracy; NaN where they were not measured.
  double original_test_loss = std::numeric_limits<double>::quiet_NaN();
  double original_test_accuracy = std::numeric_limits<double>::quiet_NaN();
  double shuffled_test_loss = std::numeric_limits<double>::quiet_NaN();
  double shuffled_test_accuracy = std::numeric_limits<double>::quiet_NaN();
};

// Called after each epoch with the network as trained so far, to fill in the epoch's test
// curves.
using EpochEndFn = std::function<void(const Network&, EpochRecord&)>;

// The first epoch (1-based) whose training accuracy reaches `threshold`; nothing when none does.
std::optional<std::size_t> epochs_to_fit(const std::vector<EpochRecord>& history, double threshold);

// One report of a model's training, a value: the receiver may keep it (a display redraws the
// last report of each model) after the training that sent it, and the name with it, has ended.
struct TrainProgress {
  std::string name;
  std::size_t epoch, epochs;  // epoch is 1-based
  std::size_t step, steps;    // steps done in this epoch, of steps
  double loss, accuracy;      // running means over this epoch so far
  double elapsed_seconds;     // since training started
};
using ProgressFn = std::function<void(const TrainProgress&)>;

// The training order of one epoch: a permutation of 0..count-1 drawn from (seed, epoch).
std::vector<std::uint32_t> epoch_order(std::uint64_t seed, std::size_t epoch, std::size_t count);

// Sweep regime `fresh`: when `images_for_epoch` is set, epoch e (1-based) trains on
// images_for_epoch(e) instead of `images` (same count, size and labels), so that every epoch
// can see new puzzles.
using EpochImagesFn = std::function<const ImageSet&(std::size_t epoch)>;

// Trains `net` in place, with subnormals flushed to zero (FlushDenormals), on config.threads
// threads; bitwise the same result for any count. Throws savant::Error naming the model, epoch
// and step when the loss or the weights stop being finite (a learning rate that is far too
// large, say). `images_for_epoch`, when set, gives the images of each epoch (regime `fresh`);
// `after_epoch`, when set, is called at the end of each epoch (test curves).
std::vector<EpochRecord> train_network(Network& net, const ImageSet& images,
                                       std::span<const std::uint8_t> labels,
                                       const TrainConfig& config, const ProgressFn& progress = {},
                                       const EpochImagesFn& images_for_epoch = {},
                                       const EpochEndFn& after_epoch = {});

// What says that a model named `name` did not learn, from its history over `classes` classes:
// a last epoch's loss that is not finite, above that of guessing every class alike (ln classes)
// or above the first epoch's, or a training accuracy under 1.5 times chance. Empty when none.
std::vector<std::string> training_warnings(std::string_view name,
                                           const std::vector<EpochRecord>& history,
                                           std::size_t classes);

}  // namespace savant
