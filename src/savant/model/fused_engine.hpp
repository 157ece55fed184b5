#pragma once
// The training engine for a network with one hidden layer (the article's 784-128-10), fused
// so that a step passes over the first layer's parameters once.
//
// Each member of a thread team owns a fixed range of hidden units: its columns of the first
// kernel, with their Adam moments, live in its own 64-byte aligned slabs (in its core's L2),
// as do its rows of the second kernel. A step is, for each member:
//   1. wait at the one barrier of the step for every member's partial logits;
//   2. sum them (in the order of the hidden units' groups of 16), softmax and cross-entropy;
//   3. the gradient of its hidden units, its rows of the second kernel and its biases, each
//      updated by Adam at once;
//   4. one pass over its columns of the first kernel, 64 pixels at a time: the gradient of a
//      row is summed in registers and Adam updates the row from there, and while the block
//      is in L1 the next batch's forward pass multiplies it in;
//   5. the next batch's partial logits of its groups, for the next step's barrier.
// Every sum has one fixed order whatever the team's size (the logits add their groups'
// partial sums in group order), so results are bitwise the same for any thread count. The
// arithmetic of each hidden unit is that of the AVX-512 dense kernels and adam_update_fast;
// only the logits add their terms in groups, so the result agrees with the reference step to
// rounding (tests/model/test_engines.cpp). The kernels live in kernels/fused_avx512.hpp and
// kernels/fused_backward_avx512.hpp.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "savant/data/image_set.hpp"
#include "savant/kernels/adam_config.hpp"
#include "savant/model/engine.hpp"
#include "savant/model/network.hpp"

namespace savant {

class FusedEngine final : public Engine {
 public:
  // True for a network with exactly one hidden layer when the active instruction set is
  // AVX-512 (kernels/isa.hpp).
  static bool supports(const ParameterLayout& layout);
  // Copies the parameters of `net`; Adam's moments start at zero. `threads` is clamped to
  // [1, the number of groups of 16 hidden units] and does not change the results. Throws
  // savant::Error where supports() is false.
  FusedEngine(const Network& net, std::size_t batch, std::size_t threads, AdamConfig adam);
  ~FusedEngine() override;
  FusedEngine(const FusedEngine&) = delete;
  FusedEngine& operator=(const FusedEngine&) = delete;

  std::size_t epoch(const ImageSet& images, std::span<const std::uint32_t> order,
                    std::span<const std::uint8_t> labels, const StepFn& after_step) override;
  void store(Network& net) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace savant
