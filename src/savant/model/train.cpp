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
#include "savant/core/thread_team.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/gather.hpp"
#include "savant/model/fused_trainer.hpp"

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

std::vector<std::uint32_t> epoch_order(std::uint64_t seed, std::size_t epoch, std::size_t count) {
  std::vector<std::uint32_t> order(count);
  CounterRng rng(seed, Stream::kEpochOrder, epoch);
  rng.permutation(std::span<std::uint32_t>(order));
  return order;
}

namespace {

// Where part t of `parts` begins when n units are split into contiguous ranges.
std::size_t split_point(std::size_t n, std::size_t parts, std::size_t t) {
  return n * t / parts;
}

// Rows of the first layer's kernel gradient computed, then used by Adam, at a time.
constexpr std::size_t kGradBlockRows = 16;

// One step of training: forward_backward then Adam, with the first layer (nearly all of the
// work: 784 x 128 of 101,770 parameters) split over the team. Each member gathers and scales
// the images of its own batch rows into `inputs` and runs the forward pass on them; later it
// computes the kernel gradient of its own kernel rows, a block at a time, each block updated
// by Adam at once while in L1 (so the first layer's part of `grad` is not written). No sum is
// ever split: the parameters come out bitwise as forward_backward and Adam::step make them,
// whatever the team's size. Sets finite[t] to 0 when member t saw a non-finite gradient.
StepResult train_step(Network& net, const ImageSet& images, std::span<const std::uint32_t> indices,
                      float* inputs, const std::uint8_t* labels, Workspace& ws,
                      std::span<float> grad, std::vector<float>& blocks, Adam& adam,
                      ThreadTeam& team, std::vector<char>& finite) {
  const ParameterLayout& layout = net.layout;
  const std::size_t rows = indices.size(), last = layout.layers() - 1, parts = team.size();
  const std::size_t C = layout.in(0), OC = layout.out(0);
  team.run([&](std::size_t t) {
    const std::size_t b0 = split_point(rows, parts, t), b1 = split_point(rows, parts, t + 1);
    gather_batch(images, indices.subspan(b0, b1 - b0), inputs + b0 * C);
    dense_forward_fast(ws.activations[0].data() + b0 * OC, inputs + b0 * C, net.kernel(0).data(),
                       net.bias(0).data(), b1 - b0, C, OC, last > 0);
  });
  // The layers above are small: this thread alone.
  for (std::size_t l = 1; l <= last; ++l) {
    dense_forward_fast(ws.activations[l].data(), ws.activations[l - 1].data(), net.kernel(l).data(),
                       net.bias(l).data(), rows, layout.in(l), layout.out(l), l < last);
  }
  const StepResult result =
      softmax_cross_entropy(ws.deltas[last].data(), ws.activations[last].data(), labels, rows,
                            layout.out(last), 1.0f / static_cast<float>(rows));
  for (std::size_t l = last; l >= 1; --l) {
    dense_dkernel_fast(grad.data() + layout.kernel_offset(l), ws.activations[l - 1].data(),
                       ws.deltas[l].data(), rows, layout.in(l), layout.out(l));
    dense_dbias(grad.data() + layout.bias_offset(l), ws.deltas[l].data(), rows, layout.out(l));
    dense_dinput_fast(ws.deltas[l - 1].data(), ws.deltas[l].data(), net.kernel(l).data(),
                      ws.activations[l - 1].data(), rows, layout.in(l), layout.out(l));
  }
  dense_dbias(grad.data() + layout.bias_offset(0), ws.deltas[0].data(), rows, OC);
  const float alpha = adam.advance();
  team.run([&](std::size_t t) {
    const std::size_t k0 = split_point(C, parts, t), k1 = split_point(C, parts, t + 1);
    bool ok = true;
    // 16 rows at a time (8 KiB of gradient for 128 hidden units) into a block that stays in
    // L1, where Adam reads it: this gradient never goes to memory.
    float* block = blocks.data() + t * kGradBlockRows * OC;
    for (std::size_t k = k0; k < k1; k += kGradBlockRows) {
      const std::size_t k_end = std::min(k1, k + kGradBlockRows);
      dense_dkernel_fast_rows(block, inputs, ws.deltas[0].data(), rows, C, OC, k, k_end);
      ok = adam.update_block(net.params, block, k * OC, k_end * OC, alpha) && ok;
    }
    if (t == 0) ok = adam.update(net.params, grad, C * OC, net.params.size(), alpha) && ok;
    finite[t] = ok ? 1 : 0;
  });
  return result;
}

// Networks of any depth: forward_backward's kernels with the first layer split over a team
// (train_step). The one-hidden-layer networks go to FusedTrainer instead.
class GeneralEngine {
 public:
  GeneralEngine(Network& net, std::size_t batch, std::size_t pixels, std::size_t threads,
                AdamConfig adam_config)
      : net_(net),
        ws_(net.layout, batch),
        adam_(net.params.size(), adam_config),
        grad_(net.params.size()),
        inputs_(batch * pixels),
        labels_(batch),
        batch_(batch),
        team_(threads, [] { enable_flush_denormals(); }),
        finite_(team_.size(), 1),
        blocks_(team_.size() * kGradBlockRows * net.layout.out(0)) {}

  std::size_t epoch(const ImageSet& images, std::span<const std::uint32_t> order,
                    std::span<const std::uint8_t> labels, const StepFn& after_step) {
    const std::size_t n = order.size(), steps = (n + batch_ - 1) / batch_;
    for (std::size_t step = 0; step < steps; ++step) {
      const std::size_t begin = step * batch_;
      const std::size_t rows = std::min(batch_, n - begin);
      std::span<const std::uint32_t> indices(order.data() + begin, rows);
      for (std::size_t r = 0; r < rows; ++r) labels_[r] = labels[indices[r]];
      // The next batch's images are scattered over 47 MB: ask for them while this one computes.
      if (step + 1 < steps) {
        const std::size_t next = std::min(batch_, n - begin - rows);
        prefetch_images(images, std::span(order.data() + begin + rows, next));
      }
      // Adam reports a non-finite gradient from the pass it makes anyway.
      const StepResult result = train_step(net_, images, indices, inputs_.data(), labels_.data(),
                                           ws_, grad_, blocks_, adam_, team_, finite_);
      const bool finite_grad = std::find(finite_.begin(), finite_.end(), 0) == finite_.end();
      if (!std::isfinite(result.loss_sum) || !finite_grad) return step + 1;
      if (after_step) after_step(step, rows, result);
    }
    return 0;
  }

 private:
  Network& net_;
  Workspace ws_;
  Adam adam_;
  std::vector<float> grad_, inputs_;
  std::vector<std::uint8_t> labels_;
  std::size_t batch_;
  ThreadTeam team_;
  std::vector<char> finite_;
  std::vector<float> blocks_;
};

}  // namespace

std::vector<EpochRecord> train_network(Network& net, const ImageSet& images,
                                       std::span<const std::uint8_t> labels,
                                       const TrainConfig& config, const ProgressFn& progress,
                                       const EpochImagesFn& images_for_epoch) {
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

  // Beyond a few threads the serial part of a step dominates, and more threads than cores
  // would spin against each other. The result does not depend on it.
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads =
      std::clamp<std::size_t>(static_cast<std::size_t>(std::max(config.threads, 1)), 1,
                              std::min<std::size_t>({batch, 16, cores}));
  const AdamConfig adam{.learning_rate = config.learning_rate};
  std::unique_ptr<FusedTrainer> fused;
  std::unique_ptr<GeneralEngine> general;
  if (FusedTrainer::supports(net.layout)) {
    fused = std::make_unique<FusedTrainer>(net, batch, threads, adam);
  } else {
    general = std::make_unique<GeneralEngine>(net, batch, images.pixels_per_image(), threads, adam);
  }

  std::vector<EpochRecord> history;
  const auto start = Clock::now();
  for (std::size_t epoch = 1; epoch <= config.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    const std::vector<std::uint32_t> order = epoch_order(config.seed, epoch, images.count);
    // Sweep regime `fresh` (issue 6): this epoch's own images.
    const ImageSet& epoch_images = images_for_epoch ? images_for_epoch(epoch) : images;
    double loss_sum = 0;
    std::size_t correct = 0, seen = 0;
    const StepFn after_step = [&](std::size_t step, std::size_t rows, const StepResult& result) {
      loss_sum += result.loss_sum;
      correct += result.correct;
      seen += rows;
      if (progress && ((step + 1) % report_every == 0 || step + 1 == steps)) {
        progress({&config.name, epoch, config.epochs, step + 1, steps,
                  loss_sum / static_cast<double>(seen),
                  static_cast<double>(correct) / static_cast<double>(seen), seconds_since(start)});
      }
    };
    std::size_t diverged = 0;
    if (fused) {
      diverged = fused->epoch(epoch_images, order, labels, after_step);
      fused->store(net);
    } else {
      diverged = general->epoch(epoch_images, order, labels, after_step);
    }
    if (diverged != 0) {
      throw Error(
          fmt::format("{}: training diverged at epoch {}, step {}: the loss or its "
                      "gradient is not finite (NaN or infinity); lower --lr (now {})",
                      config.name, epoch, diverged, config.learning_rate));
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
