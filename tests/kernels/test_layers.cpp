// The layers beyond the dense one (kernels/conv.hpp, pool.hpp, tokens.hpp): each fast version
// against its reference on every instruction set this CPU runs, and each reference's gradient
// against central finite differences of the loss sum(out * R) for a fixed random R. Shapes are
// small and odd (masked tails, borders on every side) to keep the suite fast.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "savant/core/random.hpp"
#include "savant/kernels/conv.hpp"
#include "savant/kernels/conv_onednn.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/isa.hpp"
#include "savant/kernels/pool.hpp"
#include "savant/kernels/small_gemm.hpp"
#include "savant/kernels/tokens.hpp"

namespace savant {
namespace {

class OnEachIsa : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!isa_available(GetParam())) GTEST_SKIP() << isa_name(GetParam()) << " not available";
    select_isa(isa_name(GetParam()));
  }
  void TearDown() override { select_isa("auto"); }
};

std::string isa_test_name(const ::testing::TestParamInfo<Isa>& info) {
  return std::string(isa_name(info.param));
}

class LayerKernels : public OnEachIsa {};
INSTANTIATE_TEST_SUITE_P(Isa, LayerKernels, ::testing::Values(Isa::portable, Isa::avx512),
                         isa_test_name);

std::vector<float> random_values(std::size_t n, std::uint64_t index, float zero_share) {
  CounterRng rng(4321, Stream::kInit, index);
  std::vector<float> out(n);
  for (float& x : out) {
    const float u = rng.uniform_float();
    const float value = 2.0f * rng.uniform_float() - 1.0f;
    x = u < zero_share ? 0.0f : value;
  }
  return out;
}

// fast and reference agree within float rounding of sums of a few hundred terms of size <= 1.
void expect_close(const std::vector<float>& fast, const std::vector<float>& ref, const char* what) {
  ASSERT_EQ(fast.size(), ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ASSERT_NEAR(fast[i], ref[i], 1e-4f * (1.0f + std::abs(ref[i]))) << what << " element " << i;
  }
}

// The loss sum(out * weights) in double, for finite differences.
double weighted_sum(const std::vector<float>& out, const std::vector<float>& weights) {
  double sum = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) sum += double{out[i]} * double{weights[i]};
  return sum;
}

// Checks analytic (the gradient of loss with respect to x) against central differences of
// loss() when each entry of x moves by +-h. The layers are linear in the moved variable (or
// piecewise linear with kinks far from the point, for max pooling), so the differences are
// exact up to float rounding of the forward pass.
void expect_gradient(std::vector<float>& x, const std::vector<float>& analytic,
                     const std::function<double()>& loss, const char* what) {
  ASSERT_EQ(x.size(), analytic.size());
  const float h = 1e-2f;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float saved = x[i];
    x[i] = saved + h;
    const double up = loss();
    x[i] = saved - h;
    const double down = loss();
    x[i] = saved;
    const double numeric = (up - down) / (2.0 * double{h});
    ASSERT_NEAR(analytic[i], numeric, 2e-3 * (1.0 + std::abs(numeric))) << what << " entry " << i;
  }
}

struct ConvShape {
  std::size_t B, H, W, C, OC, K;
};
const ConvShape kConvShapes[] = {{2, 5, 6, 3, 17, 3},
                                 {1, 4, 4, 1, 16, 3},
                                 {3, 3, 5, 7, 5, 1},
                                 {2, 7, 7, 16, 32, 3},
                                 {1, 1, 1, 2, 3, 3}};

// A fast convolution's forward and backward passes (kernels/conv.hpp's signatures).
struct ConvImpl {
  decltype(&conv2d_forward_im2col) forward;
  decltype(&conv2d_backward_im2col) backward;
};

// impl against the reference on every shape, with and without ReLU, with and without the
// input's gradient and its mask; `workspace` sized by conv2d_workspace_floats.
void expect_conv_matches_reference(const ConvImpl& impl) {
  for (const ConvShape& s : kConvShapes) {
    const std::size_t in = s.B * s.H * s.W * s.C, out = s.B * s.H * s.W * s.OC;
    const std::size_t weights = s.K * s.K * s.C * s.OC;
    const auto inp = random_values(in, 1, 0.5f);
    const auto kernel = random_values(weights, 2, 0.0f);
    const auto bias = random_values(s.OC, 3, 0.0f);
    const auto dout = random_values(out, 4, 0.3f);
    std::vector<float> workspace(conv2d_workspace_floats(s.B, s.H, s.W, s.C, s.OC, s.K) + 1, 9.0f);
    for (bool relu : {false, true}) {
      std::vector<float> fast(out, -5.0f), ref(out, 5.0f);
      impl.forward(fast.data(), inp.data(), kernel.data(), bias.data(), workspace.data(), s.B, s.H,
                   s.W, s.C, s.OC, s.K, relu);
      conv2d_forward_reference(ref.data(), inp.data(), kernel.data(), bias.data(), s.B, s.H, s.W,
                               s.C, s.OC, s.K, relu);
      expect_close(fast, ref, "conv forward");
    }
    std::vector<float> ref(out, 5.0f), fast(out, -5.0f);  // no bias
    conv2d_forward_reference(ref.data(), inp.data(), kernel.data(), nullptr, s.B, s.H, s.W, s.C,
                             s.OC, s.K, false);
    impl.forward(fast.data(), inp.data(), kernel.data(), nullptr, workspace.data(), s.B, s.H, s.W,
                 s.C, s.OC, s.K, false);
    expect_close(fast, ref, "conv forward without bias");
    for (bool through_relu : {false, true}) {
      const float* act = through_relu ? inp.data() : nullptr;
      std::vector<float> fdin(in, 1.0f), fdk(weights, 1.0f), fdb(s.OC, 1.0f);
      std::vector<float> rdin(in, 2.0f), rdk(weights, 2.0f), rdb(s.OC, 2.0f);
      impl.backward(fdin.data(), fdk.data(), fdb.data(), dout.data(), inp.data(), kernel.data(),
                    act, workspace.data(), s.B, s.H, s.W, s.C, s.OC, s.K);
      conv2d_backward_reference(rdin.data(), rdk.data(), rdb.data(), dout.data(), inp.data(),
                                kernel.data(), act, s.B, s.H, s.W, s.C, s.OC, s.K);
      expect_close(fdin, rdin, "conv dinput");
      expect_close(fdk, rdk, "conv dkernel");
      expect_close(fdb, rdb, "conv dbias");
      // The first layer's pass: no input gradient, no bias gradient wanted.
      std::vector<float> only(weights, 3.0f);
      impl.backward(nullptr, only.data(), nullptr, dout.data(), inp.data(), kernel.data(), act,
                    workspace.data(), s.B, s.H, s.W, s.C, s.OC, s.K);
      expect_close(only, rdk, "conv dkernel alone");
    }
  }
}

TEST_P(LayerKernels, ConvIm2colMatchesReference) {
  expect_conv_matches_reference({conv2d_forward_im2col, conv2d_backward_im2col});
}

TEST(LayerKernelsOnednn, ConvMatchesReference) {
  if (!conv2d_onednn_built()) GTEST_SKIP() << "this build has no oneDNN";
  expect_conv_matches_reference({conv2d_forward_onednn, conv2d_backward_onednn});
}

// The fixed-chunk reduction keeps training independent of the thread count only if a chunk's
// result does not depend on the thread that computes it: the same convolution on 1 and on 3
// threads at once (each with its own workspace) gives the same bits, on the models' shapes.
TEST(LayerKernelsOnednn, SameBitsOnAnyThread) {
  if (!conv2d_onednn_built()) GTEST_SKIP() << "this build has no oneDNN";
  const ConvShape shapes[] = {{8, 28, 28, 1, 16, 3},
                              {8, 14, 14, 16, 32, 3},
                              {8, 28, 28, 32, 32, 3},
                              {8, 28, 28, 32, 10, 1}};
  for (const ConvShape& s : shapes) {
    const std::size_t in = s.B * s.H * s.W * s.C, out = s.B * s.H * s.W * s.OC;
    const auto inp = random_values(in, 5, 0.5f);
    const auto kernel = random_values(s.K * s.K * s.C * s.OC, 6, 0.0f);
    const auto bias = random_values(s.OC, 7, 0.0f);
    const auto dout = random_values(out, 8, 0.5f);
    const std::size_t ws = conv2d_workspace_floats(s.B, s.H, s.W, s.C, s.OC, s.K);
    const auto run = [&] {
      std::vector<float> workspace(ws), y(out), dinp(in), dk(kernel.size()), db(s.OC);
      conv2d_forward_onednn(y.data(), inp.data(), kernel.data(), bias.data(), workspace.data(), s.B,
                            s.H, s.W, s.C, s.OC, s.K, true);
      conv2d_backward_onednn(dinp.data(), dk.data(), db.data(), dout.data(), inp.data(),
                             kernel.data(), inp.data(), workspace.data(), s.B, s.H, s.W, s.C, s.OC,
                             s.K);
      y.insert(y.end(), dinp.begin(), dinp.end());
      y.insert(y.end(), dk.begin(), dk.end());
      y.insert(y.end(), db.begin(), db.end());
      return y;
    };
    const std::vector<float> alone = run();
    std::vector<std::vector<float>> together(3);
    {
      std::vector<std::jthread> threads;
      for (auto& result : together) threads.emplace_back([&result, &run] { result = run(); });
    }
    for (const auto& result : together) EXPECT_EQ(result, alone) << s.H << "x" << s.C;
  }
}

TEST(LayerGradients, Conv) {
  for (std::size_t K : {std::size_t{1}, std::size_t{3}}) {
    const std::size_t B = 2, H = 4, W = 5, C = 2, OC = 3;
    auto inp = random_values(B * H * W * C, 10, 0.0f);
    auto kernel = random_values(K * K * C * OC, 11, 0.0f);
    auto bias = random_values(OC, 12, 0.0f);
    const auto r = random_values(B * H * W * OC, 13, 0.0f);
    std::vector<float> out(r.size()), dinp(inp.size()), dkernel(kernel.size()), dbias(OC);
    const auto loss = [&] {
      conv2d_forward_reference(out.data(), inp.data(), kernel.data(), bias.data(), B, H, W, C, OC,
                               K, false);
      return weighted_sum(out, r);
    };
    conv2d_backward_reference(dinp.data(), dkernel.data(), dbias.data(), r.data(), inp.data(),
                              kernel.data(), nullptr, B, H, W, C, OC, K);
    expect_gradient(inp, dinp, loss, "conv input");
    expect_gradient(kernel, dkernel, loss, "conv kernel");
    expect_gradient(bias, dbias, loss, "conv bias");
  }
}

TEST(LayerGradients, ReluMaskIsTheReluBackward) {
  const std::size_t B = 1, H = 3, W = 3, C = 2, OC = 2, K = 3;
  const auto act = random_values(B * H * W * C, 20, 0.5f);
  const auto kernel = random_values(K * K * C * OC, 21, 0.0f);
  const auto dout = random_values(B * H * W * OC, 22, 0.0f);
  std::vector<float> masked(act.size()), plain(act.size()), dk(kernel.size());
  conv2d_backward_reference(masked.data(), dk.data(), nullptr, dout.data(), act.data(),
                            kernel.data(), act.data(), B, H, W, C, OC, K);
  conv2d_backward_reference(plain.data(), dk.data(), nullptr, dout.data(), act.data(),
                            kernel.data(), nullptr, B, H, W, C, OC, K);
  relu_backward(plain.data(), act.data(), plain.size());
  EXPECT_EQ(masked, plain);
  std::size_t zeros = 0;
  for (float v : masked) zeros += v == 0.0f ? 1 : 0;
  EXPECT_GT(zeros, 0u);
  EXPECT_LT(zeros, masked.size());
}

TEST(LayerGradients, MaxPool) {
  const std::size_t B = 2, H = 4, W = 6, C = 3;
  auto inp = random_values(B * H * W * C, 30, 0.0f);
  const auto r = random_values(B * (H / 2) * (W / 2) * C, 31, 0.0f);
  std::vector<float> out(r.size()), dinp(inp.size());
  maxpool2_forward(out.data(), inp.data(), B, H, W, C);
  // The first output is the largest of its block's four inputs.
  EXPECT_EQ(out[0], std::max(std::max(inp[0], inp[C]), std::max(inp[W * C], inp[W * C + C])));
  maxpool2_backward(dinp.data(), r.data(), inp.data(), B, H, W, C);
  const auto loss = [&] {
    maxpool2_forward(out.data(), inp.data(), B, H, W, C);
    return weighted_sum(out, r);
  };
  expect_gradient(inp, dinp, loss, "max pooling input");
}

// A ReLU's output has many tied maxima (zeros, and -0 beside 0): the gradient goes to the first
// of the block's equal maxima in row-major order, once, and every other entry is zero.
TEST(LayerGradients, MaxPoolTiesGoToTheFirst) {
  const std::size_t C = 2;  // one 2 x 2 block, two channels
  const std::vector<float> inp{0.0f, 1.0f, -0.0f, 3.0f, 0.0f, 2.0f, -1.0f, 3.0f};
  const std::vector<float> dout{5.0f, 7.0f};
  std::vector<float> dinp(inp.size(), 9.0f);
  maxpool2_backward(dinp.data(), dout.data(), inp.data(), 1, 2, 2, C);
  EXPECT_EQ(dinp, (std::vector<float>{5.0f, 0.0f, 0.0f, 7.0f, 0.0f, 0.0f, 0.0f, 0.0f}));
}

TEST(LayerGradients, GlobalAveragePooling) {
  const std::size_t B = 2, N = 5, C = 3;
  auto inp = random_values(B * N * C, 40, 0.0f);
  const auto r = random_values(B * C, 41, 0.0f);
  std::vector<float> out(r.size()), dinp(inp.size());
  global_avgpool_forward(out.data(), inp.data(), B, N, C);
  EXPECT_NEAR(out[1], (inp[1] + inp[4] + inp[7] + inp[10] + inp[13]) / 5.0f, 1e-6f);
  global_avgpool_backward(dinp.data(), r.data(), B, N, C);
  const auto loss = [&] {
    global_avgpool_forward(out.data(), inp.data(), B, N, C);
    return weighted_sum(out, r);
  };
  expect_gradient(inp, dinp, loss, "average pooling input");
}

TEST(LayerGradients, Residual) {
  std::vector<float> h{1.0f, -2.0f, 0.5f};
  const std::vector<float> branch{0.25f, 2.0f, -1.0f};
  residual_add(h.data(), branch.data(), h.size());
  EXPECT_EQ(h, (std::vector<float>{1.25f, 0.0f, -0.5f}));
}

// The one-pass kernels' AVX-512 paths give the portable loops' bits: the same values (NaN,
// both zeros, negatives among them) through both, at lengths around the 16 lanes.
class OnePassKernels : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!isa_available(Isa::avx512)) GTEST_SKIP() << "avx512 not available";
  }
  void TearDown() override { select_isa("auto"); }

  // Values with every edge the kernels meet: NaN, -0 and +0, negatives.
  static std::vector<float> edgy(std::size_t n, std::uint64_t index) {
    std::vector<float> x = random_values(n, index, 0.2f);
    for (std::size_t i = 0; i < n; ++i) {
      if (i % 7 == 3) x[i] = -0.0f;
      if (i % 11 == 5) x[i] = std::numeric_limits<float>::quiet_NaN();
    }
    return x;
  }
  // out of `run` under each instruction set, compared bit for bit.
  static void expect_same_bits(const std::function<std::vector<float>()>& run, const char* what,
                               std::size_t n) {
    select_isa("portable");
    const std::vector<float> portable = run();
    select_isa("avx512");
    const std::vector<float> avx512 = run();
    ASSERT_EQ(portable.size(), avx512.size());
    for (std::size_t i = 0; i < portable.size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(portable[i]), std::bit_cast<std::uint32_t>(avx512[i]))
          << what << ", n = " << n << ", entry " << i;
    }
  }
};

TEST_F(OnePassKernels, SameBitsAsThePortableLoops) {
  for (const std::size_t n : {0, 1, 15, 16, 17, 33, 64, 100}) {
    const auto a = edgy(n, 90), b = edgy(n, 91), c = edgy(n, 92);
    expect_same_bits(
        [&] {
          auto x = a;
          residual_add(x.data(), b.data(), n);
          return x;
        },
        "residual_add", n);
    expect_same_bits(
        [&] {
          std::vector<float> x(n);
          residual_sum(x.data(), a.data(), b.data(), n);
          return x;
        },
        "residual_sum", n);
    expect_same_bits(
        [&] {
          auto x = a;
          relu_forward(x.data(), n);
          return x;
        },
        "relu_forward", n);
    expect_same_bits(
        [&] {
          auto x = a;
          relu_backward(x.data(), b.data(), n);
          return x;
        },
        "relu_backward", n);
    for (std::size_t count = 1; count <= 3; ++count) {
      const float* parts[] = {a.data(), b.data(), c.data()};
      expect_same_bits(
          [&] {
            std::vector<float> x(n);
            sum_arrays(x.data(), parts, count, n);
            return x;
          },
          "sum_arrays", n);
    }
  }
  for (const std::size_t rows : {1, 3, 15, 16, 17, 40}) {
    for (const std::size_t cols : {1, 7, 16, 17, 64, 70}) {
      const auto x = edgy(rows * cols, 93), row = edgy(cols, 94), per_row = edgy(rows, 95);
      expect_same_bits(
          [&] {
            std::vector<float> o(rows * cols);
            broadcast_rows(o.data(), row.data(), rows, cols);
            return o;
          },
          "broadcast_rows", cols);
      expect_same_bits(
          [&] {
            std::vector<float> o(rows * cols);
            broadcast_columns(o.data(), per_row.data(), rows, cols);
            return o;
          },
          "broadcast_columns", cols);
      expect_same_bits(
          [&] {
            auto sums = per_row;
            add_row_sums(sums.data(), x.data(), rows, cols);
            return sums;
          },
          "add_row_sums", cols);
      expect_same_bits(
          [&] {
            std::vector<float> o(cols);
            dense_dbias(o.data(), x.data(), rows, cols);
            return o;
          },
          "dense_dbias", cols);
    }
  }
}

// The sums' order as documented: 16 running sums (k mod 16), then those and the tail in order.
TEST(OnePass, RowSumsInTheDocumentedOrder) {
  std::vector<float> x(40);
  for (std::size_t j = 0; j < x.size(); ++j) x[j] = j % 16 == 0 ? 1e8f : 1.0f;
  float lanes[16] = {};
  for (std::size_t j = 0; j < 32; ++j) lanes[j % 16] += x[j];
  float expected = 0.0f;
  for (float lane : lanes) expected += lane;
  for (std::size_t j = 32; j < 40; ++j) expected += x[j];
  float sum = 0.5f;
  add_row_sums(&sum, x.data(), 1, x.size());
  EXPECT_EQ(sum, 0.5f + expected);
  EXPECT_NE(expected, 2e8f + 38.0f);  // the order is visible: a plain sum gives another value
}

TEST(Patches, BlocksInGridOrder) {
  // A 4 x 4 image holding 0..15 row by row, cut into 2 x 2 blocks of 2 x 2 pixels.
  std::vector<float> image(16);
  for (std::size_t i = 0; i < 16; ++i) image[i] = static_cast<float>(i);
  std::vector<float> tokens(16);
  patchify(tokens.data(), image.data(), 1, 4, 4, 2);
  EXPECT_EQ(tokens, (std::vector<float>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}));
}

TEST_P(LayerKernels, PatchEmbedFastMatchesReference) {
  for (std::size_t g : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{7}}) {
    const std::size_t B = 3, H = 28, W = 28, D = 19, P = (H / g) * (W / g);
    const auto inp = random_values(B * H * W, 50, 0.5f);
    const auto kernel = random_values(P * D, 51, 0.0f);
    const auto bias = random_values(D, 52, 0.0f);
    const auto dout = random_values(B * g * g * D, 53, 0.0f);
    std::vector<float> workspace(B * H * W), fast(B * g * g * D), ref(B * g * g * D);
    patch_embed_forward_fast(fast.data(), inp.data(), kernel.data(), bias.data(), workspace.data(),
                             B, H, W, g, D);
    patch_embed_forward_reference(ref.data(), inp.data(), kernel.data(), bias.data(), B, H, W, g,
                                  D);
    expect_close(fast, ref, "patch embedding forward");
    std::vector<float> fdk(P * D), fdb(D), rdk(P * D), rdb(D);
    patch_embed_backward_fast(fdk.data(), fdb.data(), dout.data(), workspace.data(), B, H, W, g, D);
    patch_embed_backward_reference(rdk.data(), rdb.data(), dout.data(), inp.data(), B, H, W, g, D);
    expect_close(fdk, rdk, "patch embedding dkernel");
    expect_close(fdb, rdb, "patch embedding dbias");
  }
}

TEST(LayerGradients, PatchEmbed) {
  const std::size_t B = 2, H = 6, W = 6, g = 3, D = 4, P = 4;
  const auto inp = random_values(B * H * W, 60, 0.0f);
  auto kernel = random_values(P * D, 61, 0.0f);
  auto bias = random_values(D, 62, 0.0f);
  const auto r = random_values(B * g * g * D, 63, 0.0f);
  std::vector<float> out(r.size()), dkernel(kernel.size()), dbias(D);
  patch_embed_backward_reference(dkernel.data(), dbias.data(), r.data(), inp.data(), B, H, W, g, D);
  const auto loss = [&] {
    patch_embed_forward_reference(out.data(), inp.data(), kernel.data(), bias.data(), B, H, W, g,
                                  D);
    return weighted_sum(out, r);
  };
  expect_gradient(kernel, dkernel, loss, "patch embedding kernel");
  expect_gradient(bias, dbias, loss, "patch embedding bias");
}

TEST_P(LayerKernels, TokenMixFastMatchesReference) {
  struct Shape {
    std::size_t B, TI, TO, D;
  };
  for (const Shape s :
       {Shape{2, 16, 64, 64}, Shape{3, 64, 16, 64}, Shape{1, 4, 5, 7}, Shape{2, 49, 64, 17}}) {
    const auto inp = random_values(s.B * s.TI * s.D, 70, 0.5f);
    const auto kernel = random_values(s.TO * s.TI, 71, 0.0f);
    const auto bias = random_values(s.TO, 72, 0.0f);
    const auto dout = random_values(s.B * s.TO * s.D, 73, 0.3f);
    for (bool relu : {false, true}) {
      std::vector<float> fast(s.B * s.TO * s.D, 3.0f), ref(s.B * s.TO * s.D, -3.0f);
      token_mix_forward_fast(fast.data(), inp.data(), kernel.data(), bias.data(), s.B, s.TI, s.TO,
                             s.D, relu);
      token_mix_forward_reference(ref.data(), inp.data(), kernel.data(), bias.data(), s.B, s.TI,
                                  s.TO, s.D, relu);
      expect_close(fast, ref, "token mixing forward");
    }
    for (bool through_relu : {false, true}) {
      const float* act = through_relu ? inp.data() : nullptr;
      std::vector<float> workspace(s.TI * (s.D + s.TO), 9.0f);
      std::vector<float> fdin(inp.size(), 1.0f), fdk(kernel.size(), 1.0f), fdb(s.TO, 1.0f);
      std::vector<float> rdin(inp.size(), 2.0f), rdk(kernel.size(), 2.0f), rdb(s.TO, 2.0f);
      token_mix_backward_fast(fdin.data(), fdk.data(), fdb.data(), dout.data(), inp.data(),
                              kernel.data(), act, workspace.data(), s.B, s.TI, s.TO, s.D);
      token_mix_backward_reference(rdin.data(), rdk.data(), rdb.data(), dout.data(), inp.data(),
                                   kernel.data(), act, s.B, s.TI, s.TO, s.D);
      expect_close(fdin, rdin, "token mixing dinput");
      expect_close(fdk, rdk, "token mixing dkernel");
      expect_close(fdb, rdb, "token mixing dbias");
    }
  }
}

// The small products under the mixer's layers, on its shapes and on row counts that leave a
// tail after the blocks of 64 rows, against the dense layer's references.
TEST_P(LayerKernels, SmallProductsMatchReference) {
  struct Shape {
    std::size_t M, K, N;
  };
  for (const Shape s :
       {Shape{128, 49, 64}, Shape{64, 16, 64}, Shape{16, 64, 64}, Shape{128, 128, 64},
        Shape{200, 3, 130}, Shape{1, 1, 1}, Shape{70, 64, 17}}) {
    const auto a = random_values(s.M * s.K, 90, 0.5f);
    const auto b = random_values(s.K * s.N, 91, 0.0f);
    const auto bias = random_values(s.N, 92, 0.0f);
    const auto dout = random_values(s.M * s.N, 93, 0.3f);
    for (bool relu : {false, true}) {
      std::vector<float> fast(s.M * s.N, 3.0f), ref(s.M * s.N, -3.0f);
      dense_forward_small(fast.data(), a.data(), b.data(), bias.data(), s.M, s.K, s.N, relu);
      dense_forward_reference(ref.data(), a.data(), b.data(), bias.data(), s.M, s.K, s.N, relu);
      expect_close(fast, ref, "small dense forward");
    }
    // Accumulating: C + A @ B.
    std::vector<float> acc(s.M * s.N, 0.25f), ref(s.M * s.N);
    small_gemm(acc.data(), a.data(), b.data(), s.M, s.K, s.N, true);
    dense_forward_reference(ref.data(), a.data(), b.data(), nullptr, s.M, s.K, s.N, false);
    for (float& r : ref) r += 0.25f;
    expect_close(acc, ref, "small product, accumulated");
    std::vector<float> fdk(s.K * s.N, 1.0f), rdk(s.K * s.N, 2.0f);
    dense_dkernel_small(fdk.data(), a.data(), dout.data(), s.M, s.K, s.N);
    dense_dkernel_reference(rdk.data(), a.data(), dout.data(), s.M, s.K, s.N);
    expect_close(fdk, rdk, "small dense dkernel");
    for (bool through_relu : {false, true}) {
      const float* act = through_relu ? a.data() : nullptr;
      std::vector<float> workspace(s.K * s.N, 9.0f), fdin(s.M * s.K, 1.0f), rdin(s.M * s.K, 2.0f);
      dense_dinput_small(fdin.data(), dout.data(), b.data(), act, workspace.data(), s.M, s.K, s.N);
      dense_dinput_reference(rdin.data(), dout.data(), b.data(), act, s.M, s.K, s.N);
      expect_close(fdin, rdin, "small dense dinput");
    }
    std::vector<float> t(s.M * s.K);
    transpose(t.data(), a.data(), s.M, s.K);
    for (std::size_t i = 0; i < s.M; ++i) {
      for (std::size_t j = 0; j < s.K; ++j) ASSERT_EQ(t[j * s.M + i], a[i * s.K + j]);
    }
  }
}

TEST(LayerGradients, TokenMix) {
  const std::size_t B = 2, TI = 4, TO = 3, D = 5;
  auto inp = random_values(B * TI * D, 80, 0.0f);
  auto kernel = random_values(TO * TI, 81, 0.0f);
  auto bias = random_values(TO, 82, 0.0f);
  const auto r = random_values(B * TO * D, 83, 0.0f);
  std::vector<float> out(r.size()), dinp(inp.size()), dkernel(kernel.size()), dbias(TO);
  token_mix_backward_reference(dinp.data(), dkernel.data(), dbias.data(), r.data(), inp.data(),
                               kernel.data(), nullptr, B, TI, TO, D);
  const auto loss = [&] {
    token_mix_forward_reference(out.data(), inp.data(), kernel.data(), bias.data(), B, TI, TO, D,
                                false);
    return weighted_sum(out, r);
  };
  expect_gradient(inp, dinp, loss, "token mixing input");
  expect_gradient(kernel, dkernel, loss, "token mixing kernel");
  expect_gradient(bias, dbias, loss, "token mixing bias");
}

}  // namespace
}  // namespace savant
