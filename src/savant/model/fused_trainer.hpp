#pragma once
// The training engine for a network with one hidden layer (the article's 784-128-10), fused
// so that a step passes over the first layer's parameters once (issue 3).
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
// arithmetic of each hidden unit is that of dense_kernels' fast kernels and adam_update_fast;
// only the logits add their terms in groups, so the result agrees with the plain
// forward_backward + Adam::step loop to rounding (tests/model/test_fused_trainer.cpp).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "savant/data/image_set.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/model/network.hpp"

namespace savant {

// Called on the calling thread after each step with its 0-based index, rows and result.
using StepFn = std::function<void(std::size_t step, std::size_t rows, const StepResult&)>;

class FusedTrainer {
 public:
  // True for a network with exactly one hidden layer in a build for AVX-512.
  static bool supports(const ParameterLayout& layout);
  // Copies the parameters of `net`; Adam's moments start at zero. `threads` is clamped to
  // [1, the number of groups of 16 hidden units] and does not change the results.
  FusedTrainer(const Network& net, std::size_t batch, std::size_t threads, AdamConfig adam);
  ~FusedTrainer();
  FusedTrainer(const FusedTrainer&) = delete;
  FusedTrainer& operator=(const FusedTrainer&) = delete;

  // One epoch: the images `order` of `images` in batches of `batch` rows (the last may be
  // smaller). Returns 0, or the 1-based step at which the loss or a gradient stopped being
  // finite, where the epoch stops. Exceptions of `after_step` stop the epoch and are rethrown.
  std::size_t epoch(const ImageSet& images, std::span<const std::uint32_t> order,
                    std::span<const std::uint8_t> labels, const StepFn& after_step);

  // Writes the current parameters into `net` (the layout it was made with).
  void store(Network& net) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace savant
