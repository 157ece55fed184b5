#pragma once
// Pooling and the residual sum of the convolutional and mixer models, channels-last like
// kernels/conv.hpp. Each is one pass over its buffers with no multiply-add to speed up: the
// plain loop, written without branches, is the only version (GCC vectorises it), and
// tests/kernels/test_layers.cpp checks its gradient against finite differences.

#include <cstddef>

namespace savant {

// out (B, H/2, W/2, C) = the maximum of each 2 x 2 block of inp (B, H, W, C); H and W even.
void maxpool2_forward(float* out, const float* inp, std::size_t B, std::size_t H, std::size_t W,
                      std::size_t C);
// dinp (B, H, W, C), overwritten: each block's dout (B, H/2, W/2, C) goes to the block's
// maximum in inp (the first of equal ones, in row-major order), zero elsewhere.
void maxpool2_backward(float* dinp, const float* dout, const float* inp, std::size_t B,
                       std::size_t H, std::size_t W, std::size_t C);

// out (B, C) = the mean over the N positions of inp (B, N, C) (N = H*W pixels, or tokens),
// positions added in order.
void global_avgpool_forward(float* out, const float* inp, std::size_t B, std::size_t N,
                            std::size_t C);
// dinp (B, N, C), overwritten: dout (B, C) / N at every position.
void global_avgpool_backward(float* dinp, const float* dout, std::size_t B, std::size_t N,
                             std::size_t C);

// The residual sum h = h + f(h): out (n) += branch (n). Its gradient is the identity into both
// summands, so the backward pass is the same sum: dh (n) += dbranch (n).
void residual_add(float* out, const float* branch, std::size_t n);

// d (n) *= (activation (n) > 0): the gradient through a ReLU, given the ReLU's output.
void relu_backward(float* d, const float* activation, std::size_t n);

}  // namespace savant
