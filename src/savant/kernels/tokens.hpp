#pragma once
// The layers of the mixer model (docs/ARCHITECTURE.md), whose tokens are the blocks of the
// puzzle's grid: a patch embedding and a token-mixing dense layer, each as a plain reference
// loop and a fast version built on small matrix products (kernels/small_gemm.hpp).
// tests/kernels/test_layers.cpp compares them and checks the gradients against finite
// differences. All buffers float32, row-major; like kernels/conv.hpp, each function works on
// its batch on the calling thread with a fixed order of additions.

#include <cstddef>

namespace savant {

// tokens (B, g*g, s*s) with s = H / g = W / g: token t = by * g + bx holds block (by, bx) of
// inp (B, H, W), its pixels in row-major order (the blocks of data/grid.hpp).
void patchify(float* tokens, const float* inp, std::size_t B, std::size_t H, std::size_t W,
              std::size_t g);

// out (B, T, D) = patchify(inp (B, H, W)) (B, T, P) @ kernel (P, D) + bias (D), with T = g*g
// and P = (H/g)*(W/g): one dense layer shared by every block.
void patch_embed_forward_reference(float* out, const float* inp, const float* kernel,
                                   const float* bias, std::size_t B, std::size_t H, std::size_t W,
                                   std::size_t g, std::size_t D);
// dkernel (P, D) and dbias (D), overwritten, from dout (B, T, D). The images need no gradient.
void patch_embed_backward_reference(float* dkernel, float* dbias, const float* dout,
                                    const float* inp, std::size_t B, std::size_t H, std::size_t W,
                                    std::size_t g, std::size_t D);
// As the references; `workspace` holds B*H*W floats: the forward pass leaves the patches
// (B, T, P) there, and the backward pass takes them from there (`patches`), as the same images'
// forward pass left them, instead of cutting the images again.
void patch_embed_forward_fast(float* out, const float* inp, const float* kernel, const float* bias,
                              float* workspace, std::size_t B, std::size_t H, std::size_t W,
                              std::size_t g, std::size_t D);
void patch_embed_backward_fast(float* dkernel, float* dbias, const float* dout,
                               const float* patches, std::size_t B, std::size_t H, std::size_t W,
                               std::size_t g, std::size_t D);

// Token mixing, a dense layer across tokens applied to every channel alike:
// out[b] (TO, D) = kernel (TO, TI) @ inp[b] (TI, D) + bias (TO) (one bias per output token),
// then ReLU when `relu`. inp is (B, TI, D), out (B, TO, D). The kernel is (out, in), as
// PyTorch's nn.Linear stores its weight.
void token_mix_forward_reference(float* out, const float* inp, const float* kernel,
                                 const float* bias, std::size_t B, std::size_t TI, std::size_t TO,
                                 std::size_t D, bool relu);
// Gradients from dout (B, TO, D), the gradient of the output before any ReLU: dkernel (TO, TI)
// and dbias (TO) overwritten, images added in order; dinp (B, TI, D) overwritten unless null,
// multiplied by (activation > 0) when `activation` (B, TI, D) is not null.
void token_mix_backward_reference(float* dinp, float* dkernel, float* dbias, const float* dout,
                                  const float* inp, const float* kernel, const float* activation,
                                  std::size_t B, std::size_t TI, std::size_t TO, std::size_t D);
// As the references; the backward pass's `workspace` holds TI * (D + TO) floats (one image's
// tokens and the kernel, transposed).
void token_mix_forward_fast(float* out, const float* inp, const float* kernel, const float* bias,
                            std::size_t B, std::size_t TI, std::size_t TO, std::size_t D,
                            bool relu);
void token_mix_backward_fast(float* dinp, float* dkernel, float* dbias, const float* dout,
                             const float* inp, const float* kernel, const float* activation,
                             float* workspace, std::size_t B, std::size_t TI, std::size_t TO,
                             std::size_t D);

}  // namespace savant
