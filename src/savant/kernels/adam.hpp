#pragma once
// Adam (Kingma & Ba) in the form Keras computes it:
//   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
//   w <- w - alpha m / (sqrt(v) + eps),  alpha = lr sqrt(1 - b2^t) / (1 - b1^t).
// Keras folds the bias corrections into alpha, so epsilon is added to the uncorrected sqrt(v).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "savant/kernels/adam_config.hpp"

namespace savant {

// One update of n parameters w with their moments m, v and gradient g, where
// alpha = lr sqrt(1 - b2^t) / (1 - b1^t). Returns false when a gradient is not finite (NaN or
// infinity); the update is applied either way. The fast version works on 16 lanes at a time
// with fused multiply-adds and refined estimates of the square root and the reciprocal; it
// agrees with the reference to a few units in the last place.
bool adam_update_reference(float* w, float* m, float* v, const float* g, std::size_t n, float alpha,
                           const AdamConfig& config);
bool adam_update_fast(float* w, float* m, float* v, const float* g, std::size_t n, float alpha,
                      const AdamConfig& config);

// alpha of step t (1-based): lr sqrt(1 - b2^t) / (1 - b1^t), computed in double.
float adam_alpha(const AdamConfig& config, std::int64_t t);

class Adam {
 public:
  Adam(std::size_t parameters, AdamConfig config);
  // Returns false when a gradient was not finite, which training treats as divergence.
  bool step(std::span<float> params, std::span<const float> grad);

  // The same step in parts (threads can share it): advance() starts step t + 1 and returns its
  // alpha; update() applies it to the parameters [begin, end). Bitwise as step() does it.
  float advance();
  bool update(std::span<float> params, std::span<const float> grad, std::size_t begin,
              std::size_t end, float alpha);
  // The same with the gradients of [begin, end) alone: block[i - begin].
  bool update_block(std::span<float> params, const float* block, std::size_t begin, std::size_t end,
                    float alpha);
  std::int64_t steps() const { return t_; }

 private:
  AdamConfig config_;
  std::vector<float> m_, v_;
  std::int64_t t_ = 0;
};

}  // namespace savant
