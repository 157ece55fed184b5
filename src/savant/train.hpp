#pragma once
// Mini-batch training with Adam, as Keras' model.fit does it: the order of the training images
// is reshuffled every epoch (from the seed), batches of `batch` rows, the last one partial.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "savant/idx.hpp"
#include "savant/network.hpp"

namespace savant {

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
  double seconds = 0;
};

struct TrainProgress {
  const std::string* name;
  std::size_t epoch, epochs;  // epoch is 1-based
  std::size_t step, steps;    // steps done in this epoch, of steps
  double loss, accuracy;      // running means over this epoch so far
  double elapsed_seconds;     // since training started
};
using ProgressFn = std::function<void(const TrainProgress&)>;

// The training order of one epoch: a permutation of 0..count-1 drawn from (seed, epoch).
std::vector<std::uint32_t> epoch_order(std::uint64_t seed, std::size_t epoch, std::size_t count);

// Scales the images `indices` of `images` to [0, 1] into `out` (indices.size(), pixels).
void gather_batch(const ImageSet& images, std::span<const std::uint32_t> indices, float* out);

// Sweep regime `fresh` (issue 6): when `images_for_epoch` is set, epoch e (1-based) trains on
// images_for_epoch(e) instead of `images` (same count, size and labels), so that every epoch
// can see new puzzles.
using EpochImagesFn = std::function<const ImageSet&(std::size_t epoch)>;

// Asks the memory system for the images `indices` ahead of their use (a hint, no effect on
// results).
void prefetch_images(const ImageSet& images, std::span<const std::uint32_t> indices);

// While alive, the calling thread flushes subnormal floats to zero (x86's FTZ and DAZ), as
// TensorFlow does when Keras trains. Adam's moments of rarely-seen pixels decay towards zero
// and, without this, every operation on a subnormal takes a slow microcode path: the training
// step gets several times slower. No effect on targets without these modes.
class FlushDenormals {
 public:
  FlushDenormals();
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned int saved_ = 0;
};

// The same, for the rest of the calling thread's life (for worker threads).
void enable_flush_denormals();

// Trains `net` in place, with subnormals flushed to zero (FlushDenormals), on config.threads
// threads; bitwise the same result for any count. Throws savant::Error naming the model, epoch
// and step when the loss or the weights stop being finite (a learning rate that is far too
// large, say). `images_for_epoch`, when set, gives the images of each epoch (regime `fresh`).
std::vector<EpochRecord> train_network(Network& net, const ImageSet& images,
                                       std::span<const std::uint8_t> labels,
                                       const TrainConfig& config, const ProgressFn& progress = {},
                                       const EpochImagesFn& images_for_epoch = {});

}  // namespace savant
