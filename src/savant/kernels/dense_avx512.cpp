// The dense kernels' AVX-512 paths (kernels/dense.hpp): a panel of up to 128 output columns
// (8 vectors of 16) stays in registers while the nonzero inputs are found with a vector compare
// and visited bit by bit.
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "savant/kernels/avx512.hpp"
#include "savant/kernels/with_vectors.hpp"

SAVANT_AVX512_BEGIN
#include "savant/kernels/simd_avx512.hpp"

namespace savant::avx512 {
namespace {

constexpr std::size_t kPanel = 8 * kLanes;
// Kernel rows per block of the forward pass: 64 rows x 128 columns = 32 KiB, held in L1 while
// every row of the batch passes over it; 64 also makes one 64-bit mask of nonzero inputs.
constexpr std::size_t kKBlock = 64;
static_assert(kKBlock <= 64, "one 64-bit mask of nonzero inputs per block");
// Batch rows per pass of the kernel gradient: one bit each in a 32-bit lane.
constexpr std::size_t kBChunk = 32;

// out[:, c0 : c0 + width] for the kernel rows k0 .. k0 + kn.
template <int NV>
void forward_block(float* out, const float* inp, const float* kernel, const float* bias,
                   std::size_t B, std::size_t C, std::size_t OC, std::size_t c0, std::size_t k0,
                   std::size_t kn, __mmask16 last, bool relu) {
  const bool first = k0 == 0, final = k0 + kn == C;
  for (std::size_t b = 0; b < B; ++b) {
    float* y = out + b * OC + c0;
    __m512 acc[NV];
    if (!first) {
      load_panel(acc, y, last);
    } else if (bias != nullptr) {
      load_panel(acc, bias + c0, last);
    } else {
      for (int v = 0; v < NV; ++v) acc[v] = _mm512_setzero_ps();
    }
    const float* x = inp + b * C + k0;
    for (std::uint64_t bits = nonzero_bits(x, kn); bits != 0; bits &= bits - 1) {
      const auto j = static_cast<std::size_t>(std::countr_zero(bits));
      fma_panel(acc, _mm512_set1_ps(x[j]), kernel + (k0 + j) * OC + c0, last);
    }
    if (final && relu) {
      for (int v = 0; v < NV; ++v) acc[v] = _mm512_max_ps(acc[v], _mm512_setzero_ps());
    }
    store_panel(y, acc, last);
  }
}

// dkernel[k_begin : k_end, c0 : c0 + width] += the batch rows b0 .. b0 + bn (the first chunk
// writes).
template <int NV>
void dkernel_chunk(float* dkernel, const float* inp, const float* dout, std::size_t b0,
                   std::size_t bn, std::size_t C, std::size_t OC, std::size_t c0,
                   std::size_t k_begin, std::size_t k_end, __mmask16 last) {
  const __m512 zero = _mm512_setzero_ps();
  alignas(64) std::uint32_t row_bits[kLanes];
  for (std::size_t k0 = k_begin; k0 < k_end; k0 += kLanes) {
    const std::size_t kn = std::min(kLanes, k_end - k0);
    const __mmask16 km = lanes_mask(kn);
    // Lane j, bit r: inp[b0 + r, k0 + j] != 0. The transpose of the batch's nonzero pattern.
    __m512i rows = _mm512_setzero_si512();
    for (std::size_t r = 0; r < bn; ++r) {
      const __m512 x = _mm512_maskz_loadu_ps(km, inp + (b0 + r) * C + k0);
      const __mmask16 nz = _mm512_mask_cmp_ps_mask(km, x, zero, _CMP_NEQ_UQ);
      rows = _mm512_mask_or_epi32(rows, nz, rows, _mm512_set1_epi32(static_cast<int>(1u << r)));
    }
    _mm512_store_si512(row_bits, rows);
    for (std::size_t j = 0; j < kn; ++j) {
      float* dk = dkernel + (k0 - k_begin + j) * OC + c0;
      __m512 acc[NV];
      if (b0 == 0) {
        for (int v = 0; v < NV; ++v) acc[v] = zero;
      } else {
        load_panel(acc, dk, last);
      }
      for (std::uint32_t bits = row_bits[j]; bits != 0; bits &= bits - 1) {
        const std::size_t b = b0 + static_cast<std::size_t>(std::countr_zero(bits));
        fma_panel(acc, _mm512_set1_ps(inp[b * C + k0 + j]), dout + b * OC + c0, last);
      }
      store_panel(dk, acc, last);
    }
  }
}

// dinp[:, c0 : c0 + width] from the kernel's rows c0 .. c0 + width, 16 outputs at a time: their
// columns of the kernel are transposed once, 16 x 16 at a time in registers, into a tile that
// every batch row reuses (rows past width and columns past OC are zeros there).
template <int NV>
void dinput_panel(float* dinp, const float* dout, const float* kernel, const float* activation,
                  std::size_t B, std::size_t C, std::size_t OC, std::size_t c0, std::size_t width,
                  __mmask16 last) {
  alignas(64) float tile[kLanes][kPanel];
  for (std::size_t o0 = 0; o0 < OC; o0 += kLanes) {
    const std::size_t on = std::min(kLanes, OC - o0);
    const __mmask16 columns = lanes_mask(on);
    for (int v = 0; v < NV; ++v) {
      const std::size_t first = kLanes * static_cast<std::size_t>(v);
      const std::size_t rows = std::min(kLanes, width - first);
      __m512 block[kLanes];
      for (std::size_t i = 0; i < kLanes; ++i) {
        block[i] = i < rows ? _mm512_maskz_loadu_ps(columns, kernel + (c0 + first + i) * OC + o0)
                            : _mm512_setzero_ps();
      }
      transpose16(block);
      for (std::size_t o = 0; o < on; ++o) _mm512_store_ps(&tile[o][first], block[o]);
    }
    const bool final = o0 + on == OC;
    for (std::size_t b = 0; b < B; ++b) {
      float* dx = dinp + b * C + c0;
      __m512 acc[NV];
      if (o0 == 0) {
        for (int v = 0; v < NV; ++v) acc[v] = _mm512_setzero_ps();
      } else {
        load_panel(acc, dx, last);
      }
      for (std::size_t o = 0; o < on; ++o) {
        const __m512 d = _mm512_set1_ps(dout[b * OC + o0 + o]);
        for (int v = 0; v < NV; ++v) {
          acc[v] = _mm512_fmadd_ps(d, _mm512_load_ps(&tile[o][kLanes * v]), acc[v]);
        }
      }
      if (final && activation != nullptr) {
        const float* a = activation + b * C + c0;
        for (int v = 0; v < NV; ++v) {
          const __mmask16 m = v + 1 < NV ? lanes_mask(kLanes) : last;
          const __m512 av = _mm512_maskz_loadu_ps(m, a + kLanes * v);
          acc[v] =
              _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(av, _mm512_setzero_ps(), _CMP_GT_OQ), acc[v]);
        }
      }
      store_panel(dx, acc, last);
    }
  }
}

// Calls f(c0, width, NV, last-vector mask) for every panel of the columns [begin, end).
template <typename F>
void for_each_panel(std::size_t begin, std::size_t end, F&& f) {
  for (std::size_t c0 = begin; c0 < end; c0 += kPanel) {
    const std::size_t width = std::min(kPanel, end - c0);
    const std::size_t nv = (width + kLanes - 1) / kLanes;
    const __mmask16 last = lanes_mask(width - kLanes * (nv - 1));
    with_vectors(nv, [&](auto n) { f(c0, width, n, last); });
  }
}

}  // namespace

void dense_forward_columns(float* out, const float* inp, const float* kernel, const float* bias,
                           std::size_t B, std::size_t C, std::size_t OC, std::size_t c_begin,
                           std::size_t c_end, bool relu) {
  for (std::size_t k0 = 0; k0 < C; k0 += kKBlock) {
    const std::size_t kn = std::min(kKBlock, C - k0);
    for_each_panel(c_begin, c_end, [&](std::size_t c0, std::size_t, auto n, __mmask16 last) {
      forward_block<decltype(n)::value>(out, inp, kernel, bias, B, C, OC, c0, k0, kn, last, relu);
    });
  }
}

void dense_dkernel_rows(float* dkernel, const float* inp, const float* dout, std::size_t B,
                        std::size_t C, std::size_t OC, std::size_t k_begin, std::size_t k_end) {
  if (B == 0) {
    std::fill(dkernel, dkernel + (k_end - k_begin) * OC, 0.0f);
    return;
  }
  for_each_panel(0, OC, [&](std::size_t c0, std::size_t, auto n, __mmask16 last) {
    for (std::size_t b0 = 0; b0 < B; b0 += kBChunk) {
      dkernel_chunk<decltype(n)::value>(dkernel, inp, dout, b0, std::min(kBChunk, B - b0), C, OC,
                                        c0, k_begin, k_end, last);
    }
  });
}

void dense_dinput(float* dinp, const float* dout, const float* kernel, const float* activation,
                  std::size_t B, std::size_t C, std::size_t OC) {
  for_each_panel(0, C, [&](std::size_t c0, std::size_t width, auto n, __mmask16 last) {
    dinput_panel<decltype(n)::value>(dinp, dout, kernel, activation, B, C, OC, c0, width, last);
  });
}

}  // namespace savant::avx512
SAVANT_AVX512_END
