// Every fast kernel against its plain reference on random input, on every instruction set this
// CPU runs (kernels/isa.hpp). Shapes cover the article's model and odd sizes that exercise the
// masked tails, several column panels and several batch chunks; inputs are half zeros, like an
// image.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "savant/core/random.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/isa.hpp"
#include "savant/model/train.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

// Runs its tests once per instruction set, skipped where the CPU or build lacks it.
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

class DenseKernels : public OnEachIsa {};
INSTANTIATE_TEST_SUITE_P(Isa, DenseKernels, ::testing::Values(Isa::portable, Isa::avx512),
                         isa_test_name);
class ScalePixels : public OnEachIsa {};
INSTANTIATE_TEST_SUITE_P(Isa, ScalePixels, ::testing::Values(Isa::portable, Isa::avx512),
                         isa_test_name);
class AdamKernel : public OnEachIsa {};
INSTANTIATE_TEST_SUITE_P(Isa, AdamKernel, ::testing::Values(Isa::portable, Isa::avx512),
                         isa_test_name);
class TrainStep : public OnEachIsa {};
INSTANTIATE_TEST_SUITE_P(Isa, TrainStep, ::testing::Values(Isa::portable, Isa::avx512),
                         isa_test_name);

std::vector<float> random_values(std::size_t n, std::uint64_t index, float zero_share) {
  CounterRng rng(1234, Stream::kInit, index);
  std::vector<float> out(n);
  for (float& x : out) {
    const float u = rng.uniform_float();
    const float value = 2.0f * rng.uniform_float() - 1.0f;
    x = u < zero_share ? 0.0f : value;
  }
  return out;
}

struct Shape {
  std::size_t B, C, OC;
};

const Shape kShapes[] = {{32, 784, 128}, {32, 128, 10},  {1, 1, 1},       {7, 65, 17},
                         {33, 100, 130}, {70, 129, 257}, {500, 784, 128}, {3, 16, 16}};

// |fast - reference| within a few float roundings of the terms' magnitude.
void expect_close(const std::vector<float>& fast, const std::vector<float>& ref,
                  const std::vector<float>& scale, const char* what) {
  ASSERT_EQ(fast.size(), ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const float tolerance = 1e-5f * scale[i] + 1e-7f;
    ASSERT_NEAR(fast[i], ref[i], tolerance) << what << " element " << i;
  }
}

TEST_P(DenseKernels, ForwardMatchesReference) {
  for (const Shape& s : kShapes) {
    for (bool relu : {false, true}) {
      const auto inp = random_values(s.B * s.C, 1, 0.5f);
      const auto kernel = random_values(s.C * s.OC, 2, 0.0f);
      const auto bias = random_values(s.OC, 3, 0.0f);
      std::vector<float> fast(s.B * s.OC, -7.0f), ref(s.B * s.OC, 7.0f), scale(s.B * s.OC);
      dense_forward_fast(fast.data(), inp.data(), kernel.data(), bias.data(), s.B, s.C, s.OC, relu);
      dense_forward_reference(ref.data(), inp.data(), kernel.data(), bias.data(), s.B, s.C, s.OC,
                              relu);
      for (std::size_t b = 0; b < s.B; ++b) {
        for (std::size_t o = 0; o < s.OC; ++o) {
          float sum = std::abs(bias[o]);
          for (std::size_t k = 0; k < s.C; ++k) {
            sum += std::abs(inp[b * s.C + k] * kernel[k * s.OC + o]);
          }
          scale[b * s.OC + o] = sum;
        }
      }
      expect_close(fast, ref, scale, "forward");
    }
  }
}

TEST_P(DenseKernels, ForwardWithoutBias) {
  const Shape s{5, 40, 20};
  const auto inp = random_values(s.B * s.C, 4, 0.3f);
  const auto kernel = random_values(s.C * s.OC, 5, 0.0f);
  std::vector<float> fast(s.B * s.OC), ref(s.B * s.OC), scale(s.B * s.OC, 40.0f);
  dense_forward_fast(fast.data(), inp.data(), kernel.data(), nullptr, s.B, s.C, s.OC, false);
  dense_forward_reference(ref.data(), inp.data(), kernel.data(), nullptr, s.B, s.C, s.OC, false);
  expect_close(fast, ref, scale, "forward without bias");
}

TEST_P(DenseKernels, DkernelMatchesReference) {
  for (const Shape& s : kShapes) {
    const auto inp = random_values(s.B * s.C, 6, 0.5f);
    const auto dout = random_values(s.B * s.OC, 7, 0.5f);
    std::vector<float> fast(s.C * s.OC, 3.0f), ref(s.C * s.OC), scale(s.C * s.OC);
    dense_dkernel_fast(fast.data(), inp.data(), dout.data(), s.B, s.C, s.OC);
    dense_dkernel_reference(ref.data(), inp.data(), dout.data(), s.B, s.C, s.OC);
    for (std::size_t k = 0; k < s.C; ++k) {
      for (std::size_t o = 0; o < s.OC; ++o) {
        float sum = 0.0f;
        for (std::size_t b = 0; b < s.B; ++b) {
          sum += std::abs(inp[b * s.C + k] * dout[b * s.OC + o]);
        }
        scale[k * s.OC + o] = sum;
      }
    }
    expect_close(fast, ref, scale, "dkernel");
  }
}

TEST_P(DenseKernels, DinputMatchesReference) {
  for (const Shape& s : kShapes) {
    for (bool through_relu : {false, true}) {
      const auto dout = random_values(s.B * s.OC, 8, 0.0f);
      const auto kernel = random_values(s.C * s.OC, 9, 0.0f);
      const auto activation = random_values(s.B * s.C, 10, 0.5f);
      const float* act = through_relu ? activation.data() : nullptr;
      std::vector<float> fast(s.B * s.C, 5.0f), ref(s.B * s.C), scale(s.B * s.C);
      dense_dinput_fast(fast.data(), dout.data(), kernel.data(), act, s.B, s.C, s.OC);
      dense_dinput_reference(ref.data(), dout.data(), kernel.data(), act, s.B, s.C, s.OC);
      for (std::size_t b = 0; b < s.B; ++b) {
        for (std::size_t c = 0; c < s.C; ++c) {
          float sum = 0.0f;
          for (std::size_t o = 0; o < s.OC; ++o) {
            sum += std::abs(dout[b * s.OC + o] * kernel[c * s.OC + o]);
          }
          scale[b * s.C + c] = sum;
        }
      }
      expect_close(fast, ref, scale, "dinput");
    }
  }
}

TEST_P(DenseKernels, DbiasIsColumnSums) {
  const auto dout = random_values(6 * 3, 11, 0.0f);
  std::vector<float> db(3);
  dense_dbias(db.data(), dout.data(), 6, 3);
  for (std::size_t o = 0; o < 3; ++o) {
    float sum = 0.0f;
    for (std::size_t b = 0; b < 6; ++b) sum += dout[b * 3 + o];
    EXPECT_EQ(db[o], sum);
  }
}

TEST_P(DenseKernels, NaNInAUsedInputSpreads) {
  // A NaN input is not a zero: the fast kernels must not skip it.
  std::vector<float> inp = {0.0f, std::numeric_limits<float>::quiet_NaN(), 1.0f};
  std::vector<float> kernel(3 * 4, 0.5f), out(4), dk(3 * 4), dout(4, 1.0f);
  dense_forward_fast(out.data(), inp.data(), kernel.data(), nullptr, 1, 3, 4, false);
  for (float v : out) EXPECT_TRUE(std::isnan(v));
  dense_dkernel_fast(dk.data(), inp.data(), dout.data(), 1, 3, 4);
  EXPECT_TRUE(std::isnan(dk[4]));
}

TEST_P(ScalePixels, FastEqualsReferenceBitForBit) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16},
                        std::size_t{784}, std::size_t{1000}}) {
    std::vector<unsigned char> pixels(n);
    for (std::size_t i = 0; i < n; ++i) pixels[i] = static_cast<unsigned char>((i * 37) % 256);
    std::vector<float> fast(n + 1, -1.0f), ref(n + 1, -1.0f);
    scale_pixels_fast(fast.data(), pixels.data(), n);
    scale_pixels_reference(ref.data(), pixels.data(), n);
    EXPECT_EQ(fast, ref) << n;  // and neither writes past n
  }
}

TEST_P(AdamKernel, FastMatchesReference) {
  for (std::size_t n : {std::size_t{1}, std::size_t{17}, std::size_t{101770}}) {
    auto w = random_values(n, 12, 0.0f), g = random_values(n, 13, 0.3f);
    auto m = random_values(n, 14, 0.0f), v = random_values(n, 15, 0.0f);
    for (float& x : m) x *= 1e-3f;
    for (float& x : v) x = x * x * 1e-4f;
    for (std::size_t i = 0; i < n; i += 5) v[i] = 0.0f;  // a gradient never seen yet
    const auto w0 = w, m0 = m;
    auto w2 = w, m2 = m, v2 = v;
    const AdamConfig config;
    EXPECT_TRUE(adam_update_fast(w.data(), m.data(), v.data(), g.data(), n, 1e-3f, config));
    EXPECT_TRUE(adam_update_reference(w2.data(), m2.data(), v2.data(), g.data(), n, 1e-3f, config));
    for (std::size_t i = 0; i < n; ++i) {
      // m = b1 m + (1 - b1) g cancels where the terms are opposite: relative to the terms (the
      // AVX-512 path rounds once, in a fused multiply-add; the reference twice).
      const float terms = config.beta1 * std::abs(m0[i]) + (1.0f - config.beta1) * std::abs(g[i]);
      ASSERT_NEAR(m[i], m2[i], 1e-6f * terms) << i;
      ASSERT_NEAR(v[i], v2[i], 1e-6f * std::abs(v2[i])) << i;
      // The step itself, alpha m / (sqrt(v) + eps), to a relative 1e-5, and the rounding of w.
      const float step = std::abs(w2[i] - w0[i]);
      ASSERT_NEAR(w[i], w2[i], 1e-5f * step + 2.5e-7f * std::abs(w2[i])) << i;  // + 2 ulp of w
    }
  }
}

TEST_P(AdamKernel, ReportsANonFiniteGradient) {
  for (float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<float> w(40, 0.1f), m(40), v(40), g(40, 0.01f);
    g[37] = bad;
    EXPECT_FALSE(adam_update_fast(w.data(), m.data(), v.data(), g.data(), 40, 1e-3f, {}));
    EXPECT_FALSE(adam_update_reference(w.data(), m.data(), v.data(), g.data(), 40, 1e-3f, {}));
  }
}

// train_network's general engine (networks with more than one hidden layer; one hidden layer
// goes to the fused engine, tests/model/test_fused_trainer.cpp) splits a step over threads; the
// bits must not notice, and must be those of the plain forward_backward + Adam::step loop.
TEST_P(TrainStep, SameBitsWhateverThreadsAndAsForwardBackward) {
  const Split data = testing::random_split(300, 28, 28, 10, 5);  // 9 full batches + 12 rows
  for (std::size_t hidden_layers : {std::size_t{2}, std::size_t{3}}) {
    Network initial(dense_layout(784, 40, hidden_layers, 10));
    glorot_uniform_init(initial, 3);
    TrainConfig config{.epochs = 2, .batch = 32, .learning_rate = 1e-3f, .seed = 9};

    // The reference loop.
    Network expected = initial;
    {
      const FlushDenormals flush;
      Workspace ws(expected.layout, 32);
      Adam adam(expected.params.size(), AdamConfig{});
      std::vector<float> grad(expected.params.size()), x(32 * 784);
      std::vector<std::uint8_t> y(32);
      for (std::size_t epoch = 1; epoch <= config.epochs; ++epoch) {
        const auto order = epoch_order(config.seed, epoch, 300);
        for (std::size_t begin = 0; begin < 300; begin += 32) {
          const std::size_t rows = std::min<std::size_t>(32, 300 - begin);
          std::span<const std::uint32_t> idx(order.data() + begin, rows);
          gather_batch(data.images, idx, x.data());
          for (std::size_t r = 0; r < rows; ++r) y[r] = data.labels[idx[r]];
          forward_backward(expected, x.data(), y.data(), rows, ws, grad);
          ASSERT_TRUE(adam.step(expected.params, grad));
        }
      }
    }
    for (int threads : {1, 2, 3, 8}) {
      Network net = initial;
      config.threads = threads;
      train_network(net, data.images, data.labels, config);
      EXPECT_EQ(net.params, expected.params)
          << threads << " threads, " << hidden_layers << " hidden layer(s)";
    }
  }
}

}  // namespace
}  // namespace savant
