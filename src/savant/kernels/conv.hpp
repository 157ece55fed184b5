#pragma once
// The 2-D convolution of the convolutional models (docs/ARCHITECTURE.md): a K x K kernel (K = 1
// or 3), stride 1, zero "same" padding (K / 2 on each side), so the output has the input's
// height and width. A plain reference loop and two fast versions (oneDNN's convolutions, or
// im2col then the dense layer's fast kernels, kernels/dense.hpp); tests/kernels/test_layers.cpp
// compares them and checks the gradients against finite differences, bench/bench_layers.cpp
// times them.
//
// Layouts (all float32, row-major): activations are channels-last, (B, H, W, C), so that a
// pixel's channels are contiguous and im2col's rows are GEMM rows; a kernel is (K, K, C, OC),
// which is the (K*K*C, OC) matrix the GEMM multiplies by. PyTorch's (OC, C, K, K) is a
// transposition of it, made where a model is written (formats/).
//
// Each function works on the batch it is given, on the calling thread, with one fixed order
// of additions: a model splits a batch into chunks of a fixed size and adds the chunks'
// parameter gradients in chunk order, so its result does not depend on the number of threads.

#include <cstddef>

namespace savant {

// out (B, H, W, OC) = conv(inp (B, H, W, C), kernel (K, K, C, OC)) + bias (OC), then ReLU when
// `relu`. bias may be null (no bias).
void conv2d_forward_reference(float* out, const float* inp, const float* kernel, const float* bias,
                              std::size_t B, std::size_t H, std::size_t W, std::size_t C,
                              std::size_t OC, std::size_t K, bool relu);

// The gradients of conv2d_forward given dout (B, H, W, OC), the gradient of its output before
// any ReLU: dkernel (K, K, C, OC) and dbias (OC) are overwritten (dbias may be null); dinp
// (B, H, W, C) is overwritten unless null, and multiplied by (activation > 0) when
// `activation` (B, H, W, C), the input that a ReLU produced, is not null.
void conv2d_backward_reference(float* dinp, float* dkernel, float* dbias, const float* dout,
                               const float* inp, const float* kernel, const float* activation,
                               std::size_t B, std::size_t H, std::size_t W, std::size_t C,
                               std::size_t OC, std::size_t K);

// The fast versions, chosen at run time: oneDNN's convolutions (kernels/conv_onednn.hpp) for
// K = 3 where the build has oneDNN, else im2col and the dense fast kernels. The environment
// variable SAVANT_CONV (auto, onednn or im2col; unset is auto, oneDNN when built) picks the
// backend; read once.
enum class ConvBackend { im2col, onednn };
ConvBackend active_conv_backend();
// "im2col" or "onednn".
const char* conv_backend_name(ConvBackend backend);

// The number of floats of the workspace the fast versions need for B images or fewer, whichever
// backend runs them.
std::size_t conv2d_workspace_floats(std::size_t B, std::size_t H, std::size_t W, std::size_t C,
                                    std::size_t OC, std::size_t K);

// As the references, by the active backend; `workspace` holds conv2d_workspace_floats(...)
// floats. The result is the reference's up to rounding, and for a given backend the same bits
// on any thread.
void conv2d_forward_fast(float* out, const float* inp, const float* kernel, const float* bias,
                         float* workspace, std::size_t B, std::size_t H, std::size_t W,
                         std::size_t C, std::size_t OC, std::size_t K, bool relu);
void conv2d_backward_fast(float* dinp, float* dkernel, float* dbias, const float* dout,
                          const float* inp, const float* kernel, const float* activation,
                          float* workspace, std::size_t B, std::size_t H, std::size_t W,
                          std::size_t C, std::size_t OC, std::size_t K);

// The im2col backend: one GEMM per pass by the dense fast kernels. Its workspace holds
// B*H*W*K*K*C floats for K > 1 (one im2col row per output pixel), none for K = 1 (the input is
// already the GEMM's left matrix).
std::size_t conv2d_im2col_workspace_floats(std::size_t B, std::size_t H, std::size_t W,
                                           std::size_t C, std::size_t K);
void conv2d_forward_im2col(float* out, const float* inp, const float* kernel, const float* bias,
                           float* workspace, std::size_t B, std::size_t H, std::size_t W,
                           std::size_t C, std::size_t OC, std::size_t K, bool relu);
void conv2d_backward_im2col(float* dinp, float* dkernel, float* dbias, const float* dout,
                            const float* inp, const float* kernel, const float* activation,
                            float* workspace, std::size_t B, std::size_t H, std::size_t W,
                            std::size_t C, std::size_t OC, std::size_t K);

// cols (B*H*W, K*K*C): row (b, y, x) holds the K x K neighbourhood of pixel (y, x), zeros
// outside the image, in the kernel's (ky, kx, c) order.
void im2col(float* cols, const float* inp, std::size_t B, std::size_t H, std::size_t W,
            std::size_t C, std::size_t K);
// dinp (B, H, W, C) = the sum of each pixel's entries of dcols (B*H*W, K*K*C): im2col's
// transpose. dinp is overwritten.
void col2im(float* dinp, const float* dcols, std::size_t B, std::size_t H, std::size_t W,
            std::size_t C, std::size_t K);

}  // namespace savant
