#include "savant/kernels/pool.hpp"

#include <algorithm>

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

void maxpool2_backward(float* dinp, const float* dout, const float* inp, std::size_t B,
                       std::size_t H, std::size_t W, std::size_t C) {
  const std::size_t OH = H / 2, OW = W / 2;
  std::fill(dinp, dinp + B * H * W * C, 0.0f);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t y = 0; y < OH; ++y) {
      for (std::size_t x = 0; x < OW; ++x) {
        const std::size_t corner = ((b * H + 2 * y) * W + 2 * x) * C;
        const std::size_t at[4] = {corner, corner + C, corner + W * C, corner + W * C + C};
        const float* d = dout + ((b * OH + y) * OW + x) * C;
        for (std::size_t c = 0; c < C; ++c) {
          std::size_t best = 0;
          for (std::size_t i = 1; i < 4; ++i) {
            if (inp[at[i] + c] > inp[at[best] + c]) best = i;
          }
          dinp[at[best] + c] = d[c];
        }
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
  for (std::size_t i = 0; i < n; ++i) {
    if (!(activation[i] > 0.0f)) d[i] = 0.0f;
  }
}

}  // namespace savant
