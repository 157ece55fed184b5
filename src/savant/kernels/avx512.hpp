#pragma once
// The AVX-512 kernels' entry points, callable from code compiled for any x86-64 once
// active_isa() is Isa::avx512 (kernels/isa.hpp); each is the fast version of the kernel of the
// same name in dense.hpp, adam.hpp, pool.hpp or softmax.hpp, and is only compiled when
// SAVANT_HAVE_AVX512 is defined.
//
// How a file compiles AVX-512 code: it includes every header it needs first, then wraps its
// kernels in SAVANT_AVX512_BEGIN ... SAVANT_AVX512_END. Only the functions defined in between
// get the target: an inline function or template of a header included before (std::vector,
// std::min, ...) keeps the generic one, so the linker can never pick an AVX-512 copy of it for
// a portable caller. Headers of AVX-512 helpers (simd_avx512.hpp, fused_avx512.hpp) are the
// exception: they are included inside the region, and only by such files.

#include <cstddef>
#include <cstdint>

#include "savant/kernels/adam_config.hpp"

// Every feature the kernels use; isa_available(Isa::avx512) checks the same list on the CPU.
#define SAVANT_AVX512_BEGIN   \
  _Pragma("GCC push_options") \
      _Pragma("GCC target(\"avx512f,avx512bw,avx512vl,avx512dq,fma,bmi,bmi2,popcnt\")")
#define SAVANT_AVX512_END _Pragma("GCC pop_options")

namespace savant {
struct StepResult;  // kernels/softmax.hpp
}  // namespace savant

namespace savant::avx512 {

void dense_forward_columns(float* out, const float* inp, const float* kernel, const float* bias,
                           std::size_t B, std::size_t C, std::size_t OC, std::size_t c_begin,
                           std::size_t c_end, bool relu);
void dense_dkernel_rows(float* dkernel, const float* inp, const float* dout, std::size_t B,
                        std::size_t C, std::size_t OC, std::size_t k_begin, std::size_t k_end);
void dense_dinput(float* dinp, const float* dout, const float* kernel, const float* activation,
                  std::size_t B, std::size_t C, std::size_t OC);
bool adam_update(float* w, float* m, float* v, const float* g, std::size_t n, float alpha,
                 const AdamConfig& config);
// The one-pass kernels of pool.hpp and dense.hpp (eltwise_avx512.cpp).
void residual_sum(float* out, const float* a, const float* b, std::size_t n);
void sum_arrays(float* out, const float* const* parts, std::size_t count, std::size_t n);
void relu_forward(float* x, std::size_t n);
void relu_backward(float* d, const float* activation, std::size_t n);
void broadcast_rows(float* out, const float* row, std::size_t rows, std::size_t cols);
void broadcast_columns(float* out, const float* values, std::size_t rows, std::size_t cols);
void add_row_sums(float* sums, const float* x, std::size_t rows, std::size_t n);
void dense_dbias(float* dbias, const float* dout, std::size_t B, std::size_t OC);
// glibc's vector expf (libmvec) where the build found it, else the reference softmax.
StepResult softmax_cross_entropy(float* dlogits, const float* logits, const std::uint8_t* labels,
                                 std::size_t B, std::size_t K, float scale);

}  // namespace savant::avx512
