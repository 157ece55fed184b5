#include "savant/model/reference_step.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/softmax.hpp"

namespace savant {

ReferenceState::ReferenceState(const Network& initial, std::size_t batch, AdamConfig config)
    : net(initial),
      grad(initial.params.size()),
      m(initial.params.size()),
      v(initial.params.size()),
      ws(initial.layout, batch),
      input(batch * initial.layout.in(0)),
      adam(config) {}

StepResult reference_step(ReferenceState& s, const ImageSet& images,
                          std::span<const std::uint32_t> indices,
                          std::span<const std::uint8_t> labels, bool& finite) {
  const ParameterLayout& layout = s.net.layout;
  const std::size_t B = indices.size(), L = layout.layers(), C = layout.in(0);
  // x (B, C): the images' bytes / 255; y (B): their labels.
  std::vector<std::uint8_t> y(B);
  for (std::size_t r = 0; r < B; ++r) {
    scale_pixels_reference(s.input.data() + r * C,
                           images.pixels.data() + std::size_t{indices[r]} * C, C);
    y[r] = labels[indices[r]];
  }
  // Forward: act[l] (B, out(l)) = act[l-1] (B, in(l)) @ kernel[l] (in(l), out(l)) + bias[l],
  // then ReLU for every layer but the last, whose outputs are the logits (B, K).
  for (std::size_t l = 0; l < L; ++l) {
    const float* in = l == 0 ? s.input.data() : s.ws.activations[l - 1].data();
    dense_forward_reference(s.ws.activations[l].data(), in, s.net.kernel(l).data(),
                            s.net.bias(l).data(), B, layout.in(l), layout.out(l), l + 1 < L);
  }
  // Loss: deltas[L-1] (B, K) = (softmax(logits) - onehot(y)) / B, the gradient of the mean
  // cross-entropy with respect to the logits.
  const StepResult result =
      softmax_cross_entropy(s.ws.deltas[L - 1].data(), s.ws.activations[L - 1].data(), y.data(), B,
                            layout.out(L - 1), 1.0f / static_cast<float>(B));
  // Backward, top layer first: dkernel[l] (in, out) = act[l-1]^T @ deltas[l],
  // dbias[l] (out) = column sums of deltas[l], and deltas[l-1] (B, in) = deltas[l] @ kernel^T
  // through the ReLU of layer l-1 (the inputs of layer 0 need no gradient).
  for (std::size_t l = L; l-- > 0;) {
    const float* in = l == 0 ? s.input.data() : s.ws.activations[l - 1].data();
    dense_dkernel_reference(s.grad.data() + layout.kernel_offset(l), in, s.ws.deltas[l].data(), B,
                            layout.in(l), layout.out(l));
    dense_dbias(s.grad.data() + layout.bias_offset(l), s.ws.deltas[l].data(), B, layout.out(l));
    if (l > 0) {
      dense_dinput_reference(s.ws.deltas[l - 1].data(), s.ws.deltas[l].data(),
                             s.net.kernel(l).data(), in, B, layout.in(l), layout.out(l));
    }
  }
  // Adam (P): every parameter with its moments, step t = steps + 1.
  const float alpha = adam_alpha(s.adam, ++s.steps);
  finite = adam_update_reference(s.net.params.data(), s.m.data(), s.v.data(), s.grad.data(),
                                 s.net.params.size(), alpha, s.adam);
  return result;
}

}  // namespace savant
