#pragma once
// The matrix kernels of a dense layer, each as a plain reference loop and a fast version. The
// fast ones use AVX-512 where the target has it (a portable loop otherwise); tests/
// test_kernels.cpp compares each with its reference on random input and bench/bench_kernels.cpp
// times both. All buffers are row-major float32.
//
// The fast kernels skip the zero entries of a layer's input: about half the pixels of a
// Fashion-MNIST image and half the hidden units after a ReLU are exactly zero, and their
// products add nothing. For finite weights the result is the reference's up to rounding (the
// fast kernels use fused multiply-adds); a NaN or infinity meeting a zero input is dropped
// instead of spreading, which the training loop's checks still catch (through the loss, or the
// weights at the end of an epoch).

#include <cstddef>

namespace savant {

// out (B, OC) = inp (B, C) @ kernel (C, OC) + bias (OC), then ReLU when `relu`.
void dense_forward_reference(float* out, const float* inp, const float* kernel, const float* bias,
                             std::size_t B, std::size_t C, std::size_t OC, bool relu);
void dense_forward_fast(float* out, const float* inp, const float* kernel, const float* bias,
                        std::size_t B, std::size_t C, std::size_t OC, bool relu);
// Only the columns [c_begin, c_end) of out (c_begin a multiple of 16), bitwise as
// dense_forward_fast computes them: threads can split a layer by columns.
void dense_forward_fast_columns(float* out, const float* inp, const float* kernel,
                                const float* bias, std::size_t B, std::size_t C, std::size_t OC,
                                std::size_t c_begin, std::size_t c_end, bool relu);

// dkernel (C, OC) = inp^T (C, B) @ dout (B, OC): the gradient of a layer's kernel.
void dense_dkernel_reference(float* dkernel, const float* inp, const float* dout, std::size_t B,
                             std::size_t C, std::size_t OC);
void dense_dkernel_fast(float* dkernel, const float* inp, const float* dout, std::size_t B,
                        std::size_t C, std::size_t OC);
// Only the rows [k_begin, k_end) of the kernel gradient, bitwise as dense_dkernel_fast
// computes them, into dkernel (k_end - k_begin, OC): threads can split a layer by rows, and a
// block of rows can be used while it is in L1.
void dense_dkernel_fast_rows(float* dkernel, const float* inp, const float* dout, std::size_t B,
                             std::size_t C, std::size_t OC, std::size_t k_begin, std::size_t k_end);

// dinp (B, C) = dout (B, OC) @ kernel^T (OC, C): the gradient of a layer's input. When
// `activation` (B, C) is not null, the gradient continues through the ReLU that produced the
// input: dinp *= (activation > 0).
void dense_dinput_reference(float* dinp, const float* dout, const float* kernel,
                            const float* activation, std::size_t B, std::size_t C, std::size_t OC);
void dense_dinput_fast(float* dinp, const float* dout, const float* kernel, const float* activation,
                       std::size_t B, std::size_t C, std::size_t OC);

// dbias (OC) = column sums of dout (B, OC), rows added in order.
void dense_dbias(float* dbias, const float* dout, std::size_t B, std::size_t OC);

// out (n) = pixels (n) / 255 as float32 (computed as pixels * (1/255)).
void scale_pixels_reference(float* out, const unsigned char* pixels, std::size_t n);
void scale_pixels_fast(float* out, const unsigned char* pixels, std::size_t n);

}  // namespace savant
