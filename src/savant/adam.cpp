#include "savant/adam.hpp"

#include <cmath>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <fmt/format.h>

#include "savant/error.hpp"

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

#if defined(__AVX512F__)

bool adam_update_fast(float* w, float* m, float* v, const float* g, std::size_t n, float alpha,
                      const AdamConfig& config) {
  const __m512 b1 = _mm512_set1_ps(config.beta1), b2 = _mm512_set1_ps(config.beta2);
  const __m512 c1 = _mm512_set1_ps(1.0f - config.beta1), c2 = _mm512_set1_ps(1.0f - config.beta2);
  const __m512 eps = _mm512_set1_ps(config.epsilon), a = _mm512_set1_ps(alpha);
  const __m512 zero = _mm512_setzero_ps(), half = _mm512_set1_ps(0.5f);
  const __m512 two = _mm512_set1_ps(2.0f), three = _mm512_set1_ps(3.0f);
  __m512 poison = zero;
  for (std::size_t i = 0; i < n; i += 16) {
    const __mmask16 k =
        n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 gi = _mm512_maskz_loadu_ps(k, g + i);
    poison = _mm512_add_ps(poison, _mm512_mul_ps(gi, zero));
    const __m512 mi = _mm512_fmadd_ps(b1, _mm512_maskz_loadu_ps(k, m + i), _mm512_mul_ps(c1, gi));
    const __m512 vi = _mm512_fmadd_ps(b2, _mm512_maskz_loadu_ps(k, v + i),
                                      _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
    // sqrt(v) and the division by (sqrt(v) + eps) through the 14-bit estimates refined by one
    // Newton step each (to about 2^-23 relative): the two exact instructions would be most of
    // the cost of the whole update.
    __m512 r = _mm512_rsqrt14_ps(vi);
    r = _mm512_mul_ps(_mm512_mul_ps(half, r), _mm512_fnmadd_ps(_mm512_mul_ps(vi, r), r, three));
    const __m512 root = _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(vi, zero, _CMP_GT_OQ), vi, r);
    const __m512 den = _mm512_add_ps(root, eps);
    __m512 q = _mm512_rcp14_ps(den);
    q = _mm512_mul_ps(q, _mm512_fnmadd_ps(den, q, two));
    const __m512 step = _mm512_mul_ps(_mm512_mul_ps(a, mi), q);
    _mm512_mask_storeu_ps(m + i, k, mi);
    _mm512_mask_storeu_ps(v + i, k, vi);
    _mm512_mask_storeu_ps(w + i, k, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, w + i), step));
  }
  return _mm512_cmp_ps_mask(poison, zero, _CMP_NEQ_UQ) == 0;
}

#else

bool adam_update_fast(float* w, float* m, float* v, const float* g, std::size_t n, float alpha,
                      const AdamConfig& config) {
  return adam_update_reference(w, m, v, g, n, alpha, config);
}

#endif

Adam::Adam(std::size_t parameters, AdamConfig config)
    : config_(config), m_(parameters, 0.0f), v_(parameters, 0.0f) {}

bool Adam::step(std::span<float> params, std::span<const float> grad) {
  const float alpha = advance();
  return update(params, grad, 0, params.size(), alpha);
}

float Adam::advance() {
  ++t_;
  const double t = static_cast<double>(t_);
  return static_cast<float>(config_.learning_rate *
                            std::sqrt(1.0 - std::pow(static_cast<double>(config_.beta2), t)) /
                            (1.0 - std::pow(static_cast<double>(config_.beta1), t)));
}

bool Adam::update(std::span<float> params, std::span<const float> grad, std::size_t begin,
                  std::size_t end, float alpha) {
  if (params.size() != m_.size() || grad.size() != m_.size() || begin > end || end > m_.size()) {
    throw Error(
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
    throw Error(fmt::format("Adam was set up for {} parameters but got {} (range {} to {})",
                            m_.size(), params.size(), begin, end));
  }
  return adam_update_fast(params.data() + begin, m_.data() + begin, v_.data() + begin, block,
                          end - begin, alpha, config_);
}

}  // namespace savant
