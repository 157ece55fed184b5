#include "savant/kernels/conv.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "savant/core/error.hpp"
#include "savant/kernels/conv_onednn.hpp"
#include "savant/kernels/dense.hpp"

namespace savant {

namespace {

// The input pixel that kernel tap t (0..K-1) of output position p reads, or -1 outside.
long tap(std::size_t p, std::size_t t, std::size_t K, std::size_t size) {
  const long at = static_cast<long>(p) + static_cast<long>(t) - static_cast<long>(K / 2);
  return at >= 0 && at < static_cast<long>(size) ? at : -1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// References: the definition, one output (or one gradient entry) at a time.

void conv2d_forward_reference(float* out, const float* inp, const float* kernel, const float* bias,
                              std::size_t B, std::size_t H, std::size_t W, std::size_t C,
                              std::size_t OC, std::size_t K, bool relu) {
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t y = 0; y < H; ++y) {
      for (std::size_t x = 0; x < W; ++x) {
        float* o = out + ((b * H + y) * W + x) * OC;
        for (std::size_t oc = 0; oc < OC; ++oc) o[oc] = bias != nullptr ? bias[oc] : 0.0f;
        for (std::size_t ky = 0; ky < K; ++ky) {
          const long iy = tap(y, ky, K, H);
          if (iy < 0) continue;
          for (std::size_t kx = 0; kx < K; ++kx) {
            const long ix = tap(x, kx, K, W);
            if (ix < 0) continue;
            const float* i =
                inp +
                ((b * H + static_cast<std::size_t>(iy)) * W + static_cast<std::size_t>(ix)) * C;
            const float* k = kernel + (ky * K + kx) * C * OC;
            for (std::size_t c = 0; c < C; ++c) {
              for (std::size_t oc = 0; oc < OC; ++oc) o[oc] += i[c] * k[c * OC + oc];
            }
          }
        }
        if (relu) {
          for (std::size_t oc = 0; oc < OC; ++oc) o[oc] = std::max(o[oc], 0.0f);
        }
      }
    }
  }
}

void conv2d_backward_reference(float* dinp, float* dkernel, float* dbias, const float* dout,
                               const float* inp, const float* kernel, const float* activation,
                               std::size_t B, std::size_t H, std::size_t W, std::size_t C,
                               std::size_t OC, std::size_t K) {
  std::fill(dkernel, dkernel + K * K * C * OC, 0.0f);
  if (dbias != nullptr) std::fill(dbias, dbias + OC, 0.0f);
  if (dinp != nullptr) std::fill(dinp, dinp + B * H * W * C, 0.0f);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t y = 0; y < H; ++y) {
      for (std::size_t x = 0; x < W; ++x) {
        const float* d = dout + ((b * H + y) * W + x) * OC;
        if (dbias != nullptr) {
          for (std::size_t oc = 0; oc < OC; ++oc) dbias[oc] += d[oc];
        }
        for (std::size_t ky = 0; ky < K; ++ky) {
          const long iy = tap(y, ky, K, H);
          if (iy < 0) continue;
          for (std::size_t kx = 0; kx < K; ++kx) {
            const long ix = tap(x, kx, K, W);
            if (ix < 0) continue;
            const std::size_t at =
                ((b * H + static_cast<std::size_t>(iy)) * W + static_cast<std::size_t>(ix)) * C;
            const float* k = kernel + (ky * K + kx) * C * OC;
            float* dk = dkernel + (ky * K + kx) * C * OC;
            for (std::size_t c = 0; c < C; ++c) {
              float sum = 0.0f;
              for (std::size_t oc = 0; oc < OC; ++oc) {
                dk[c * OC + oc] += inp[at + c] * d[oc];
                sum += d[oc] * k[c * OC + oc];
              }
              if (dinp != nullptr) dinp[at + c] += sum;
            }
          }
        }
      }
    }
  }
  if (dinp != nullptr && activation != nullptr) {
    for (std::size_t i = 0; i < B * H * W * C; ++i) {
      if (!(activation[i] > 0.0f)) dinp[i] = 0.0f;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The fast versions: oneDNN, or one GEMM per pass over im2col's matrix by the dense layer's
// kernels (which skip the zero entries: the padding, and half of a ReLU's outputs).

ConvBackend active_conv_backend() {
  static const ConvBackend backend = [] {
    const char* env = std::getenv("SAVANT_CONV");
    const std::string_view choice = env != nullptr ? env : "auto";
    if (choice == "im2col") return ConvBackend::im2col;
    if (choice == "onednn" || choice == "auto" || choice.empty()) {
      if (conv2d_onednn_built()) return ConvBackend::onednn;
      if (choice == "onednn") {
        throw InvalidSetting("SAVANT_CONV", std::string(choice),
                             "this build has no oneDNN; install libdnnl-dev (scripts/setup) and "
                             "rebuild, or use auto or im2col");
      }
      return ConvBackend::im2col;
    }
    throw InvalidSetting("SAVANT_CONV", std::string(choice), "expected auto, onednn or im2col");
  }();
  return backend;
}

const char* conv_backend_name(ConvBackend backend) {
  return backend == ConvBackend::onednn ? "onednn" : "im2col";
}

namespace {

// oneDNN where it wins (bench/bench_layers, docs/PERFORMANCE.md): the 3x3 convolutions, 2 to 7
// times faster than im2col at the models' chunk of 8 images. A 1x1 convolution is a plain
// GEMM without im2col, where the dense kernels were twice as fast as oneDNN's jit_1x1 on
// local.conv3 (32 -> 10 channels).
bool uses_onednn(std::size_t K) {
  return K > 1 && active_conv_backend() == ConvBackend::onednn;
}

}  // namespace

std::size_t conv2d_workspace_floats(std::size_t B, std::size_t H, std::size_t W, std::size_t C,
                                    std::size_t OC, std::size_t K) {
  std::size_t floats = conv2d_im2col_workspace_floats(B, H, W, C, K);
  // A batch of fewer images (the last chunk of an epoch) has its own oneDNN plan.
  if (conv2d_onednn_built()) {
    for (std::size_t b = 1; b <= B; ++b) {
      floats = std::max(floats, conv2d_onednn_workspace_floats(b, H, W, C, OC, K));
    }
  }
  return floats;
}

void conv2d_forward_fast(float* out, const float* inp, const float* kernel, const float* bias,
                         float* workspace, std::size_t B, std::size_t H, std::size_t W,
                         std::size_t C, std::size_t OC, std::size_t K, bool relu) {
  if (uses_onednn(K)) {
    conv2d_forward_onednn(out, inp, kernel, bias, workspace, B, H, W, C, OC, K, relu);
  } else {
    conv2d_forward_im2col(out, inp, kernel, bias, workspace, B, H, W, C, OC, K, relu);
  }
}

void conv2d_backward_fast(float* dinp, float* dkernel, float* dbias, const float* dout,
                          const float* inp, const float* kernel, const float* activation,
                          float* workspace, std::size_t B, std::size_t H, std::size_t W,
                          std::size_t C, std::size_t OC, std::size_t K) {
  if (uses_onednn(K)) {
    conv2d_backward_onednn(dinp, dkernel, dbias, dout, inp, kernel, activation, workspace, B, H, W,
                           C, OC, K);
  } else {
    conv2d_backward_im2col(dinp, dkernel, dbias, dout, inp, kernel, activation, workspace, B, H, W,
                           C, OC, K);
  }
}

std::size_t conv2d_im2col_workspace_floats(std::size_t B, std::size_t H, std::size_t W,
                                           std::size_t C, std::size_t K) {
  return K == 1 ? 0 : B * H * W * K * K * C;
}

void im2col(float* cols, const float* inp, std::size_t B, std::size_t H, std::size_t W,
            std::size_t C, std::size_t K) {
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t y = 0; y < H; ++y) {
      for (std::size_t x = 0; x < W; ++x) {
        float* row = cols + ((b * H + y) * W + x) * K * K * C;
        for (std::size_t ky = 0; ky < K; ++ky) {
          const long iy = tap(y, ky, K, H);
          for (std::size_t kx = 0; kx < K; ++kx) {
            const long ix = tap(x, kx, K, W);
            float* to = row + (ky * K + kx) * C;
            if (iy < 0 || ix < 0) {
              std::fill(to, to + C, 0.0f);
            } else {
              const float* from =
                  inp +
                  ((b * H + static_cast<std::size_t>(iy)) * W + static_cast<std::size_t>(ix)) * C;
              std::memcpy(to, from, C * sizeof(float));
            }
          }
        }
      }
    }
  }
}

void col2im(float* dinp, const float* dcols, std::size_t B, std::size_t H, std::size_t W,
            std::size_t C, std::size_t K) {
  std::fill(dinp, dinp + B * H * W * C, 0.0f);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t y = 0; y < H; ++y) {
      for (std::size_t x = 0; x < W; ++x) {
        const float* row = dcols + ((b * H + y) * W + x) * K * K * C;
        for (std::size_t ky = 0; ky < K; ++ky) {
          const long iy = tap(y, ky, K, H);
          if (iy < 0) continue;
          for (std::size_t kx = 0; kx < K; ++kx) {
            const long ix = tap(x, kx, K, W);
            if (ix < 0) continue;
            const float* from = row + (ky * K + kx) * C;
            float* to =
                dinp +
                ((b * H + static_cast<std::size_t>(iy)) * W + static_cast<std::size_t>(ix)) * C;
            for (std::size_t c = 0; c < C; ++c) to[c] += from[c];
          }
        }
      }
    }
  }
}

void conv2d_forward_im2col(float* out, const float* inp, const float* kernel, const float* bias,
                           float* workspace, std::size_t B, std::size_t H, std::size_t W,
                           std::size_t C, std::size_t OC, std::size_t K, bool relu) {
  const std::size_t pixels = B * H * W;
  if (K == 1) {
    dense_forward_fast(out, inp, kernel, bias, pixels, C, OC, relu);
    return;
  }
  im2col(workspace, inp, B, H, W, C, K);
  dense_forward_fast(out, workspace, kernel, bias, pixels, K * K * C, OC, relu);
}

void conv2d_backward_im2col(float* dinp, float* dkernel, float* dbias, const float* dout,
                            const float* inp, const float* kernel, const float* activation,
                            float* workspace, std::size_t B, std::size_t H, std::size_t W,
                            std::size_t C, std::size_t OC, std::size_t K) {
  const std::size_t pixels = B * H * W;
  if (dbias != nullptr) dense_dbias(dbias, dout, pixels, OC);
  if (K == 1) {
    dense_dkernel_fast(dkernel, inp, dout, pixels, C, OC);
    if (dinp != nullptr) dense_dinput_fast(dinp, dout, kernel, activation, pixels, C, OC);
    return;
  }
  // The workspace holds the input's columns for the kernel's gradient, then the columns'
  // gradient: one buffer for both.
  im2col(workspace, inp, B, H, W, C, K);
  dense_dkernel_fast(dkernel, workspace, dout, pixels, K * K * C, OC);
  if (dinp == nullptr) return;
  dense_dinput_fast(workspace, dout, kernel, nullptr, pixels, K * K * C, OC);
  col2im(dinp, workspace, B, H, W, C, K);
  if (activation != nullptr) {
    for (std::size_t i = 0; i < pixels * C; ++i) {
      if (!(activation[i] > 0.0f)) dinp[i] = 0.0f;
    }
  }
}

}  // namespace savant
