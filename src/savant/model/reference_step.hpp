#pragma once
// One training step, written as the specification every engine must match (model/engine.hpp):
// the plain loops of kernels/*_reference, on one thread, in the order the article's Keras
// model computes them. It is slow; tests compare the engines with it step by step.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "savant/data/image_set.hpp"
#include "savant/kernels/adam_config.hpp"
#include "savant/model/network.hpp"

namespace savant {

// Everything a step reads and writes besides its batch. P = layout.total().
struct ReferenceState {
  ReferenceState(const Network& initial, std::size_t batch, AdamConfig config);
  Network net;               // the parameters (P): kernel (in, out) and bias (out) per layer
  std::vector<float> grad;   // (P) the gradient of the batch's mean loss, same layout
  std::vector<float> m, v;   // (P) Adam's moments, same layout
  Workspace ws;              // per layer l: activations and deltas (batch, out(l))
  std::vector<float> input;  // (batch, C) the batch's pixels scaled to [0, 1]
  AdamConfig adam;
  std::int64_t steps = 0;  // steps taken: Adam's t before this step
};

// Trains s.net on the images `indices` of `images` (at most the batch's rows). Returns the
// batch's summed loss and correct rows; `finite` is false when a gradient was not finite.
StepResult reference_step(ReferenceState& s, const ImageSet& images,
                          std::span<const std::uint32_t> indices,
                          std::span<const std::uint8_t> labels, bool& finite);

}  // namespace savant
