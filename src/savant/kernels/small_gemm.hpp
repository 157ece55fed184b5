#pragma once
// Products of small row-major matrices, the mixer's layers (kernels/tokens.hpp): a chunk of 8
// images is a few hundred token rows, and token mixing is one 64 x 16 x 64 product per image,
// sizes at which the dense layer's kernels (kernels/dense.hpp, blocked for one large matrix)
// reach a third of the core's peak. LIBXSMM (Debian's libxsmm-dev, which scripts/setup
// installs) generates a kernel for each shape at run time and reaches most of it; without
// LIBXSMM the same products run on the dense layer's fast kernels. bench_layers times both.
//
// Every product adds over k in order for each output entry and never splits k, so a result does
// not depend on how the rows are cut into blocks; the backend is fixed for a build and recorded
// in the engine name (small_gemm_backend_name).

#include <cstddef>

namespace savant {

// "libxsmm" or "dense" (the dense layer's kernels): the backend of this build.
const char* small_gemm_backend_name();

// C (M, N) = A (M, K) @ B (K, N), or C += A @ B when `accumulate`. Row-major, rows packed
// (leading dimensions K, N and N).
void small_gemm(float* C, const float* A, const float* B, std::size_t M, std::size_t K,
                std::size_t N, bool accumulate);

// C (K, N) = A^T @ B with A (M, K), B (M, N): the product over rows, a dense layer's kernel
// gradient.
void small_gemm_tn(float* C, const float* A, const float* B, std::size_t M, std::size_t K,
                   std::size_t N);

// out (cols, rows) = in (rows, cols) transposed.
void transpose(float* out, const float* in, std::size_t rows, std::size_t cols);

// The dense layer's three products (kernels/dense.hpp's reference semantics) on small_gemm.
// out (B, OC) = inp (B, C) @ kernel (C, OC) + bias (OC), then ReLU when `relu`.
void dense_forward_small(float* out, const float* inp, const float* kernel, const float* bias,
                         std::size_t B, std::size_t C, std::size_t OC, bool relu);
// dkernel (C, OC) = inp^T @ dout (B, OC).
void dense_dkernel_small(float* dkernel, const float* inp, const float* dout, std::size_t B,
                         std::size_t C, std::size_t OC);
// dinp (B, C) = dout (B, OC) @ kernel^T, times (activation > 0) when `activation` is not null;
// `workspace` holds C*OC floats (the kernel transposed).
void dense_dinput_small(float* dinp, const float* dout, const float* kernel,
                        const float* activation, float* workspace, std::size_t B, std::size_t C,
                        std::size_t OC);

}  // namespace savant
