#pragma once
// Adam's update of 16 parameters in AVX-512 registers: the arithmetic of adam_update_fast,
// shared with the fused training engine (fused_trainer.cpp) so that both give the same bits.
// Internal to the library; only included where the target has AVX-512.

#include <immintrin.h>

#include "savant/kernels/adam_config.hpp"

namespace savant::simd {

struct AdamConstants {
  __m512 b1, b2, c1, c2, eps, alpha, zero, half, two;

  AdamConstants(const AdamConfig& config, float step_alpha)
      : b1(_mm512_set1_ps(config.beta1)),
        b2(_mm512_set1_ps(config.beta2)),
        c1(_mm512_set1_ps(1.0f - config.beta1)),
        c2(_mm512_set1_ps(1.0f - config.beta2)),
        eps(_mm512_set1_ps(config.epsilon)),
        alpha(_mm512_set1_ps(step_alpha)),
        zero(_mm512_setzero_ps()),
        half(_mm512_set1_ps(0.5f)),
        two(_mm512_set1_ps(2.0f)) {}
};

// Updates the lanes `k` of w, m, v (16 floats each) with the gradient g. With kCheck, adds
// g * 0 to `poison` (0 for finite gradients, NaN otherwise); callers that know their gradients
// are finite by other means (the fused engine checks dh, of which the first kernel's gradient
// is a sum with finite pixel weights) save the two instructions.
template <bool kCheck = true>
inline void adam_lanes(const AdamConstants& c, __m512 g, float* w, float* m, float* v, __mmask16 k,
                       __m512& poison) {
  if constexpr (kCheck) poison = _mm512_add_ps(poison, _mm512_mul_ps(g, c.zero));
  const __m512 mi = _mm512_fmadd_ps(c.b1, _mm512_maskz_loadu_ps(k, m), _mm512_mul_ps(c.c1, g));
  const __m512 vi =
      _mm512_fmadd_ps(c.b2, _mm512_maskz_loadu_ps(k, v), _mm512_mul_ps(_mm512_mul_ps(c.c2, g), g));
  // sqrt(v) and the division by (sqrt(v) + eps) through the 14-bit estimates refined by one
  // Newton step each (to about 2^-23 relative): the two exact instructions would be most of
  // the cost of the whole update. sqrt(v) = v r with r ~ 1/sqrt(v) (0 where v = 0, so that no
  // 0 * inf appears; subnormal v are flushed to 0 while training), refined as
  // s + s (1/2 - s r/2). (The zero-masking forms: GCC 12 warns about the undefined source of
  // the plain ones.)
  const __m512 r = _mm512_maskz_rsqrt14_ps(_mm512_cmp_ps_mask(vi, c.zero, _CMP_GT_OQ), vi);
  const __m512 s0 = _mm512_mul_ps(vi, r);
  const __m512 root =
      _mm512_fmadd_ps(s0, _mm512_fnmadd_ps(s0, _mm512_mul_ps(c.half, r), c.half), s0);
  const __m512 den = _mm512_add_ps(root, c.eps);
  __m512 q = _mm512_maskz_rcp14_ps(static_cast<__mmask16>(0xFFFF), den);
  q = _mm512_mul_ps(q, _mm512_fnmadd_ps(den, q, c.two));
  _mm512_mask_storeu_ps(m, k, mi);
  _mm512_mask_storeu_ps(v, k, vi);
  // w - (alpha m) q in one rounding.
  _mm512_mask_storeu_ps(
      w, k, _mm512_fnmadd_ps(_mm512_mul_ps(c.alpha, mi), q, _mm512_maskz_loadu_ps(k, w)));
}

inline bool finite(__m512 poison) {
  return _mm512_cmp_ps_mask(poison, _mm512_setzero_ps(), _CMP_NEQ_UQ) == 0;
}

}  // namespace savant::simd
