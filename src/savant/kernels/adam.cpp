#include "savant/kernels/adam.hpp"

#include <cmath>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/kernels/avx512.hpp"
#include "savant/kernels/isa.hpp"

namespace savant {

bool adam_update_reference(float* w, float* m, float* v, const float* g, std::size_t n, float alpha,
                           const AdamConfig& config) {
  const float b1 = config.beta1, b2 = config.beta2, eps = config.epsilon;
  float poison = 0.0f;  // g * 0 is 0 for finite g, NaN otherwise
  for (std::size_t i = 0; i < n; ++i) {
    poison += g[i] * 0.0f;
    m[i] = b1 * m[i] + (1.0f - b1) * g[i];
    v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
  }
  return poison == 0.0f;
}

bool adam_update_fast(float* w, float* m, float* v, const float* g, std::size_t n, float alpha,
                      const AdamConfig& config) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) return avx512::adam_update(w, m, v, g, n, alpha, config);
#endif
  return adam_update_reference(w, m, v, g, n, alpha, config);
}

Adam::Adam(std::size_t parameters, AdamConfig config)
    : config_(config), m_(parameters, 0.0f), v_(parameters, 0.0f) {}

bool Adam::step(std::span<float> params, std::span<const float> grad) {
  const float alpha = advance();
  return update(params, grad, 0, params.size(), alpha);
}

float adam_alpha(const AdamConfig& config, std::int64_t t) {
  const double n = static_cast<double>(t);
  return static_cast<float>(config.learning_rate *
                            std::sqrt(1.0 - std::pow(static_cast<double>(config.beta2), n)) /
                            (1.0 - std::pow(static_cast<double>(config.beta1), n)));
}

float Adam::advance() {
  return adam_alpha(config_, ++t_);
}

bool Adam::update(std::span<float> params, std::span<const float> grad, std::size_t begin,
                  std::size_t end, float alpha) {
  if (params.size() != m_.size() || grad.size() != m_.size() || begin > end || end > m_.size()) {
    throw InputError(
        fmt::format("Adam was set up for {} parameters but got {} and {} gradients "
                    "(range {} to {})",
                    m_.size(), params.size(), grad.size(), begin, end));
  }
  return adam_update_fast(params.data() + begin, m_.data() + begin, v_.data() + begin,
                          grad.data() + begin, end - begin, alpha, config_);
}

bool Adam::update_block(std::span<float> params, const float* block, std::size_t begin,
                        std::size_t end, float alpha) {
  if (params.size() != m_.size() || begin > end || end > m_.size()) {
    throw InputError(fmt::format("Adam was set up for {} parameters but got {} (range {} to {})",
                                 m_.size(), params.size(), begin, end));
  }
  return adam_update_fast(params.data() + begin, m_.data() + begin, v_.data() + begin, block,
                          end - begin, alpha, config_);
}

}  // namespace savant
