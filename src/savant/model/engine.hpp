#pragma once
// A training engine: the thing that runs training steps for one model. Every engine computes
// the step of model/reference_step.hpp (forward, backward, Adam), each in its own order of
// operations, and tests/model/test_engines.cpp compares each with it step by step.
//
// Engines (docs/PERFORMANCE.md):
//   fused-avx512      one hidden layer, AVX-512: model/fused_engine.cpp
//   general-avx512    any depth, the AVX-512 dense kernels: model/general_engine.cpp
//   general-portable  any depth, the portable loops: the same file
// make_engine (model/engine_choice.hpp) picks the fused engine where it applies and the general
// one elsewhere; the instruction set is chosen at run time (kernels/isa.hpp): the best the CPU
// has, unless the environment variable SAVANT_ENGINE or select_engine says otherwise.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "savant/data/image_set.hpp"
#include "savant/model/network.hpp"

namespace savant {

// Called on the calling thread after each step with its 0-based index, rows and result.
using StepFn = std::function<void(std::size_t step, std::size_t rows, const StepResult&)>;

class Engine {
 public:
  virtual ~Engine() = default;
  // One epoch: the images `order` of `images` in batches (the last may be smaller). Returns 0,
  // or the 1-based step at which the loss or a gradient stopped being finite, where the epoch
  // stops. Exceptions of `after_step` stop the epoch and are rethrown.
  virtual std::size_t epoch(const ImageSet& images, std::span<const std::uint32_t> order,
                            std::span<const std::uint8_t> labels, const StepFn& after_step) = 0;
  // Writes the current parameters into `net` (the layout the engine was made with).
  virtual void store(Network& net) const = 0;
};

}  // namespace savant
