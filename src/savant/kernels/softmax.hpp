#pragma once
// The loss of a batch: softmax and cross-entropy over the logits, with the gradient.

#include <cstddef>
#include <cstdint>

namespace savant {

struct StepResult {
  double loss_sum = 0;  // sum of the rows' cross-entropy losses
  std::size_t correct = 0;
};

// logits (B, K), labels (B). Writes dlogits (B, K) = (softmax - onehot) * scale; returns the
// summed loss and the number of rows whose largest logit is the label.
StepResult softmax_cross_entropy(float* dlogits, const float* logits, const std::uint8_t* labels,
                                 std::size_t B, std::size_t K, float scale);
// The same, a row of up to 16 classes at a time with glibc's vector expf (libmvec) where the
// target has AVX-512; equal to the reference to a few ulp (the sum is added as a tree). The
// fused training engine uses it.
StepResult softmax_cross_entropy_fast(float* dlogits, const float* logits,
                                      const std::uint8_t* labels, std::size_t B, std::size_t K,
                                      float scale);

}  // namespace savant
