#pragma once
// The 2-D convolution of kernels/conv.hpp computed by oneDNN (Debian's libdnnl-dev), where the
// build found it: its direct convolutions with register-blocked kernels, 3 to 5 times faster
// than im2col and the dense kernels on the models' layers (docs/PERFORMANCE.md). Same buffers,
// layouts and meaning as conv2d_forward_reference and conv2d_backward_reference; the result is
// theirs up to rounding (tests/kernels/test_layers.cpp).
//
// Deterministic whatever the number of threads: each call runs on the calling thread alone
// (oneDNN's OpenMP team set to one thread for the call, and restored after), so a chunk of
// images gives the same bits on whichever worker computes it. The primitives are created once
// per shape and shared by every thread; each call brings its own scratch memory (`workspace`).

#include <cstddef>
#include <string>

namespace savant {

// True when this build has oneDNN (SAVANT_HAVE_ONEDNN).
bool conv2d_onednn_built();

// Floats of workspace the two functions below need for this shape (weights in oneDNN's
// layout, their gradient, and oneDNN's scratch memory); 0 when the build has no oneDNN.
std::size_t conv2d_onednn_workspace_floats(std::size_t B, std::size_t H, std::size_t W,
                                           std::size_t C, std::size_t OC, std::size_t K);

// As conv2d_forward_reference and conv2d_backward_reference (kernels/conv.hpp). Throw
// std::logic_error when the build has no oneDNN.
void conv2d_forward_onednn(float* out, const float* inp, const float* kernel, const float* bias,
                           float* workspace, std::size_t B, std::size_t H, std::size_t W,
                           std::size_t C, std::size_t OC, std::size_t K, bool relu);
void conv2d_backward_onednn(float* dinp, float* dkernel, float* dbias, const float* dout,
                            const float* inp, const float* kernel, const float* activation,
                            float* workspace, std::size_t B, std::size_t H, std::size_t W,
                            std::size_t C, std::size_t OC, std::size_t K);

// The oneDNN implementations chosen for a shape ("forward: ..., backward data: ..., backward
// weights: ..."), for the benchmarks and docs/PERFORMANCE.md; empty without oneDNN.
std::string conv2d_onednn_implementations(std::size_t B, std::size_t H, std::size_t W,
                                          std::size_t C, std::size_t OC, std::size_t K);

}  // namespace savant
