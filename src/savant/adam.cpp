#include "savant/adam.hpp"

#include <cmath>

namespace savant {

Adam::Adam(std::size_t parameters, AdamConfig config)
    : config_(config), m_(parameters, 0.0f), v_(parameters, 0.0f) {}

void Adam::step(std::span<float> params, std::span<const float> grad) {
  ++t_;
  const double t = static_cast<double>(t_);
  const float alpha = static_cast<float>(
      config_.learning_rate * std::sqrt(1.0 - std::pow(static_cast<double>(config_.beta2), t)) /
      (1.0 - std::pow(static_cast<double>(config_.beta1), t)));
  const float b1 = config_.beta1, b2 = config_.beta2, eps = config_.epsilon;
  float* __restrict w = params.data();
  float* __restrict m = m_.data();
  float* __restrict v = v_.data();
  const float* __restrict g = grad.data();
  const std::size_t n = params.size();
  for (std::size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1.0f - b1) * g[i];
    v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
  }
}

}  // namespace savant
