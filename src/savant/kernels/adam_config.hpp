#pragma once
// Adam's hyperparameters, Keras' defaults (kernels/adam.hpp has the update rule).

namespace savant {

struct AdamConfig {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-7f;
};

}  // namespace savant
