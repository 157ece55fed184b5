#include "savant/train.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "savant/adam.hpp"
#include "savant/dense_kernels.hpp"
#include "savant/error.hpp"
#include "savant/random.hpp"

namespace savant {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool all_finite(std::span<const float> values) {
  float sum = 0.0f;
  for (float v : values) sum += v * 0.0f;  // NaN or inf poisons the sum
  return sum == 0.0f;
}

}  // namespace

#if defined(__SSE__)
// MXCSR bits: flush results to zero (FTZ, 0x8000) and read inputs as zero (DAZ, 0x0040).
FlushDenormals::FlushDenormals() : saved_(_mm_getcsr()) {
  _mm_setcsr(saved_ | 0x8040u);
}
FlushDenormals::~FlushDenormals() {
  _mm_setcsr(saved_);
}
#else
FlushDenormals::FlushDenormals() = default;
FlushDenormals::~FlushDenormals() = default;
#endif

std::vector<std::uint32_t> epoch_order(std::uint64_t seed, std::size_t epoch, std::size_t count) {
  std::vector<std::uint32_t> order(count);
  CounterRng rng(seed, Stream::kEpochOrder, epoch);
  rng.permutation(std::span<std::uint32_t>(order));
  return order;
}

void gather_batch(const ImageSet& images, std::span<const std::uint32_t> indices, float* out) {
  const std::size_t n = images.pixels_per_image();
  for (std::size_t r = 0; r < indices.size(); ++r) {
    scale_pixels_fast(out + r * n, images.pixels.data() + std::size_t{indices[r]} * n, n);
  }
}

void prefetch_images(const ImageSet& images, std::span<const std::uint32_t> indices) {
  const std::size_t n = images.pixels_per_image();
  for (std::uint32_t k : indices) {
    const std::uint8_t* p = images.pixels.data() + std::size_t{k} * n;
    for (std::size_t i = 0; i < n; i += 64) __builtin_prefetch(p + i);
    __builtin_prefetch(p + n - 1);
  }
}

std::vector<EpochRecord> train_network(Network& net, const ImageSet& images,
                                       std::span<const std::uint8_t> labels,
                                       const TrainConfig& config, const ProgressFn& progress) {
  if (config.batch == 0) throw UsageError("batch size must be at least 1");
  if (images.count == 0) throw Error(fmt::format("{}: no training images", config.name));
  if (net.layout.in(0) != images.pixels_per_image()) {
    throw Error(fmt::format("{}: the network takes {} inputs but the images have {} pixels",
                            config.name, net.layout.in(0), images.pixels_per_image()));
  }
  const FlushDenormals flush;
  const std::size_t batch = std::min(config.batch, images.count);
  const std::size_t steps = (images.count + batch - 1) / batch;
  const std::size_t report_every = std::max<std::size_t>(1, steps / 100);

  Workspace ws(net.layout, batch);
  Adam adam(net.params.size(), AdamConfig{.learning_rate = config.learning_rate});
  std::vector<float> grad(net.params.size());
  std::vector<float> inputs(batch * images.pixels_per_image());
  std::vector<std::uint8_t> batch_labels(batch);
  std::vector<EpochRecord> history;

  const auto start = Clock::now();
  for (std::size_t epoch = 1; epoch <= config.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    const std::vector<std::uint32_t> order = epoch_order(config.seed, epoch, images.count);
    double loss_sum = 0;
    std::size_t correct = 0, seen = 0;
    for (std::size_t step = 0; step < steps; ++step) {
      const std::size_t begin = step * batch;
      const std::size_t rows = std::min(batch, images.count - begin);
      std::span<const std::uint32_t> indices(order.data() + begin, rows);
      gather_batch(images, indices, inputs.data());
      for (std::size_t r = 0; r < rows; ++r) batch_labels[r] = labels[indices[r]];
      // The next batch's images are scattered over 47 MB: ask for them while this one computes.
      if (step + 1 < steps) {
        const std::size_t next = std::min(batch, images.count - begin - rows);
        prefetch_images(images, std::span(order.data() + begin + rows, next));
      }

      StepResult result = forward_backward(net, inputs.data(), batch_labels.data(), rows, ws, grad);
      // Adam reports a non-finite gradient from the pass it makes anyway.
      const bool finite_grad = adam.step(net.params, grad);
      if (!std::isfinite(result.loss_sum) || !finite_grad) {
        throw Error(
            fmt::format("{}: training diverged at epoch {}, step {}: the loss or its "
                        "gradient is not finite (NaN or infinity); lower --lr (now {})",
                        config.name, epoch, step + 1, config.learning_rate));
      }
      loss_sum += result.loss_sum;
      correct += result.correct;
      seen += rows;
      if (progress && ((step + 1) % report_every == 0 || step + 1 == steps)) {
        progress({&config.name, epoch, config.epochs, step + 1, steps,
                  loss_sum / static_cast<double>(seen),
                  static_cast<double>(correct) / static_cast<double>(seen), seconds_since(start)});
      }
    }
    if (!all_finite(net.params)) {
      throw Error(
          fmt::format("{}: training diverged in epoch {}: the weights are not finite; "
                      "lower --lr (now {})",
                      config.name, epoch, config.learning_rate));
    }
    history.push_back({epoch, loss_sum / static_cast<double>(seen),
                       static_cast<double>(correct) / static_cast<double>(seen),
                       seconds_since(epoch_start)});
  }
  return history;
}

}  // namespace savant
