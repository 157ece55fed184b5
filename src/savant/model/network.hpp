#pragma once
// A dense network: input -> hidden (ReLU) ... -> logits. All parameters live in one flat
// float32 buffer; each layer's kernel [in, out] (row-major, Keras' layout) and bias [out] are
// views into it. Gradients and Adam's moments use the same layout.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "savant/kernels/softmax.hpp"

namespace savant {

class ParameterLayout {
 public:
  ParameterLayout() = default;
  // sizes = {input, hidden_1, ..., hidden_n, classes}; at least two entries, none zero.
  explicit ParameterLayout(std::vector<std::size_t> sizes);

  const std::vector<std::size_t>& sizes() const { return sizes_; }
  std::size_t layers() const { return sizes_.empty() ? 0 : sizes_.size() - 1; }
  std::size_t in(std::size_t layer) const { return sizes_[layer]; }
  std::size_t out(std::size_t layer) const { return sizes_[layer + 1]; }
  std::size_t kernel_offset(std::size_t layer) const { return offsets_[layer]; }
  std::size_t bias_offset(std::size_t layer) const {
    return offsets_[layer] + in(layer)*out(layer);
  }
  std::size_t total() const { return offsets_.empty() ? 0 : offsets_.back(); }

  bool operator==(const ParameterLayout&) const = default;

 private:
  std::vector<std::size_t> sizes_;
  std::vector<std::size_t> offsets_;  // kernel offset of each layer, then the total
};

struct Network {
  ParameterLayout layout;
  std::vector<float> params;

  Network() = default;
  explicit Network(ParameterLayout shape)
      : layout(std::move(shape)), params(layout.total(), 0.0f) {}

  std::span<float> kernel(std::size_t l) {
    return {params.data() + layout.kernel_offset(l), layout.in(l)*layout.out(l)};
  }
  std::span<const float> kernel(std::size_t l) const {
    return {params.data() + layout.kernel_offset(l), layout.in(l)*layout.out(l)};
  }
  std::span<float> bias(std::size_t l) {
    return {params.data() + layout.bias_offset(l), layout.out(l)};
  }
  std::span<const float> bias(std::size_t l) const {
    return {params.data() + layout.bias_offset(l), layout.out(l)};
  }
};

// {input, hidden x layers, classes}
ParameterLayout dense_layout(std::size_t input, std::size_t hidden, std::size_t hidden_layers,
                             std::size_t classes);

// Glorot-uniform kernels, U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), zero biases; drawn
// from the seed's kInit stream, one counter per layer.
void glorot_uniform_init(Network& net, std::uint64_t seed);

// Buffers for one batch of up to `batch` rows; allocated once, reused by every step.
struct Workspace {
  Workspace(const ParameterLayout& layout, std::size_t batch);
  std::size_t batch;
  std::vector<std::vector<float>> activations;  // activations[l]: output of layer l, (batch, out)
  std::vector<std::vector<float>> deltas;       // gradient of the loss w.r.t. layer l's output
};

// Forward pass: returns the logits (rows, classes), a view into the workspace.
std::span<const float> forward(const Network& net, const float* inputs, std::size_t rows,
                               Workspace& ws);

// Forward and backward over one batch; `grad` (layout.total()) receives the gradient of the
// mean cross-entropy over the rows.
StepResult forward_backward(const Network& net, const float* inputs, const std::uint8_t* labels,
                            std::size_t rows, Workspace& ws, std::span<float> grad);

}  // namespace savant
