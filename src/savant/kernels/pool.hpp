#pragma once
// Pooling, the residual sum and the other one-pass kernels of the convolutional and mixer
// models, channels-last like kernels/conv.hpp. Each is one pass over its buffers with no
// multiply-add: the pooling kernels are plain loops written without branches (GCC vectorises
// them); the elementwise ones, which the mixer calls on every activation, also have an AVX-512
// path (kernels/eltwise_avx512.cpp) taken when active_isa() says so, giving the same bits.
// tests/kernels/test_layers.cpp checks the gradients against finite differences and the two
// paths against each other.

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

// out (n) = a (n) + b (n): a residual sum into a third buffer (the copy and residual_add in
// one pass); out may be a (residual_add is this).
void residual_sum(float* out, const float* a, const float* b, std::size_t n);

// out (n) = the sum of parts[0..count) (each n), added in order; count >= 1.
void sum_arrays(float* out, const float* const* parts, std::size_t count, std::size_t n);

// x (n) = max(x, 0) in place (std::max(x, 0.0f): NaN and -0 stay).
void relu_forward(float* x, std::size_t n);

// d (n) *= (activation (n) > 0): the gradient through a ReLU, given the ReLU's output.
void relu_backward(float* d, const float* activation, std::size_t n);

// out (rows, cols): every row a copy of row (cols), as a dense layer's bias starts its output.
void broadcast_rows(float* out, const float* row, std::size_t rows, std::size_t cols);
// out (rows, cols): row r filled with values[r], as a token-mixing layer's bias starts its
// output.
void broadcast_columns(float* out, const float* values, std::size_t rows, std::size_t cols);

// sums (rows) += the sum of each row of x (rows, n), each in a fixed order: 16 running sums
// over the entries j = k (mod 16), then those 16 and the tail in order. A token-mixing layer's
// bias gradient.
void add_row_sums(float* sums, const float* x, std::size_t rows, std::size_t n);

}  // namespace savant
