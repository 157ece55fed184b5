// The AVX-512 paths of the one-pass kernels (kernels/pool.hpp, dense_dbias, the token mixing's
// row sums): 16 lanes at a time, masked tails. Every lane does what the portable loop does to
// its entry, in the same order, so both paths give the same bits (tests/kernels/test_layers.cpp
// compares them, NaN, signed zeros and tails included).
#include <algorithm>
#include <cstddef>

#include "savant/kernels/avx512.hpp"

SAVANT_AVX512_BEGIN
#include "savant/kernels/simd_avx512.hpp"

namespace savant::avx512 {

void residual_sum(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; i += kLanes) {
    const __mmask16 k = lanes_mask(n - i);
    _mm512_mask_storeu_ps(
        out + i, k,
        _mm512_add_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i)));
  }
}

void relu_forward(float* x, std::size_t n) {
  // max(0, x) keeps x where 0 > x is false (NaN, -0), as std::max(x, 0.0f) does.
  const __m512 zero = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n; i += kLanes) {
    const __mmask16 k = lanes_mask(n - i);
    _mm512_mask_storeu_ps(x + i, k, _mm512_max_ps(zero, _mm512_maskz_loadu_ps(k, x + i)));
  }
}

void relu_backward(float* d, const float* activation, std::size_t n) {
  const __m512 zero = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n; i += kLanes) {
    const __mmask16 k = lanes_mask(n - i);
    const __mmask16 alive =
        _mm512_mask_cmp_ps_mask(k, _mm512_maskz_loadu_ps(k, activation + i), zero, _CMP_GT_OQ);
    _mm512_mask_storeu_ps(d + i, k, _mm512_maskz_loadu_ps(alive, d + i));
  }
}

void broadcast_rows(float* out, const float* row, std::size_t rows, std::size_t cols) {
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t i = 0; i < cols; i += kLanes) {
      const __mmask16 k = lanes_mask(cols - i);
      _mm512_mask_storeu_ps(out + r * cols + i, k, _mm512_maskz_loadu_ps(k, row + i));
    }
  }
}

void broadcast_columns(float* out, const float* values, std::size_t rows, std::size_t cols) {
  for (std::size_t r = 0; r < rows; ++r) {
    const __m512 v = _mm512_set1_ps(values[r]);
    for (std::size_t i = 0; i < cols; i += kLanes) {
      _mm512_mask_storeu_ps(out + r * cols + i, lanes_mask(cols - i), v);
    }
  }
}

void dense_dbias(float* dbias, const float* dout, std::size_t B, std::size_t OC) {
  // Four vectors of columns at a time, the rows added in order from zero.
  constexpr std::size_t kBlock = 4 * kLanes;
  for (std::size_t c = 0; c < OC; c += kBlock) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                     _mm512_setzero_ps()};
    __mmask16 k[4];
    for (std::size_t v = 0; v < 4; ++v) {
      k[v] = c + v * kLanes < OC ? lanes_mask(OC - c - v * kLanes) : __mmask16{0};
    }
    for (std::size_t b = 0; b < B; ++b) {
      const float* row = dout + b * OC + c;
      for (std::size_t v = 0; v < 4; ++v) {
        acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(k[v], row + v * kLanes));
      }
    }
    for (std::size_t v = 0; v < 4; ++v) _mm512_mask_storeu_ps(dbias + c + v * kLanes, k[v], acc[v]);
  }
}

void add_row_sums(float* sums, const float* x, std::size_t rows, std::size_t n) {
  // Sixteen rows at a time: each row's 16 running sums in a vector; transposed, so that adding
  // the vectors in order adds each row's 16 in order, for all rows at once; then the tail.
  const __m512i row_of = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i rows_at = _mm512_mullo_epi32(row_of, _mm512_set1_epi32(static_cast<int>(n)));
  const std::size_t full = n / kLanes * kLanes;
  for (std::size_t r0 = 0; r0 < rows; r0 += kLanes) {
    const std::size_t count = std::min(kLanes, rows - r0);
    const float* block = x + r0 * n;
    __m512 acc[kLanes];
    for (std::size_t r = 0; r < kLanes; ++r) {
      acc[r] = _mm512_setzero_ps();
      if (r >= count) continue;
      for (std::size_t j = 0; j < full; j += kLanes) {
        acc[r] = _mm512_add_ps(acc[r], _mm512_loadu_ps(block + r * n + j));
      }
    }
    transpose16(acc);
    const __mmask16 k = lanes_mask(count);
    __m512 sum = _mm512_setzero_ps();
    for (const __m512 lane : acc) sum = _mm512_add_ps(sum, lane);
    for (std::size_t j = full; j < n; ++j) {
      sum = _mm512_add_ps(
          sum, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, rows_at, block + j, sizeof(float)));
    }
    _mm512_mask_storeu_ps(sums + r0, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, sums + r0), sum));
  }
}

void sum_arrays(float* out, const float* const* parts, std::size_t count, std::size_t n) {
  for (std::size_t i = 0; i < n; i += kLanes) {
    const __mmask16 k = lanes_mask(n - i);
    __m512 acc = _mm512_maskz_loadu_ps(k, parts[0] + i);
    for (std::size_t p = 1; p < count; ++p) {
      acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(k, parts[p] + i));
    }
    _mm512_mask_storeu_ps(out + i, k, acc);
  }
}

}  // namespace savant::avx512
SAVANT_AVX512_END
