#include "savant/model/arch_passes.hpp"

#include <algorithm>

#include "savant/kernels/conv.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/pool.hpp"
#include "savant/kernels/small_gemm.hpp"
#include "savant/kernels/tokens.hpp"

namespace savant {

namespace {

constexpr std::size_t kWidth = 64, kTokenHidden = 64, kChannelHidden = 128;

std::size_t tokens(const ArchLayout& l) {
  return l.grid * l.grid;
}

// Which fast kernels a dense layer takes: the dense layer's own, blocked for one large matrix,
// or the small products (kernels/small_gemm.hpp) for the mixer's channel MLP, a few hundred
// token rows.
enum class Product { blocked, small };

// One layer call with the kernel set chosen: the fast version or the reference.
struct Layers {
  KernelSet set;
  float* cols;
  float* scratch;

  void conv(float* out, const float* inp, const float* k, const float* b, std::size_t R,
            std::size_t H, std::size_t W, std::size_t C, std::size_t OC, std::size_t K,
            bool relu) const {
    if (set == KernelSet::fast) {
      conv2d_forward_fast(out, inp, k, b, cols, R, H, W, C, OC, K, relu);
    } else {
      conv2d_forward_reference(out, inp, k, b, R, H, W, C, OC, K, relu);
    }
  }
  void conv_back(float* dinp, float* dk, float* db, const float* dout, const float* inp,
                 const float* k, const float* act, std::size_t R, std::size_t H, std::size_t W,
                 std::size_t C, std::size_t OC, std::size_t K) const {
    if (set == KernelSet::fast) {
      conv2d_backward_fast(dinp, dk, db, dout, inp, k, act, cols, R, H, W, C, OC, K);
    } else {
      conv2d_backward_reference(dinp, dk, db, dout, inp, k, act, R, H, W, C, OC, K);
    }
  }
  void dense(float* out, const float* inp, const float* k, const float* b, std::size_t R,
             std::size_t C, std::size_t OC, bool relu, Product product = Product::blocked) const {
    if (set == KernelSet::fast && product == Product::small) {
      dense_forward_small(out, inp, k, b, R, C, OC, relu);
    } else if (set == KernelSet::fast) {
      dense_forward_fast(out, inp, k, b, R, C, OC, relu);
    } else {
      dense_forward_reference(out, inp, k, b, R, C, OC, relu);
    }
  }
  // dk, db from dout; dinp (masked by act when not null) unless null.
  void dense_back(float* dinp, float* dk, float* db, const float* dout, const float* inp,
                  const float* k, const float* act, std::size_t R, std::size_t C, std::size_t OC,
                  Product product = Product::blocked) const {
    if (set == KernelSet::fast && product == Product::small) {
      dense_dkernel_small(dk, inp, dout, R, C, OC);
      if (dinp != nullptr) dense_dinput_small(dinp, dout, k, act, scratch, R, C, OC);
    } else if (set == KernelSet::fast) {
      dense_dkernel_fast(dk, inp, dout, R, C, OC);
      if (dinp != nullptr) dense_dinput_fast(dinp, dout, k, act, R, C, OC);
    } else {
      dense_dkernel_reference(dk, inp, dout, R, C, OC);
      if (dinp != nullptr) dense_dinput_reference(dinp, dout, k, act, R, C, OC);
    }
    dense_dbias(db, dout, R, OC);
  }
  void token_mix(float* out, const float* inp, const float* k, const float* b, std::size_t R,
                 std::size_t TI, std::size_t TO, std::size_t D, bool relu) const {
    if (set == KernelSet::fast) {
      token_mix_forward_fast(out, inp, k, b, R, TI, TO, D, relu);
    } else {
      token_mix_forward_reference(out, inp, k, b, R, TI, TO, D, relu);
    }
  }
  void token_mix_back(float* dinp, float* dk, float* db, const float* dout, const float* inp,
                      const float* k, const float* act, std::size_t R, std::size_t TI,
                      std::size_t TO, std::size_t D) const {
    if (set == KernelSet::fast) {
      token_mix_backward_fast(dinp, dk, db, dout, inp, k, act, scratch, R, TI, TO, D);
    } else {
      token_mix_backward_reference(dinp, dk, db, dout, inp, k, act, R, TI, TO, D);
    }
  }
};

// flat (R, C*S) channel-major, as PyTorch flattens (C, H, W), from inp (R, S, C) channels-last.
void to_channel_major(float* flat, const float* inp, std::size_t R, std::size_t S, std::size_t C) {
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t c = 0; c < C; ++c) flat[(r * C + c) * S + s] = inp[(r * S + s) * C + c];
    }
  }
}
void to_channels_last(float* out, const float* flat, std::size_t R, std::size_t S, std::size_t C) {
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t c = 0; c < C; ++c) out[(r * S + s) * C + c] = flat[(r * C + c) * S + s];
    }
  }
}

// Views of the parameters (or of a gradient with the same layout) by tensor name.
struct Params {
  const ArchLayout& layout;
  const float* base;
  const float* operator()(const char* name) const { return base + layout.offset(name); }
};
struct Grads {
  const ArchLayout& layout;
  float* base;
  float* operator()(const char* name) const { return base + layout.offset(name); }
};

}  // namespace

ArchWorkspace::ArchWorkspace(const ArchLayout& l, std::size_t R) : rows(R) {
  const std::size_t H = l.rows, W = l.cols, pixels = R * H * W;
  logits.resize(R * l.classes);
  dlogits.resize(R * l.classes);
  switch (l.arch) {
    case Architecture::mlp:
      break;
    case Architecture::cnn:
      a1.resize(pixels * 16), p1.resize(pixels / 4 * 16), a2.resize(pixels / 4 * 32);
      p2.resize(pixels / 16 * 32), flat.resize(pixels / 16 * 32), hidden.resize(R * 128);
      da1 = a1, dp1 = p1, da2 = a2, dp2 = p2, dflat = flat, dhidden = hidden;
      cols.resize(std::max(conv2d_workspace_floats(R, H, W, 1, 16, 3),
                           conv2d_workspace_floats(R, H / 2, W / 2, 16, 32, 3)));
      break;
    case Architecture::local:
      a1.resize(pixels * 32), a2.resize(pixels * 32), a3.resize(pixels * l.classes);
      hidden.resize(R * 32);
      da1 = a1, da2 = a2, da3 = a3;
      cols.resize(std::max({conv2d_workspace_floats(R, H, W, 1, 32, 3),
                            conv2d_workspace_floats(R, H, W, 32, 32, 3),
                            conv2d_workspace_floats(R, H, W, 32, l.classes, 1)}));
      break;
    case Architecture::mixer: {
      const std::size_t T = tokens(l);
      h0.resize(R * T * kWidth), v = h0, h1 = h0, e = h0, h2 = h0;
      u.resize(R * kTokenHidden * kWidth), c.resize(R * T * kChannelHidden);
      hidden.resize(R * kWidth);
      dh0 = h0, dh1 = h0, dh2 = h0, du = u, dc = c, dhidden = hidden;
      dimage.resize(R * (kWidth + kChannelHidden));
      cols.resize(pixels);
      // The largest transposes: one image's tokens and a token-mixing kernel, or a channel
      // kernel.
      scratch.resize(std::max(
          {kTokenHidden * (kWidth + T), T * (kWidth + kTokenHidden), kWidth * kChannelHidden}));
      break;
    }
  }
}

std::span<const float> arch_forward(const ArchNetwork& net, const float* x, std::size_t R,
                                    ArchWorkspace& ws, KernelSet kernels) {
  const ArchLayout& l = net.layout;
  const std::size_t H = l.rows, W = l.cols, K = l.classes;
  const Params p{l, net.params.data()};
  const Layers f{kernels, ws.cols.data(), ws.scratch.data()};
  switch (l.arch) {
    case Architecture::mlp:
      break;
    case Architecture::cnn: {
      const std::size_t F = 32 * (H / 4) * (W / 4);
      f.conv(ws.a1.data(), x, p("conv1.weight"), p("conv1.bias"), R, H, W, 1, 16, 3, true);
      maxpool2_forward(ws.p1.data(), ws.a1.data(), R, H, W, 16);
      f.conv(ws.a2.data(), ws.p1.data(), p("conv2.weight"), p("conv2.bias"), R, H / 2, W / 2, 16,
             32, 3, true);
      maxpool2_forward(ws.p2.data(), ws.a2.data(), R, H / 2, W / 2, 32);
      to_channel_major(ws.flat.data(), ws.p2.data(), R, (H / 4) * (W / 4), 32);
      f.dense(ws.hidden.data(), ws.flat.data(), p("fc1.weight"), p("fc1.bias"), R, F, 128, true);
      f.dense(ws.logits.data(), ws.hidden.data(), p("fc2.weight"), p("fc2.bias"), R, 128, K, false);
      break;
    }
    case Architecture::local:
      f.conv(ws.a1.data(), x, p("conv1.weight"), p("conv1.bias"), R, H, W, 1, 32, 3, true);
      f.conv(ws.a2.data(), ws.a1.data(), p("conv2.weight"), p("conv2.bias"), R, H, W, 32, 32, 3,
             true);
      f.conv(ws.a3.data(), ws.a2.data(), p("conv3.weight"), p("conv3.bias"), R, H, W, 32, K, 1,
             false);
      global_avgpool_forward(ws.logits.data(), ws.a3.data(), R, H * W, K);
      break;
    case Architecture::mixer: {
      const std::size_t T = tokens(l), n = R * T * kWidth;
      if (kernels == KernelSet::fast) {
        patch_embed_forward_fast(ws.h0.data(), x, p("embed.weight"), p("embed.bias"),
                                 ws.cols.data(), R, H, W, l.grid, kWidth);
      } else {
        patch_embed_forward_reference(ws.h0.data(), x, p("embed.weight"), p("embed.bias"), R, H, W,
                                      l.grid, kWidth);
      }
      f.token_mix(ws.u.data(), ws.h0.data(), p("token_mlp.0.weight"), p("token_mlp.0.bias"), R, T,
                  kTokenHidden, kWidth, true);
      f.token_mix(ws.v.data(), ws.u.data(), p("token_mlp.2.weight"), p("token_mlp.2.bias"), R,
                  kTokenHidden, T, kWidth, false);
      residual_sum(ws.h1.data(), ws.h0.data(), ws.v.data(), n);
      f.dense(ws.c.data(), ws.h1.data(), p("channel_mlp.0.weight"), p("channel_mlp.0.bias"), R * T,
              kWidth, kChannelHidden, true, Product::small);
      f.dense(ws.e.data(), ws.c.data(), p("channel_mlp.2.weight"), p("channel_mlp.2.bias"), R * T,
              kChannelHidden, kWidth, false, Product::small);
      residual_sum(ws.h2.data(), ws.h1.data(), ws.e.data(), n);
      global_avgpool_forward(ws.hidden.data(), ws.h2.data(), R, T, kWidth);
      f.dense(ws.logits.data(), ws.hidden.data(), p("head.weight"), p("head.bias"), R, kWidth, K,
              false);
      break;
    }
  }
  return {ws.logits.data(), R * K};
}

std::span<const float> arch_hidden(const ArchNetwork& net, ArchWorkspace& ws, std::size_t R,
                                   std::size_t& width) {
  const ArchLayout& l = net.layout;
  switch (l.arch) {
    case Architecture::local:
      global_avgpool_forward(ws.hidden.data(), ws.a2.data(), R, l.rows * l.cols, 32);
      width = 32;
      break;
    case Architecture::cnn:
      width = 128;
      break;
    case Architecture::mixer:
    case Architecture::mlp:
      width = kWidth;
      break;
  }
  return {ws.hidden.data(), R * width};
}

StepResult arch_forward_backward(const ArchNetwork& net, const float* x, const std::uint8_t* labels,
                                 std::size_t R, float scale, ArchWorkspace& ws,
                                 std::span<float> grad, KernelSet kernels) {
  const ArchLayout& l = net.layout;
  const std::size_t H = l.rows, W = l.cols, K = l.classes;
  const Params p{l, net.params.data()};
  const Grads g{l, grad.data()};
  const Layers f{kernels, ws.cols.data(), ws.scratch.data()};
  arch_forward(net, x, R, ws, kernels);
  const StepResult result =
      softmax_cross_entropy(ws.dlogits.data(), ws.logits.data(), labels, R, K, scale);
  switch (l.arch) {
    case Architecture::mlp:
      break;
    case Architecture::cnn: {
      const std::size_t F = 32 * (H / 4) * (W / 4);
      f.dense_back(ws.dhidden.data(), g("fc2.weight"), g("fc2.bias"), ws.dlogits.data(),
                   ws.hidden.data(), p("fc2.weight"), ws.hidden.data(), R, 128, K);
      f.dense_back(ws.dflat.data(), g("fc1.weight"), g("fc1.bias"), ws.dhidden.data(),
                   ws.flat.data(), p("fc1.weight"), ws.flat.data(), R, F, 128);
      to_channels_last(ws.dp2.data(), ws.dflat.data(), R, (H / 4) * (W / 4), 32);
      // A pooled value of zero is a ReLU's zero: its gradient was masked above, so the
      // gradient routed to a block's maximum is that of the conv's output before its ReLU.
      maxpool2_backward(ws.da2.data(), ws.dp2.data(), ws.a2.data(), R, H / 2, W / 2, 32);
      f.conv_back(ws.dp1.data(), g("conv2.weight"), g("conv2.bias"), ws.da2.data(), ws.p1.data(),
                  p("conv2.weight"), ws.p1.data(), R, H / 2, W / 2, 16, 32, 3);
      maxpool2_backward(ws.da1.data(), ws.dp1.data(), ws.a1.data(), R, H, W, 16);
      f.conv_back(nullptr, g("conv1.weight"), g("conv1.bias"), ws.da1.data(), x, p("conv1.weight"),
                  nullptr, R, H, W, 1, 16, 3);
      break;
    }
    case Architecture::local:
      global_avgpool_backward(ws.da3.data(), ws.dlogits.data(), R, H * W, K);
      f.conv_back(ws.da2.data(), g("conv3.weight"), g("conv3.bias"), ws.da3.data(), ws.a2.data(),
                  p("conv3.weight"), ws.a2.data(), R, H, W, 32, K, 1);
      f.conv_back(ws.da1.data(), g("conv2.weight"), g("conv2.bias"), ws.da2.data(), ws.a1.data(),
                  p("conv2.weight"), ws.a1.data(), R, H, W, 32, 32, 3);
      f.conv_back(nullptr, g("conv1.weight"), g("conv1.bias"), ws.da1.data(), x, p("conv1.weight"),
                  nullptr, R, H, W, 1, 32, 3);
      break;
    case Architecture::mixer: {
      const std::size_t T = tokens(l), n = R * T * kWidth;
      f.dense_back(ws.dhidden.data(), g("head.weight"), g("head.bias"), ws.dlogits.data(),
                   ws.hidden.data(), p("head.weight"), nullptr, R, kWidth, K);
      global_avgpool_backward(ws.dh2.data(), ws.dhidden.data(), R, T, kWidth);
      // h2 = h1 + channel_mlp(h1): dh1 = dh2 + the branch's input gradient.
      if (kernels == KernelSet::fast) {
        // The mean's gradient is the same at every token of an image: so is the input gradient
        // of the channel MLP's second layer before its ReLU mask, computed once per image
        // (a T-th of the product) and given to each token, masked by the token's own ReLU.
        f.dense_back(nullptr, g("channel_mlp.2.weight"), g("channel_mlp.2.bias"), ws.dh2.data(),
                     ws.c.data(), p("channel_mlp.2.weight"), nullptr, R * T, kChannelHidden, kWidth,
                     Product::small);
        float* dmean = ws.dimage.data();     // (R, 64): dh2 of each image
        float* dimage = dmean + R * kWidth;  // (R, 128): dc of each image, unmasked
        for (std::size_t b = 0; b < R; ++b) {
          std::copy_n(ws.dh2.data() + b * T * kWidth, kWidth, dmean + b * kWidth);
        }
        dense_dinput_small(dimage, dmean, p("channel_mlp.2.weight"), nullptr, ws.scratch.data(), R,
                           kChannelHidden, kWidth);
        for (std::size_t b = 0; b < R; ++b) {
          float* dc = ws.dc.data() + b * T * kChannelHidden;
          broadcast_rows(dc, dimage + b * kChannelHidden, T, kChannelHidden);
          relu_backward(dc, ws.c.data() + b * T * kChannelHidden, T * kChannelHidden);
        }
      } else {
        f.dense_back(ws.dc.data(), g("channel_mlp.2.weight"), g("channel_mlp.2.bias"),
                     ws.dh2.data(), ws.c.data(), p("channel_mlp.2.weight"), ws.c.data(), R * T,
                     kChannelHidden, kWidth);
      }
      f.dense_back(ws.dh1.data(), g("channel_mlp.0.weight"), g("channel_mlp.0.bias"), ws.dc.data(),
                   ws.h1.data(), p("channel_mlp.0.weight"), nullptr, R * T, kWidth, kChannelHidden,
                   Product::small);
      residual_add(ws.dh1.data(), ws.dh2.data(), n);
      // h1 = h0 + token_mlp(h0): dh0 = dh1 + the branch's input gradient.
      f.token_mix_back(ws.du.data(), g("token_mlp.2.weight"), g("token_mlp.2.bias"), ws.dh1.data(),
                       ws.u.data(), p("token_mlp.2.weight"), ws.u.data(), R, kTokenHidden, T,
                       kWidth);
      f.token_mix_back(ws.dh0.data(), g("token_mlp.0.weight"), g("token_mlp.0.bias"), ws.du.data(),
                       ws.h0.data(), p("token_mlp.0.weight"), nullptr, R, T, kTokenHidden, kWidth);
      residual_add(ws.dh0.data(), ws.dh1.data(), n);
      if (kernels == KernelSet::fast) {
        // The patches arch_forward cut into ws.cols, still there.
        patch_embed_backward_fast(g("embed.weight"), g("embed.bias"), ws.dh0.data(), ws.cols.data(),
                                  R, H, W, l.grid, kWidth);
      } else {
        patch_embed_backward_reference(g("embed.weight"), g("embed.bias"), ws.dh0.data(), x, R, H,
                                       W, l.grid, kWidth);
      }
      break;
    }
  }
  return result;
}

}  // namespace savant
