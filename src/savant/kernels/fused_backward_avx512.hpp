#pragma once
// The fused one-hidden-layer engine's backward kernels with Adam's update: the gradients of the
// second layer and of the hidden units, and the fused pass over the first kernel (its gradient
// a row at a time in registers, updated at once, and the next batch's forward pass through the
// rows just updated). Include only inside SAVANT_AVX512_BEGIN ... SAVANT_AVX512_END, after
// fused_avx512.hpp.

#include "savant/kernels/fused_avx512.hpp"

namespace savant::avx512::fused {

struct FusedKernels : FusedForward {
  using FusedForward::FusedForward;

  template <int NV>
  static void adam_row(Panel& p, std::size_t k, const __m512 (&g)[NV], const AdamConstants& ac) {
    __m512 unused = _mm512_setzero_ps();
    const std::size_t i = k * NV * kLanes;
    for (int v = 0; v < NV; ++v) {
      const std::size_t j = i + kLanes * static_cast<std::size_t>(v);
      adam_lanes<false>(ac, g[v], p.w.data() + j, p.m.data() + j, p.v.data() + j,
                        static_cast<__mmask16>(0xFFFF), unused);
    }
  }

  // The gradient of the panel's rows k .. k + R - 1, summed in registers over the batch, then
  // Adam's update of those rows.
  template <int NV, int R>
  void gradient_rows(Member& me, Panel& p, const Batch& cur, std::size_t k, std::size_t off,
                     const AdamConstants& ac) const {
    __m512 a[R][NV];
    for (int r = 0; r < R; ++r) {
      for (int v = 0; v < NV; ++v) a[r][v] = _mm512_setzero_ps();
    }
    for (std::size_t c = 0; c < chunks; ++c) {
      std::uint32_t bits = 0;
      for (int r = 0; r < R; ++r) bits |= cur.col_bits[c * C + k + static_cast<std::size_t>(r)];
      for (; bits != 0; bits &= bits - 1) {
        const std::size_t b = c * kChunk + static_cast<std::size_t>(std::countr_zero(bits));
        const float* x = cur.x.data() + b * C + k;
        const float* d = me.dh.data() + b * me.pad + off;
        __m512 xr[R];
        for (int r = 0; r < R; ++r) xr[r] = _mm512_set1_ps(x[r]);
        for (int v = 0; v < NV; ++v) {
          const __m512 dv = _mm512_load_ps(d + kLanes * v);
          for (int r = 0; r < R; ++r) a[r][v] = _mm512_fmadd_ps(xr[r], dv, a[r][v]);
        }
      }
    }
    for (int r = 0; r < R; ++r) adam_row<NV>(p, k + static_cast<std::size_t>(r), a[r], ac);
  }

  // The fused pass over one panel: the kernel gradient of the batch `cur`, a row at a time in
  // registers, updated by Adam at once; after each block of rows, the forward pass of `next`
  // (when it has rows) through the block just updated. (Its gradients are finite when dh is:
  // small_layers checks that.)
  template <int NV>
  void fused_panel(Member& me, Panel& p, const Batch& cur, const Batch& next, float* h_next,
                   const AdamConstants& ac, bool prefetch) const {
    const std::size_t off = p.offset * kLanes;
    constexpr std::size_t RB = rows_per_block<NV>();
    const std::size_t blocks = (C + RB - 1) / RB;
    for (std::size_t k0 = 0; k0 < C; k0 += RB) {
      const std::size_t kn = std::min(RB, C - k0);
      // R rows at a time, over the images where any of the rows' pixels is lit: a term whose
      // pixel is 0 adds exactly 0 to its row's sum, so each row's sum is bitwise the one over
      // its own images, with fewer loops (and their mispredicted exits) and shared loads.
      constexpr int R = NV <= 4 ? 4 : 2;
      std::size_t k = k0;
      for (; k + R <= k0 + kn; k += R) gradient_rows<NV, R>(me, p, cur, k, off, ac);
      for (; k < k0 + kn; ++k) gradient_rows<NV, 1>(me, p, cur, k, off, ac);
      if (next.rows > 0) forward_block<NV>(me, p, next, h_next, k0, kn);
      if (prefetch) prefetch_ahead(me, k0 / RB + 1, blocks);
    }
  }

  // The partial logits of the member's groups for the batch whose activations are `h`:
  // partial[g][b] = sum over the group's units j, in order, of h[b, j] * W2[j]; the first
  // group starts from the bias.
  void partials(const Member& me, const float* h, std::size_t rows, float* out) const {
    for (std::size_t gi = 0; gi < me.vectors; ++gi) {
      for (std::size_t o = 0; o < Kp; o += kLanes) {
        std::size_t b = 0;
        for (; b + 4 <= rows; b += 4) partial_rows<4>(me, h, gi, o, b, out);
        for (; b < rows; ++b) partial_rows<1>(me, h, gi, o, b, out);
      }
    }
  }

  // partials() for N rows from b (N independent sums), classes o .. o + 15, group gi.
  template <int N>
  void partial_rows(const Member& me, const float* h, std::size_t gi, std::size_t o, std::size_t b,
                    float* out) const {
    const std::size_t g = me.group0 + gi;
    __m512 a[N];
    for (int i = 0; i < N; ++i) a[i] = _mm512_setzero_ps();
    const float* hb = h + b * me.pad + gi * kLanes;
    for (std::size_t j = 0; j < kLanes; ++j) {
      const __m512 w = _mm512_load_ps(me.w2r.data() + (gi * kLanes + j) * Kp + o);
      for (int i = 0; i < N; ++i) {
        a[i] =
            _mm512_fmadd_ps(_mm512_set1_ps(hb[static_cast<std::size_t>(i) * me.pad + j]), w, a[i]);
      }
    }
    const __m512 start = g == 0 ? _mm512_load_ps(me.b2.data() + o) : _mm512_setzero_ps();
    float* dst = out + (g * B + b) * Kp + o;
    for (int i = 0; i < N; ++i) {
      _mm512_store_ps(dst + static_cast<std::size_t>(i) * Kp, _mm512_add_ps(start, a[i]));
    }
  }

  // dh of images b .. b + N - 1 for the hidden-unit vectors v0 .. v0 + NV - 1: dlogits @ W2^T
  // (the kernel before its update) through the ReLU.
  template <int NV, int N>
  void hidden_gradient(Member& me, const float* h, std::size_t v0, std::size_t b,
                       __m512& poison) const {
    const std::size_t pad = me.pad;
    const float* dl = me.dlogits.data() + b * K;
    __m512 acc[N][NV];
    for (int i = 0; i < N; ++i) {
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    }
    for (std::size_t o = 0; o < K; ++o) {
      const float* w = me.w2t.data() + o * pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) {
        const __m512 wv = _mm512_load_ps(w + kLanes * v);
        for (int i = 0; i < N; ++i) {
          acc[i][v] = _mm512_fmadd_ps(_mm512_set1_ps(dl[static_cast<std::size_t>(i) * K + o]), wv,
                                      acc[i][v]);
        }
      }
    }
    for (int i = 0; i < N; ++i) {
      const std::size_t row = (b + static_cast<std::size_t>(i)) * pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) {
        const std::size_t j = row + kLanes * static_cast<std::size_t>(v);
        const __mmask16 live =
            _mm512_cmp_ps_mask(_mm512_load_ps(h + j), _mm512_setzero_ps(), _CMP_GT_OQ);
        const __m512 d = _mm512_maskz_mov_ps(live, acc[i][v]);
        // The first kernel's gradient is a sum of these times pixels in [0, 1]: it is finite
        // when they are, and its Adam update skips the check.
        poison = _mm512_add_ps(poison, _mm512_mul_ps(d, _mm512_setzero_ps()));
        _mm512_store_ps(me.dh.data() + j, d);
      }
    }
  }

  // The second kernel's gradient for classes o .. o + N - 1 and the hidden-unit vectors
  // v0 .. v0 + NV - 1 (stored transposed), summed over the batch, then their Adam update.
  template <int NV, int N>
  void second_kernel_gradient(Member& me, std::size_t rows, const float* h, std::size_t v0,
                              std::size_t o, const AdamConstants& ac, __m512& poison) const {
    const std::size_t pad = me.pad;
    const float* dl = me.dlogits.data() + o;
    __m512 acc[N][NV];
    for (int i = 0; i < N; ++i) {
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    }
    for (std::size_t b = 0; b < rows; ++b) {
      const float* hb = h + b * pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) {
        const __m512 hv = _mm512_load_ps(hb + kLanes * v);
        for (int i = 0; i < N; ++i) {
          acc[i][v] = _mm512_fmadd_ps(hv, _mm512_set1_ps(dl[b * K + static_cast<std::size_t>(i)]),
                                      acc[i][v]);
        }
      }
    }
    for (int i = 0; i < N; ++i) {
      const std::size_t row = (o + static_cast<std::size_t>(i)) * pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) {
        const std::size_t j = row + kLanes * static_cast<std::size_t>(v);
        adam_lanes(ac, acc[i][v], me.w2t.data() + j, me.w2m.data() + j, me.w2v.data() + j,
                   static_cast<__mmask16>(0xFFFF), poison);
      }
    }
  }

  // For the member's hidden-unit vectors v0 .. v0 + NV - 1: the gradient of their outputs
  // through the ReLU (dh = dlogits @ W2^T, from the kernel before its update), then their rows
  // of the second kernel (stored transposed) and their first bias, updated by Adam.
  template <int NV>
  void small_layer_vectors(Member& me, const Batch& cur, const float* h, std::size_t v0,
                           const AdamConstants& ac, __m512& poison) const {
    const std::size_t rows = cur.rows;
    // Two images (then two classes) at a time: twice the independent chains of multiply-adds,
    // each sum in the same order as one at a time.
    std::size_t b = 0;
    for (; b + 2 <= rows; b += 2) hidden_gradient<NV, 2>(me, h, v0, b, poison);
    for (; b < rows; ++b) hidden_gradient<NV, 1>(me, h, v0, b, poison);
    std::size_t o = 0;
    for (; o + 2 <= K; o += 2) second_kernel_gradient<NV, 2>(me, rows, h, v0, o, ac, poison);
    for (; o < K; ++o) second_kernel_gradient<NV, 1>(me, rows, h, v0, o, ac, poison);
    // The first bias of these units.
    __m512 acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = _mm512_setzero_ps();
    for (std::size_t r = 0; r < rows; ++r) {
      const float* dh = me.dh.data() + r * me.pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) acc[v] = _mm512_add_ps(acc[v], _mm512_load_ps(dh + kLanes * v));
    }
    for (int v = 0; v < NV; ++v) {
      const std::size_t j = kLanes * (v0 + static_cast<std::size_t>(v));
      adam_lanes(ac, acc[v], me.b1.data() + j, me.b1m.data() + j, me.b1v.data() + j,
                 static_cast<__mmask16>(0xFFFF), poison);
    }
  }
};

}  // namespace savant::avx512::fused
