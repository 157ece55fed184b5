#pragma once
// AVX-512 helpers shared by the kernels: lane masks, panels of up to 8 vectors held in
// registers, and Adam's update of 16 parameters (the arithmetic of adam_update_fast, shared with
// the fused engine so that both give the same bits). Include only inside SAVANT_AVX512_BEGIN
// ... SAVANT_AVX512_END (kernels/avx512.hpp): these inline functions are compiled for AVX-512.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "savant/kernels/adam_config.hpp"

namespace savant::avx512 {

constexpr std::size_t kLanes = 16;

// The first min(n, 16) lanes.
inline __mmask16 lanes_mask(std::size_t n) {
  return n >= kLanes ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}

// Bit i set when x[i] != 0 (NaN included), for n <= 64.
inline std::uint64_t nonzero_bits(const float* x, std::size_t n) {
  const __m512 zero = _mm512_setzero_ps();
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < n; i += kLanes) {
    const __mmask16 m = lanes_mask(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    bits |= std::uint64_t{_mm512_mask_cmp_ps_mask(m, v, zero, _CMP_NEQ_UQ)} << i;
  }
  return bits;
}

// r (16 rows of 16) transposed in place: afterwards r[l] holds lane l of every row, row i in
// lane i. Pairs of floats, then pairs of pairs, then 128-bit lanes twice.
inline void transpose16(__m512 (&r)[kLanes]) {
  __m512 t[kLanes];
  for (std::size_t i = 0; i < kLanes; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (std::size_t i = 0; i < kLanes; i += 4) {
    for (std::size_t j = 0; j < 2; ++j) {
      const __m512d lo = _mm512_castps_pd(t[i + j]), hi = _mm512_castps_pd(t[i + j + 2]);
      r[i + 2 * j] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo, hi));
      r[i + 2 * j + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo, hi));
    }
  }
  // r[4q + c] now holds column c (mod 4) of rows 4q..4q+3 in each 128-bit lane.
  for (std::size_t h = 0; h < kLanes; h += 8) {
    for (std::size_t c = 0; c < 4; ++c) {
      t[h + c] = _mm512_shuffle_f32x4(r[h + c], r[h + 4 + c], 0x88);
      t[h + 4 + c] = _mm512_shuffle_f32x4(r[h + c], r[h + 4 + c], 0xdd);
    }
  }
  for (std::size_t c = 0; c < 8; ++c) {
    r[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);
    r[c + 8] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xdd);
  }
}

// A panel: NV vectors of 16 columns, the last one `last` lanes wide.
template <int NV>
inline void load_panel(__m512 (&acc)[NV], const float* p, __mmask16 last) {
  for (int v = 0; v + 1 < NV; ++v) acc[v] = _mm512_loadu_ps(p + kLanes * v);
  acc[NV - 1] = _mm512_maskz_loadu_ps(last, p + kLanes * (NV - 1));
}

template <int NV>
inline void store_panel(float* p, const __m512 (&acc)[NV], __mmask16 last) {
  for (int v = 0; v + 1 < NV; ++v) _mm512_storeu_ps(p + kLanes * v, acc[v]);
  _mm512_mask_storeu_ps(p + kLanes * (NV - 1), last, acc[NV - 1]);
}

// acc += x * row, over one panel.
template <int NV>
inline void fma_panel(__m512 (&acc)[NV], __m512 x, const float* row, __mmask16 last) {
  for (int v = 0; v + 1 < NV; ++v) {
    acc[v] = _mm512_fmadd_ps(x, _mm512_loadu_ps(row + kLanes * v), acc[v]);
  }
  acc[NV - 1] =
      _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(last, row + kLanes * (NV - 1)), acc[NV - 1]);
}

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

}  // namespace savant::avx512
