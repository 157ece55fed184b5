#pragma once
// The forward and backward passes of the architectures of model/architecture.hpp over a chunk
// of a batch, on the calling thread: the layers in order, each a call into kernels/. With
// KernelSet::reference every layer is its plain loop: that is the specification the fast
// kernels are tested against (tests/model/test_architectures.cpp), as model/reference_step.hpp
// is for the dense network.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "savant/kernels/softmax.hpp"
#include "savant/model/architecture.hpp"

namespace savant {

enum class KernelSet { reference, fast };

// The activations and their gradients for up to `rows` images; sized for one layout,
// allocated once. Names follow docs/ARCHITECTURE.md's description of each model; buffers a
// model does not use stay empty.
struct ArchWorkspace {
  ArchWorkspace(const ArchLayout& layout, std::size_t rows);
  std::size_t rows;
  // cnn: a1 (R,H,W,16) p1 (R,H/2,W/2,16) a2 (R,H/2,W/2,32) p2 (R,H/4,W/4,32) flat (R,F),
  //      hidden (R,128).  local: a1, a2 (R,H,W,32), a3 (R,H,W,classes), hidden (R,32).
  // mixer: h0, v, h1, e, h2 (R,T,64), u (R,64,64), c (R*T,128), hidden (R,64) the mean token.
  std::vector<float> a1, p1, a2, p2, a3, flat, hidden, h0, u, v, h1, c, e, h2;
  std::vector<float> logits;  // (R, classes)
  // The gradients of the loss with respect to the buffers of the same name.
  std::vector<float> da1, dp1, da2, dp2, da3, dflat, dhidden, dh0, du, dh1, dc, dh2, dlogits;
  // mixer, fast kernels: dh2's row (R, 64) and dc's row before its mask (R, 128), per image.
  std::vector<float> dimage;
  std::vector<float> cols;     // im2col's rows (conv) or the patches (mixer)
  std::vector<float> scratch;  // the mixer's transposes (kernels/small_gemm.hpp)
};

// The logits (rows, classes) of `inputs` (rows, H*W, pixels in [0, 1]), a view into ws.
std::span<const float> arch_forward(const ArchNetwork& net, const float* inputs, std::size_t rows,
                                    ArchWorkspace& ws, KernelSet kernels);

// The last hidden representation of the rows arch_forward last computed, (rows, width):
// cnn the 128 units of fc1, mixer the 64-wide mean token, local the means of conv2's 32 maps
// over the image (computed here). `width` receives the width.
std::span<const float> arch_hidden(const ArchNetwork& net, ArchWorkspace& ws, std::size_t rows,
                                   std::size_t& width);

// Forward and backward over `rows` images: `grad` (layout.total) is overwritten with the
// gradient of sum(loss of the rows) * scale (scale = 1 / the batch's rows gives the batch mean
// when the chunks' gradients are added). Returns the rows' summed loss and correct count.
StepResult arch_forward_backward(const ArchNetwork& net, const float* inputs,
                                 const std::uint8_t* labels, std::size_t rows, float scale,
                                 ArchWorkspace& ws, std::span<float> grad, KernelSet kernels);

}  // namespace savant
