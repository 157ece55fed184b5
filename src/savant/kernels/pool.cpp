#include "savant/kernels/pool.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>

#include "savant/kernels/avx512.hpp"
#include "savant/kernels/isa.hpp"

namespace savant {

void maxpool2_forward(float* out, const float* inp, std::size_t B, std::size_t H, std::size_t W,
                      std::size_t C) {
  const std::size_t OH = H / 2, OW = W / 2;
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t y = 0; y < OH; ++y) {
      for (std::size_t x = 0; x < OW; ++x) {
        const float* a = inp + ((b * H + 2 * y) * W + 2 * x) * C;  // top left
        const float* r = a + C;                                    // top right
        const float* d = a + W * C;                                // bottom left
        const float* e = d + C;                                    // bottom right
        float* o = out + ((b * OH + y) * OW + x) * C;
        for (std::size_t c = 0; c < C; ++c)
          o[c] = std::max(std::max(a[c], r[c]), std::max(d[c], e[c]));
      }
    }
  }
}

namespace {

// One 2 x 2 block's four gradients (top left, top right, bottom left, bottom right) over C
// channels: d where the entry is the first to equal the block's maximum, else zero. Without
// branches or aliasing, so that GCC vectorises it.
void maxpool2_block_backward(float* __restrict da, float* __restrict dr, float* __restrict dl,
                             float* __restrict de, const float* __restrict d,
                             const float* __restrict a, const float* __restrict r,
                             const float* __restrict l, const float* __restrict e, std::size_t C) {
  for (std::size_t c = 0; c < C; ++c) {
    const float m = std::max(std::max(a[c], r[c]), std::max(l[c], e[c]));
    // All ones where the entry takes the gradient, else zero: d's bits, or +0.
    const std::uint32_t ta = 0u - static_cast<std::uint32_t>(a[c] == m);
    const std::uint32_t tr = ~ta & (0u - static_cast<std::uint32_t>(r[c] == m));
    const std::uint32_t tl = ~ta & ~tr & (0u - static_cast<std::uint32_t>(l[c] == m));
    const std::uint32_t te = ~ta & ~tr & ~tl;
    const auto g = std::bit_cast<std::uint32_t>(d[c]);
    da[c] = std::bit_cast<float>(g & ta);
    dr[c] = std::bit_cast<float>(g & tr);
    dl[c] = std::bit_cast<float>(g & tl);
    de[c] = std::bit_cast<float>(g & te);
  }
}

}  // namespace

void maxpool2_backward(float* dinp, const float* dout, const float* inp, std::size_t B,
                       std::size_t H, std::size_t W, std::size_t C) {
  const std::size_t OH = H / 2, OW = W / 2;
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t y = 0; y < OH; ++y) {
      for (std::size_t x = 0; x < OW; ++x) {
        const std::size_t at = ((b * H + 2 * y) * W + 2 * x) * C;
        const float *a = inp + at, *r = a + C, *l = a + W * C, *e = l + C;
        const float* d = dout + ((b * OH + y) * OW + x) * C;
        maxpool2_block_backward(dinp + at, dinp + at + C, dinp + at + W * C, dinp + at + W * C + C,
                                d, a, r, l, e, C);
      }
    }
  }
}

void global_avgpool_forward(float* out, const float* inp, std::size_t B, std::size_t N,
                            std::size_t C) {
  const float scale = 1.0f / static_cast<float>(N);
  for (std::size_t b = 0; b < B; ++b) {
    float* o = out + b * C;
    std::fill(o, o + C, 0.0f);
    for (std::size_t n = 0; n < N; ++n) {
      const float* i = inp + (b * N + n) * C;
      for (std::size_t c = 0; c < C; ++c) o[c] += i[c];
    }
    for (std::size_t c = 0; c < C; ++c) o[c] *= scale;
  }
}

void global_avgpool_backward(float* dinp, const float* dout, std::size_t B, std::size_t N,
                             std::size_t C) {
  const float scale = 1.0f / static_cast<float>(N);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t n = 0; n < N; ++n) {
      float* d = dinp + (b * N + n) * C;
      for (std::size_t c = 0; c < C; ++c) d[c] = dout[b * C + c] * scale;
    }
  }
}

void residual_add(float* out, const float* branch, std::size_t n) {
  residual_sum(out, out, branch, n);
}

void residual_sum(float* out, const float* a, const float* b, std::size_t n) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) return avx512::residual_sum(out, a, b, n);
#endif
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void sum_arrays(float* out, const float* const* parts, std::size_t count, std::size_t n) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) return avx512::sum_arrays(out, parts, count, n);
#endif
  std::copy(parts[0], parts[0] + n, out);
  for (std::size_t p = 1; p < count; ++p) {
    for (std::size_t i = 0; i < n; ++i) out[i] += parts[p][i];
  }
}

void relu_forward(float* x, std::size_t n) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) return avx512::relu_forward(x, n);
#endif
  for (std::size_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
}

void relu_backward(float* d, const float* activation, std::size_t n) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) return avx512::relu_backward(d, activation, n);
#endif
  for (std::size_t i = 0; i < n; ++i) d[i] = activation[i] > 0.0f ? d[i] : 0.0f;
}

void broadcast_rows(float* out, const float* row, std::size_t rows, std::size_t cols) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) return avx512::broadcast_rows(out, row, rows, cols);
#endif
  for (std::size_t r = 0; r < rows; ++r) std::copy(row, row + cols, out + r * cols);
}

void broadcast_columns(float* out, const float* values, std::size_t rows, std::size_t cols) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) return avx512::broadcast_columns(out, values, rows, cols);
#endif
  for (std::size_t r = 0; r < rows; ++r) std::fill(out + r * cols, out + (r + 1) * cols, values[r]);
}

void add_row_sums(float* sums, const float* x, std::size_t rows, std::size_t n) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) return avx512::add_row_sums(sums, x, rows, n);
#endif
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = x + r * n;
    float lanes[16] = {};
    std::size_t j = 0;
    for (; j + 16 <= n; j += 16) {
      for (std::size_t k = 0; k < 16; ++k) lanes[k] += row[j + k];
    }
    float sum = 0.0f;
    for (float lane : lanes) sum += lane;
    for (; j < n; ++j) sum += row[j];
    sums[r] += sum;
  }
}

}  // namespace savant
