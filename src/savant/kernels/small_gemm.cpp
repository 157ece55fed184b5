#include "savant/kernels/small_gemm.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/pool.hpp"

#ifdef SAVANT_HAVE_LIBXSMM
#include <libxsmm.h>
#endif

namespace savant {

#ifdef SAVANT_HAVE_LIBXSMM

namespace {

// Rows are cut into blocks of this many, so the kernels LIBXSMM generates stay few and small.
constexpr std::size_t kRowBlock = 64;

// LIBXSMM's registry hashes each request; the few shapes of a model are kept per thread here.
struct Kernel {
  libxsmm_blasint n = 0, k = 0, rows = 0, lda = 0;
  bool accumulate = false, transposed = false;
  libxsmm_smmfunction function = nullptr;
};

// C (rows, N) = op(A) @ B (K, N) (+ C), op(A) = A (rows, K), or A^T when `transposed` with A
// stored (K, lda) row-major.
libxsmm_smmfunction kernel_for(std::size_t N, std::size_t K, std::size_t rows, bool accumulate,
                               bool transposed = false, std::size_t lda = 0) {
  thread_local std::array<Kernel, 16> cache{};
  thread_local std::size_t next = 0;
  const auto n = static_cast<libxsmm_blasint>(N), k = static_cast<libxsmm_blasint>(K),
             r = static_cast<libxsmm_blasint>(rows),
             ld = static_cast<libxsmm_blasint>(transposed ? lda : K);
  for (const Kernel& c : cache) {
    if (c.function != nullptr && c.n == n && c.k == k && c.rows == r && c.lda == ld &&
        c.accumulate == accumulate && c.transposed == transposed)
      return c.function;
  }
  // Row-major C (rows, N) = A (rows, K) @ B (K, N) is column-major C^T = B^T A^T: LIBXSMM's
  // m = N, n = rows, k = K, its A is our B (leading dimension N), its B our A (K; transposed,
  // LIBXSMM's TRANS_B with leading dimension lda).
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  const int flags = transposed ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
  const libxsmm_smmfunction f =
      libxsmm_smmdispatch(n, r, k, &n, &ld, &n, &alpha, &beta, &flags, nullptr);
  if (f == nullptr) {
    throw Error(
        fmt::format("LIBXSMM generated no kernel for a {} x {} x {} product; run with a "
                    "build without LIBXSMM (cmake -DSAVANT_LIBXSMM=OFF)",
                    rows, K, N));
  }
  cache[next] = {n, k, r, ld, accumulate, transposed, f};
  next = (next + 1) % cache.size();
  return f;
}

}  // namespace

const char* small_gemm_backend_name() {
  return "libxsmm";
}

void small_gemm(float* C, const float* A, const float* B, std::size_t M, std::size_t K,
                std::size_t N, bool accumulate) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate) std::fill(C, C + M * N, 0.0f);
    return;
  }
  const std::size_t full = M / kRowBlock * kRowBlock;
  if (full > 0) {
    const libxsmm_smmfunction f = kernel_for(N, K, kRowBlock, accumulate);
    for (std::size_t r = 0; r < full; r += kRowBlock) f(B, A + r * K, C + r * N);
  }
  if (full < M) kernel_for(N, K, M - full, accumulate)(B, A + full * K, C + full * N);
}

void small_gemm_tn(float* C, const float* A, const float* B, std::size_t M, std::size_t K,
                   std::size_t N) {
  if (K == 0 || N == 0) return;
  if (M == 0) {
    std::fill(C, C + K * N, 0.0f);
    return;
  }
  // C's rows are A's columns: a block of them starts at A + r, the leading dimension stays K.
  const std::size_t full = K / kRowBlock * kRowBlock;
  if (full > 0) {
    const libxsmm_smmfunction f = kernel_for(N, M, kRowBlock, false, true, K);
    for (std::size_t r = 0; r < full; r += kRowBlock) f(B, A + r, C + r * N);
  }
  if (full < K) kernel_for(N, M, K - full, false, true, K)(B, A + full, C + full * N);
}

void transpose(float* out, const float* in, std::size_t rows, std::size_t cols) {
  // Row-major (rows, cols) is column-major (cols x rows) with leading dimension cols.
  libxsmm_otrans(out, in, sizeof(float), static_cast<libxsmm_blasint>(cols),
                 static_cast<libxsmm_blasint>(rows), static_cast<libxsmm_blasint>(cols),
                 static_cast<libxsmm_blasint>(rows));
}

#else

const char* small_gemm_backend_name() {
  return "dense";
}

void small_gemm(float* C, const float* A, const float* B, std::size_t M, std::size_t K,
                std::size_t N, bool accumulate) {
  if (!accumulate) {
    dense_forward_fast(C, A, B, nullptr, M, K, N, false);
    return;
  }
  thread_local std::vector<float> product;
  product.resize(M * N);
  dense_forward_fast(product.data(), A, B, nullptr, M, K, N, false);
  residual_add(C, product.data(), M * N);
}

void small_gemm_tn(float* C, const float* A, const float* B, std::size_t M, std::size_t K,
                   std::size_t N) {
  dense_dkernel_fast(C, A, B, M, K, N);
}

void transpose(float* out, const float* in, std::size_t rows, std::size_t cols) {
  // Blocks of 16 x 16, so both sides stay in a few cache lines per block.
  constexpr std::size_t kBlock = 16;
  for (std::size_t r0 = 0; r0 < rows; r0 += kBlock) {
    const std::size_t r1 = std::min(rows, r0 + kBlock);
    for (std::size_t c0 = 0; c0 < cols; c0 += kBlock) {
      const std::size_t c1 = std::min(cols, c0 + kBlock);
      for (std::size_t r = r0; r < r1; ++r) {
        for (std::size_t c = c0; c < c1; ++c) out[c * rows + r] = in[r * cols + c];
      }
    }
  }
}

#endif

// Blocks of this many rows, so that each block's bias, product and ReLU meet in the L1 cache.
constexpr std::size_t kPassRows = 64;

void dense_forward_small(float* out, const float* inp, const float* kernel, const float* bias,
                         std::size_t B, std::size_t C, std::size_t OC, bool relu) {
  // The bias first, then the products added to it, as the reference adds.
  for (std::size_t r = 0; r < B; r += kPassRows) {
    const std::size_t rows = std::min(kPassRows, B - r);
    float* block = out + r * OC;
    if (bias != nullptr) {
      broadcast_rows(block, bias, rows, OC);
    } else {
      std::fill(block, block + rows * OC, 0.0f);
    }
    small_gemm(block, inp + r * C, kernel, rows, C, OC, true);
    if (relu) relu_forward(block, rows * OC);
  }
}

void dense_dkernel_small(float* dkernel, const float* inp, const float* dout, std::size_t B,
                         std::size_t C, std::size_t OC) {
  small_gemm_tn(dkernel, inp, dout, B, C, OC);
}

void dense_dinput_small(float* dinp, const float* dout, const float* kernel,
                        const float* activation, float* workspace, std::size_t B, std::size_t C,
                        std::size_t OC) {
  transpose(workspace, kernel, C, OC);
  for (std::size_t r = 0; r < B; r += kPassRows) {
    const std::size_t rows = std::min(kPassRows, B - r);
    small_gemm(dinp + r * C, dout + r * OC, workspace, rows, OC, C, false);
    if (activation != nullptr) relu_backward(dinp + r * C, activation + r * C, rows * C);
  }
}

}  // namespace savant
