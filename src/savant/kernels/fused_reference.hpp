#pragma once
// The fused engine's kernels (kernels/fused_avx512.hpp, kernels/fused_backward_avx512.hpp) as
// plain loops: the specification of each, in the kernels' own memory layouts, tested against
// them in tests/kernels/test_fused_kernels.cpp and timed beside them in bench/bench_kernels.cpp.
//
// Shapes: C pixels, K classes (Kp: K rounded up to 16), `rows` images of a batch of up to B;
// a member of the engine's team owns `pad` hidden units (16 per group, its groups from group0);
// a panel of its units is `width` units wide in a slab whose rows are `stride` floats apart.
// All buffers are row-major float32.
//
// Every sum is a chain of fused multiply-adds (std::fma) in the order stated, as the kernels add
// it, so that the kernels give these functions' bits. A term whose pixel is 0 is skipped: it
// would add exactly 0. Adam's update is a parameter: adam_update_reference states the rule, and
// with adam_update_fast (the arithmetic of the kernels' adam_lanes) the results are bitwise the
// kernels'.

#include <cstddef>
#include <cstdint>
#include <span>

#include "savant/data/image_set.hpp"
#include "savant/kernels/adam_config.hpp"

namespace savant {

using AdamUpdateFn = bool (*)(float* w, float* m, float* v, const float* g, std::size_t n,
                              float alpha, const AdamConfig& config);

// The batch `indices` of `images` (C = pixels per image, rows = indices.size()):
//   x (rows, C): the pixels scaled by scale_pixels_reference (as gather_batch scales them);
//   row_bits (rows, ceil(C / 64)): bit j of word w is x[r][64 w + j] != 0;
//   col_bits (chunks, C): bit r of [c][k] is x[32 c + r][k] != 0 (0 beyond `rows`);
//   labels_out (rows): labels[indices[r]].
void fused_gather_reference(float* x, std::uint64_t* row_bits, std::uint32_t* col_bits,
                            std::uint8_t* labels_out, const ImageSet& images,
                            std::span<const std::uint32_t> indices,
                            std::span<const std::uint8_t> labels, std::size_t chunks);

// One block of the forward pass through a panel, pixel rows [k0, k0 + kn): for b < rows,
// j < width, h[b][j] starts from bias[j] when k0 == 0 (else from itself), adds
// x[b][k] * w[k][j] for k in order, and goes through the ReLU when k0 + kn == C.
//   h (rows, h_stride), its panel's columns from h; x (rows, C); w (C, stride); bias (width).
void fused_forward_block_reference(float* h, std::size_t h_stride, const float* x, const float* w,
                                   std::size_t stride, const float* bias, std::size_t rows,
                                   std::size_t C, std::size_t width, std::size_t k0,
                                   std::size_t kn);

// The partial logits of a member's groups: for each group gi < pad / 16, b < rows, o < Kp,
//   out[group0 + gi][b][o] = (group0 + gi == 0 ? b2[o] : 0) + s, where s adds
//   h[b][16 gi + j] * w2r[16 gi + j][o] for j = 0 .. 15 in order, from 0.
//   out (groups, B, Kp); h (rows, pad); w2r (pad, Kp); b2 (Kp).
void fused_partials_reference(float* out, const float* h, const float* w2r, const float* b2,
                              std::size_t rows, std::size_t pad, std::size_t Kp, std::size_t B,
                              std::size_t group0);

// The gradient of the hidden units' outputs through the ReLU: dh[b][j] adds
// dlogits[b][o] * w2t[o][j] for o in order, and is 0 where h[b][j] <= 0.
//   dh, h (rows, pad); dlogits (rows, K); w2t (K, pad). False when an entry of dh is not finite.
bool fused_hidden_gradient_reference(float* dh, const float* dlogits, const float* w2t,
                                     const float* h, std::size_t rows, std::size_t K,
                                     std::size_t pad);

// The second kernel's gradient, transposed: dw2t[o][j] adds h[b][j] * dlogits[b][o] for b in
// order. dw2t (K, pad); h (rows, pad); dlogits (rows, K).
void fused_second_kernel_gradient_reference(float* dw2t, const float* h, const float* dlogits,
                                            std::size_t rows, std::size_t K, std::size_t pad);

// The first kernel's gradient on a panel, pixel rows [k0, k0 + kn): dw[k - k0][j] adds
// x[b][k] * dh[b][off + j] for b in order. dw (kn, width); x (rows, C); dh (rows, pad).
void fused_kernel_gradient_reference(float* dw, const float* x, const float* dh, std::size_t rows,
                                     std::size_t C, std::size_t pad, std::size_t off,
                                     std::size_t width, std::size_t k0, std::size_t kn);

// small_layer_vectors over all of a member's units: dh (fused_hidden_gradient_reference, from
// w2t before its update), then Adam's update of w2t with fused_second_kernel_gradient_reference
// and of b1 with the column sums of dh (dense_dbias). False when a gradient is not finite.
//   dh, h (rows, pad); dlogits (rows, K); w2t, w2m, w2v (K, pad); b1, b1m, b1v (pad).
bool fused_small_layers_reference(float* dh, float* w2t, float* w2m, float* w2v, float* b1,
                                  float* b1m, float* b1v, const float* h, const float* dlogits,
                                  std::size_t rows, std::size_t K, std::size_t pad, float alpha,
                                  const AdamConfig& config, AdamUpdateFn update);

// fused_panel: the first kernel's gradient of the batch x (rows), Adam's update of the panel's
// slab (its padding units too, whose gradients are 0), then, when next_rows > 0, the forward
// pass of next_x through the updated slab into h_next from bias.
//   w, m, v (C, stride); x (rows, C); dh (rows, pad); next_x (next_rows, C);
//   h_next (next_rows, pad), the panel's columns from h_next + off; bias (stride).
void fused_panel_reference(float* w, float* m, float* v, std::size_t stride, const float* x,
                           std::size_t rows, const float* dh, std::size_t pad, std::size_t off,
                           std::size_t C, const float* next_x, std::size_t next_rows, float* h_next,
                           const float* bias, float alpha, const AdamConfig& config,
                           AdamUpdateFn update);

}  // namespace savant
