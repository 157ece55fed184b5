#pragma once
// The 2-D convolution of the convolutional models (docs/ARCHITECTURE.md): a K x K kernel (K = 1
// or 3), stride 1, zero "same" padding (K / 2 on each side), so the output has the input's
// height and width. A plain reference loop and a fast version (im2col, then the dense layer's
// fast kernels, kernels/dense.hpp); tests/kernels/test_layers.cpp compares them and checks the
// gradients against finite differences, bench/bench_layers.cpp times them beside the libraries.
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

// The number of floats of the workspace the fast versions need: B*H*W*K*K*C for K > 1 (one
// im2col row per output pixel), 0 for K = 1 (the input is already the GEMM's left matrix).
std::size_t conv2d_workspace_floats(std::size_t B, std::size_t H, std::size_t W, std::size_t C,
                                    std::size_t K);

// As the references, through im2col and the dense fast kernels; `workspace` holds
// conv2d_workspace_floats(...) floats. The result is the reference's up to rounding.
void conv2d_forward_fast(float* out, const float* inp, const float* kernel, const float* bias,
                         float* workspace, std::size_t B, std::size_t H, std::size_t W,
                         std::size_t C, std::size_t OC, std::size_t K, bool relu);
void conv2d_backward_fast(float* dinp, float* dkernel, float* dbias, const float* dout,
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
