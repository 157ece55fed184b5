#pragma once
// Adam (Kingma & Ba) in the form Keras computes it:
//   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
//   w <- w - alpha m / (sqrt(v) + eps),  alpha = lr sqrt(1 - b2^t) / (1 - b1^t).
// Keras folds the bias corrections into alpha, so epsilon is added to the uncorrected sqrt(v).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace savant {

struct AdamConfig {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-7f;
};

class Adam {
 public:
  Adam(std::size_t parameters, AdamConfig config);
  void step(std::span<float> params, std::span<const float> grad);
  std::int64_t steps() const { return t_; }

 private:
  AdamConfig config_;
  std::vector<float> m_, v_;
  std::int64_t t_ = 0;
};

}  // namespace savant
