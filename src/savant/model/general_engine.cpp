#include "savant/model/general_engine.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "savant/core/denormals.hpp"
#include "savant/core/error.hpp"
#include "savant/core/thread_team.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/gather.hpp"

namespace savant {
namespace {

// Where part t of `parts` begins when n units are split into contiguous ranges.
std::size_t split_point(std::size_t n, std::size_t parts, std::size_t t) {
  return n * t / parts;
}

// Rows of the first layer's kernel gradient computed, then used by Adam, at a time.
constexpr std::size_t kGradBlockRows = 16;

// One step of the general engine: the reference step's arithmetic (model/reference_step.hpp)
// through the fast kernels, with the first layer (nearly all of the
// work: 784 x 128 of 101,770 parameters) split over the team. Each member gathers and scales
// the images of its own batch rows into `inputs` and runs the forward pass on them; later it
// computes the kernel gradient of its own kernel rows, a block at a time, each block updated
// by Adam at once while in L1 (so the first layer's part of `grad` is not written). No sum is
// ever split: the parameters come out bitwise as forward_backward and Adam::step make them,
// whatever the team's size. Sets finite[t] to 0 when member t saw a non-finite gradient.
StepResult general_step(Network& net, const ImageSet& images,
                        std::span<const std::uint32_t> indices, float* inputs,
                        const std::uint8_t* labels, Workspace& ws, std::span<float> grad,
                        std::vector<float>& blocks, Adam& adam, ThreadTeam& team,
                        std::vector<char>& finite) {
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

}  // namespace

class GeneralEngine::Impl {
 public:
  Impl(const Network& net, std::size_t batch, std::size_t pixels, std::size_t threads,
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
    if (images.pixels_per_image() != net_.layout.in(0)) {
      throw InputError(fmt::format("the network takes {} inputs but the images have {} pixels",
                                   net_.layout.in(0), images.pixels_per_image()));
    }
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
      const StepResult result = general_step(net_, images, indices, inputs_.data(), labels_.data(),
                                             ws_, grad_, blocks_, adam_, team_, finite_);
      const bool finite_grad = std::find(finite_.begin(), finite_.end(), 0) == finite_.end();
      if (!std::isfinite(result.loss_sum) || !finite_grad) return step + 1;
      if (after_step) after_step(step, rows, result);
    }
    return 0;
  }

  const Network& network() const { return net_; }

 private:
  Network net_;
  Workspace ws_;
  Adam adam_;
  std::vector<float> grad_, inputs_;
  std::vector<std::uint8_t> labels_;
  std::size_t batch_;
  ThreadTeam team_;
  std::vector<char> finite_;
  std::vector<float> blocks_;
};

GeneralEngine::GeneralEngine(const Network& net, std::size_t batch, std::size_t threads,
                             AdamConfig adam) {
  if (batch == 0) throw InvalidSetting("batch", "0", "must be at least 1");
  impl_ =
      std::make_unique<Impl>(net, batch, net.layout.in(0), std::max<std::size_t>(threads, 1), adam);
}

GeneralEngine::~GeneralEngine() = default;

std::size_t GeneralEngine::epoch(const ImageSet& images, std::span<const std::uint32_t> order,
                                 std::span<const std::uint8_t> labels, const StepFn& after_step) {
  return impl_->epoch(images, order, labels, after_step);
}

void GeneralEngine::store(Network& net) const {
  net.params = impl_->network().params;
}

}  // namespace savant
