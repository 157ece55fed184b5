#include "savant/kernels/fused_reference.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "savant/kernels/dense.hpp"

namespace savant {

void fused_gather_reference(float* x, std::uint64_t* row_bits, std::uint32_t* col_bits,
                            std::uint8_t* labels_out, const ImageSet& images,
                            std::span<const std::uint32_t> indices,
                            std::span<const std::uint8_t> labels, std::size_t chunks) {
  const std::size_t C = images.pixels_per_image(), words = (C + 63) / 64, rows = indices.size();
  for (std::size_t r = 0; r < rows; ++r) {
    scale_pixels_reference(x + r * C, images.pixels.data() + std::size_t{indices[r]} * C, C);
  }
  std::fill(row_bits, row_bits + rows * words, std::uint64_t{0});
  std::fill(col_bits, col_bits + chunks * C, std::uint32_t{0});
  for (std::size_t r = 0; r < rows; ++r) {
    labels_out[r] = labels[indices[r]];
    for (std::size_t k = 0; k < C; ++k) {
      if (x[r * C + k] == 0.0f) continue;
      row_bits[r * words + k / 64] |= std::uint64_t{1} << (k % 64);
      col_bits[(r / 32) * C + k] |= std::uint32_t{1} << (r % 32);
    }
  }
}

void fused_forward_block_reference(float* h, std::size_t h_stride, const float* x, const float* w,
                                   std::size_t stride, const float* bias, std::size_t rows,
                                   std::size_t C, std::size_t width, std::size_t k0,
                                   std::size_t kn) {
  for (std::size_t b = 0; b < rows; ++b) {
    float* y = h + b * h_stride;
    for (std::size_t j = 0; j < width; ++j) {
      float acc = k0 == 0 ? bias[j] : y[j];
      for (std::size_t k = k0; k < k0 + kn; ++k) {
        const float xk = x[b * C + k];
        if (xk != 0.0f) acc = std::fma(xk, w[k * stride + j], acc);
      }
      y[j] = k0 + kn == C ? std::max(acc, 0.0f) : acc;
    }
  }
}

void fused_partials_reference(float* out, const float* h, const float* w2r, const float* b2,
                              std::size_t rows, std::size_t pad, std::size_t Kp, std::size_t B,
                              std::size_t group0) {
  for (std::size_t gi = 0; gi < pad / 16; ++gi) {
    const std::size_t g = group0 + gi;
    for (std::size_t b = 0; b < rows; ++b) {
      for (std::size_t o = 0; o < Kp; ++o) {
        float s = 0.0f;
        for (std::size_t j = 16 * gi; j < 16 * gi + 16; ++j) {
          s = std::fma(h[b * pad + j], w2r[j * Kp + o], s);
        }
        out[(g * B + b) * Kp + o] = (g == 0 ? b2[o] : 0.0f) + s;
      }
    }
  }
}

bool fused_hidden_gradient_reference(float* dh, const float* dlogits, const float* w2t,
                                     const float* h, std::size_t rows, std::size_t K,
                                     std::size_t pad) {
  bool finite = true;
  for (std::size_t b = 0; b < rows; ++b) {
    for (std::size_t j = 0; j < pad; ++j) {
      float s = 0.0f;
      for (std::size_t o = 0; o < K; ++o) s = std::fma(dlogits[b * K + o], w2t[o * pad + j], s);
      dh[b * pad + j] = h[b * pad + j] > 0.0f ? s : 0.0f;
      finite = finite && std::isfinite(dh[b * pad + j]);
    }
  }
  return finite;
}

void fused_second_kernel_gradient_reference(float* dw2t, const float* h, const float* dlogits,
                                            std::size_t rows, std::size_t K, std::size_t pad) {
  for (std::size_t o = 0; o < K; ++o) {
    for (std::size_t j = 0; j < pad; ++j) {
      float s = 0.0f;
      for (std::size_t b = 0; b < rows; ++b) s = std::fma(h[b * pad + j], dlogits[b * K + o], s);
      dw2t[o * pad + j] = s;
    }
  }
}

void fused_kernel_gradient_reference(float* dw, const float* x, const float* dh, std::size_t rows,
                                     std::size_t C, std::size_t pad, std::size_t off,
                                     std::size_t width, std::size_t k0, std::size_t kn) {
  for (std::size_t k = k0; k < k0 + kn; ++k) {
    for (std::size_t j = 0; j < width; ++j) {
      float s = 0.0f;
      for (std::size_t b = 0; b < rows; ++b) {
        const float xk = x[b * C + k];
        if (xk != 0.0f) s = std::fma(xk, dh[b * pad + off + j], s);
      }
      dw[(k - k0) * width + j] = s;
    }
  }
}

bool fused_small_layers_reference(float* dh, float* w2t, float* w2m, float* w2v, float* b1,
                                  float* b1m, float* b1v, const float* h, const float* dlogits,
                                  std::size_t rows, std::size_t K, std::size_t pad, float alpha,
                                  const AdamConfig& config, AdamUpdateFn update) {
  const bool dh_finite = fused_hidden_gradient_reference(dh, dlogits, w2t, h, rows, K, pad);
  std::vector<float> dw2t(K * pad), db1(pad);
  fused_second_kernel_gradient_reference(dw2t.data(), h, dlogits, rows, K, pad);
  dense_dbias(db1.data(), dh, rows, pad);
  const bool w2_finite = update(w2t, w2m, w2v, dw2t.data(), K * pad, alpha, config);
  const bool b1_finite = update(b1, b1m, b1v, db1.data(), pad, alpha, config);
  return dh_finite && w2_finite && b1_finite;
}

void fused_panel_reference(float* w, float* m, float* v, std::size_t stride, const float* x,
                           std::size_t rows, const float* dh, std::size_t pad, std::size_t off,
                           std::size_t C, const float* next_x, std::size_t next_rows, float* h_next,
                           const float* bias, float alpha, const AdamConfig& config,
                           AdamUpdateFn update) {
  std::vector<float> dw(C * stride);
  fused_kernel_gradient_reference(dw.data(), x, dh, rows, C, pad, off, stride, 0, C);
  update(w, m, v, dw.data(), C * stride, alpha, config);
  if (next_rows > 0) {
    fused_forward_block_reference(h_next + off, pad, next_x, w, stride, bias, next_rows, C, stride,
                                  0, C);
  }
}

}  // namespace savant
