#include "savant/kernels/pool.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>

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
  for (std::size_t i = 0; i < n; ++i) out[i] += branch[i];
}

void relu_backward(float* d, const float* activation, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) d[i] = activation[i] > 0.0f ? d[i] : 0.0f;
}

}  // namespace savant
