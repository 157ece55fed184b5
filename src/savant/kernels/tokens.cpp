#include "savant/kernels/tokens.hpp"

#include <algorithm>
#include <cstring>

#include "savant/kernels/dense.hpp"
#include "savant/kernels/pool.hpp"
#include "savant/kernels/small_gemm.hpp"

namespace savant {

void patchify(float* tokens, const float* inp, std::size_t B, std::size_t H, std::size_t W,
              std::size_t g) {
  const std::size_t sh = H / g, sw = W / g;
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t by = 0; by < g; ++by) {
      for (std::size_t bx = 0; bx < g; ++bx) {
        float* token = tokens + (b * g * g + by * g + bx) * sh * sw;
        for (std::size_t y = 0; y < sh; ++y) {
          std::memcpy(token + y * sw, inp + (b * H + by * sh + y) * W + bx * sw,
                      sw * sizeof(float));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Patch embedding.

void patch_embed_forward_reference(float* out, const float* inp, const float* kernel,
                                   const float* bias, std::size_t B, std::size_t H, std::size_t W,
                                   std::size_t g, std::size_t D) {
  const std::size_t sh = H / g, sw = W / g, P = sh * sw;
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t t = 0; t < g * g; ++t) {
      const std::size_t by = t / g, bx = t % g;
      float* o = out + (b * g * g + t) * D;
      for (std::size_t d = 0; d < D; ++d) o[d] = bias[d];
      for (std::size_t p = 0; p < P; ++p) {
        const float x = inp[(b * H + by * sh + p / sw) * W + bx * sw + p % sw];
        for (std::size_t d = 0; d < D; ++d) o[d] += x * kernel[p * D + d];
      }
    }
  }
}

void patch_embed_backward_reference(float* dkernel, float* dbias, const float* dout,
                                    const float* inp, std::size_t B, std::size_t H, std::size_t W,
                                    std::size_t g, std::size_t D) {
  const std::size_t sh = H / g, sw = W / g, P = sh * sw;
  std::fill(dkernel, dkernel + P * D, 0.0f);
  std::fill(dbias, dbias + D, 0.0f);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t t = 0; t < g * g; ++t) {
      const std::size_t by = t / g, bx = t % g;
      const float* d = dout + (b * g * g + t) * D;
      for (std::size_t j = 0; j < D; ++j) dbias[j] += d[j];
      for (std::size_t p = 0; p < P; ++p) {
        const float x = inp[(b * H + by * sh + p / sw) * W + bx * sw + p % sw];
        for (std::size_t j = 0; j < D; ++j) dkernel[p * D + j] += x * d[j];
      }
    }
  }
}

void patch_embed_forward_fast(float* out, const float* inp, const float* kernel, const float* bias,
                              float* workspace, std::size_t B, std::size_t H, std::size_t W,
                              std::size_t g, std::size_t D) {
  patchify(workspace, inp, B, H, W, g);
  dense_forward_small(out, workspace, kernel, bias, B * g * g, (H / g) * (W / g), D, false);
}

void patch_embed_backward_fast(float* dkernel, float* dbias, const float* dout,
                               const float* patches, std::size_t B, std::size_t H, std::size_t W,
                               std::size_t g, std::size_t D) {
  dense_dkernel_small(dkernel, patches, dout, B * g * g, (H / g) * (W / g), D);
  dense_dbias(dbias, dout, B * g * g, D);
}

// ---------------------------------------------------------------------------------------------
// Token mixing.

void token_mix_forward_reference(float* out, const float* inp, const float* kernel,
                                 const float* bias, std::size_t B, std::size_t TI, std::size_t TO,
                                 std::size_t D, bool relu) {
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t to = 0; to < TO; ++to) {
      float* o = out + (b * TO + to) * D;
      for (std::size_t d = 0; d < D; ++d) o[d] = bias[to];
      for (std::size_t ti = 0; ti < TI; ++ti) {
        const float w = kernel[to * TI + ti];
        const float* i = inp + (b * TI + ti) * D;
        for (std::size_t d = 0; d < D; ++d) o[d] += w * i[d];
      }
      if (relu) {
        for (std::size_t d = 0; d < D; ++d) o[d] = std::max(o[d], 0.0f);
      }
    }
  }
}

void token_mix_backward_reference(float* dinp, float* dkernel, float* dbias, const float* dout,
                                  const float* inp, const float* kernel, const float* activation,
                                  std::size_t B, std::size_t TI, std::size_t TO, std::size_t D) {
  std::fill(dkernel, dkernel + TO * TI, 0.0f);
  std::fill(dbias, dbias + TO, 0.0f);
  if (dinp != nullptr) std::fill(dinp, dinp + B * TI * D, 0.0f);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t to = 0; to < TO; ++to) {
      const float* d = dout + (b * TO + to) * D;
      for (std::size_t j = 0; j < D; ++j) dbias[to] += d[j];
      for (std::size_t ti = 0; ti < TI; ++ti) {
        const float* i = inp + (b * TI + ti) * D;
        float sum = 0.0f;
        for (std::size_t j = 0; j < D; ++j) sum += d[j] * i[j];
        dkernel[to * TI + ti] += sum;
        if (dinp != nullptr) {
          float* di = dinp + (b * TI + ti) * D;
          for (std::size_t j = 0; j < D; ++j) di[j] += kernel[to * TI + ti] * d[j];
        }
      }
    }
  }
  if (dinp != nullptr && activation != nullptr) {
    for (std::size_t i = 0; i < B * TI * D; ++i) {
      if (!(activation[i] > 0.0f)) dinp[i] = 0.0f;
    }
  }
}

// Per image, a small product with the weight (TO, TI) on the left and the image's tokens
// (TI, D) on the right, added to the bias.
void token_mix_forward_fast(float* out, const float* inp, const float* kernel, const float* bias,
                            std::size_t B, std::size_t TI, std::size_t TO, std::size_t D,
                            bool relu) {
  for (std::size_t b = 0; b < B; ++b) {
    float* o = out + b * TO * D;
    broadcast_columns(o, bias, TO, D);
    small_gemm(o, kernel, inp + b * TI * D, TO, TI, D, true);
    if (relu) relu_forward(o, TO * D);
  }
}

void token_mix_backward_fast(float* dinp, float* dkernel, float* dbias, const float* dout,
                             const float* inp, const float* kernel, const float* activation,
                             float* workspace, std::size_t B, std::size_t TI, std::size_t TO,
                             std::size_t D) {
  std::fill(dbias, dbias + TO, 0.0f);
  if (B == 0) {
    std::fill(dkernel, dkernel + TO * TI, 0.0f);
    return;
  }
  float* inp_t = workspace;              // (D, TI): one image's tokens transposed
  float* kernel_t = workspace + D * TI;  // (TI, TO)
  if (dinp != nullptr) transpose(kernel_t, kernel, TO, TI);
  for (std::size_t b = 0; b < B; ++b) {
    const float* d = dout + b * TO * D;
    // dkernel (TO, TI) += dout[b] (TO, D) @ inp[b]^T (D, TI), the images added in order.
    transpose(inp_t, inp + b * TI * D, TI, D);
    small_gemm(dkernel, d, inp_t, TO, D, TI, b > 0);
    add_row_sums(dbias, d, TO, D);
    // dinp[b] (TI, D) = kernel^T (TI, TO) @ dout[b] (TO, D).
    if (dinp != nullptr) {
      small_gemm(dinp + b * TI * D, kernel_t, d, TI, TO, D, false);
      if (activation != nullptr) {
        relu_backward(dinp + b * TI * D, activation + b * TI * D, TI * D);
      }
    }
  }
}

}  // namespace savant
