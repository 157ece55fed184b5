#include "savant/model/network.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/softmax.hpp"

namespace savant {

ParameterLayout::ParameterLayout(std::vector<std::size_t> sizes) : sizes_(std::move(sizes)) {
  if (sizes_.size() < 2) throw UsageError("a network needs an input size and a class count");
  std::size_t offset = 0;
  for (std::size_t l = 0; l + 1 < sizes_.size(); ++l) {
    if (sizes_[l] == 0 || sizes_[l + 1] == 0) throw UsageError("layer sizes must be positive");
    offsets_.push_back(offset);
    offset += sizes_[l] * sizes_[l + 1] + sizes_[l + 1];
  }
  offsets_.push_back(offset);
}

ParameterLayout dense_layout(std::size_t input, std::size_t hidden, std::size_t hidden_layers,
                             std::size_t classes) {
  std::vector<std::size_t> sizes = {input};
  for (std::size_t i = 0; i < hidden_layers; ++i) sizes.push_back(hidden);
  sizes.push_back(classes);
  return ParameterLayout(std::move(sizes));
}

void glorot_uniform_init(Network& net, std::uint64_t seed) {
  std::fill(net.params.begin(), net.params.end(), 0.0f);
  for (std::size_t l = 0; l < net.layout.layers(); ++l) {
    const float limit = std::sqrt(6.0f / static_cast<float>(net.layout.in(l) + net.layout.out(l)));
    CounterRng rng(seed, Stream::kInit, l);
    for (float& w : net.kernel(l)) w = (2.0f * rng.uniform_float() - 1.0f) * limit;
  }
}

Workspace::Workspace(const ParameterLayout& layout, std::size_t batch_rows) : batch(batch_rows) {
  for (std::size_t l = 0; l < layout.layers(); ++l) {
    activations.emplace_back(batch * layout.out(l));
    deltas.emplace_back(batch * layout.out(l));
  }
}

std::span<const float> forward(const Network& net, const float* inputs, std::size_t rows,
                               Workspace& ws) {
  const ParameterLayout& layout = net.layout;
  const float* x = inputs;
  for (std::size_t l = 0; l < layout.layers(); ++l) {
    const bool hidden = l + 1 < layout.layers();
    dense_forward_fast(ws.activations[l].data(), x, net.kernel(l).data(), net.bias(l).data(), rows,
                       layout.in(l), layout.out(l), hidden);
    x = ws.activations[l].data();
  }
  return {ws.activations.back().data(), rows * layout.sizes().back()};
}

StepResult forward_backward(const Network& net, const float* inputs, const std::uint8_t* labels,
                            std::size_t rows, Workspace& ws, std::span<float> grad) {
  const ParameterLayout& layout = net.layout;
  const std::size_t last = layout.layers() - 1;
  std::span<const float> logits = forward(net, inputs, rows, ws);
  StepResult result = softmax_cross_entropy(ws.deltas[last].data(), logits.data(), labels, rows,
                                            layout.out(last), 1.0f / static_cast<float>(rows));
  for (std::size_t l = last + 1; l-- > 0;) {
    const std::size_t C = layout.in(l), OC = layout.out(l);
    const float* dout = ws.deltas[l].data();
    const float* layer_input = l == 0 ? inputs : ws.activations[l - 1].data();
    dense_dkernel_fast(grad.data() + layout.kernel_offset(l), layer_input, dout, rows, C, OC);
    dense_dbias(grad.data() + layout.bias_offset(l), dout, rows, OC);
    // The first layer's input is the data: no gradient needed. The others came out of a ReLU.
    if (l > 0) {
      dense_dinput_fast(ws.deltas[l - 1].data(), dout, net.kernel(l).data(), layer_input, rows, C,
                        OC);
    }
  }
  return result;
}

}  // namespace savant
