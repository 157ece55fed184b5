// The fused engine's kernels (kernels/fused_avx512.hpp, kernels/fused_backward_avx512.hpp), each
// against its plain reference (kernels/fused_reference.hpp) on random input. Shapes cover the
// article's member (784 pixels, 8 groups), a partial batch, a partial last group, K above 16,
// pixel counts that end inside a 64-pixel word, two panels in one member and every panel width
// the engine compiles that a member's panels can have. Skipped where the CPU or build lacks
// AVX-512.
//
// Tolerances: every sum is a chain of fused multiply-adds in the reference's order, so the
// kernels give the reference's bits, with Adam's update by adam_update_fast (the kernels'
// adam_lanes). Against adam_update_reference the results differ by Adam's arithmetic alone, to
// the bounds that AdamKernel.FastMatchesReference (test_kernels.cpp) states and justifies.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "savant/core/denormals.hpp"
#include "savant/core/random.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/kernels/avx512.hpp"
#include "savant/kernels/fused_reference.hpp"
#include "savant/kernels/isa.hpp"
#include "savant/kernels/with_vectors.hpp"

// Without the AVX-512 kernels in the build there is nothing to test.
#ifdef SAVANT_HAVE_AVX512

namespace savant {
namespace {

struct Shape {
  std::size_t C, H, K, B, rows, group0, vectors;
};

const Shape kShapes[] = {
    {784, 128, 10, 32, 32, 0, 8},  // the article's model on one thread
    {784, 128, 10, 32, 17, 4, 4},  // the second of two members, the last partial batch
    {65, 20, 3, 40, 33, 0, 2},     // a partial group of 16, two chunks of 32 rows
    {129, 200, 17, 7, 7, 1, 12},   // two panels (8 + 4 vectors), K above 16
    {1, 16, 1, 1, 1, 0, 1},        // one of everything
    {300, 90, 10, 64, 63, 2, 4},   // blocks of 128 pixel rows, the last one partial
    {100, 112, 10, 5, 5, 0, 7},    // 7 vectors
    {70, 128, 10, 9, 9, 3, 5},     // 5 vectors
    {64, 96, 10, 33, 31, 0, 6},    // 6 vectors, exactly one word of pixels
    {333, 48, 10, 32, 32, 0, 3},   // 3 vectors
};

std::vector<float> random_values(std::size_t n, std::uint64_t index, float zero_share,
                                 float scale) {
  CounterRng rng(4321, Stream::kInit, index);
  std::vector<float> out(n);
  for (float& x : out) {
    const float u = rng.uniform_float();
    const float value = scale * (2.0f * rng.uniform_float() - 1.0f);
    x = u < zero_share ? 0.0f : value;
  }
  return out;
}

// Images with about half of their pixels exactly zero, as in Fashion-MNIST.
ImageSet random_images(std::size_t count, std::size_t pixels, std::uint64_t seed) {
  ImageSet images{count, 1, pixels, std::vector<std::uint8_t>(count * pixels)};
  CounterRng rng(seed, Stream::kInit, 7);
  for (auto& p : images.pixels) {
    p = rng.uniform_float() < 0.5f ? 0 : static_cast<std::uint8_t>(1 + rng.uniform_below(255));
  }
  return images;
}

void expect_same_bits(std::span<const float> got, std::span<const float> want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(got[i]), std::bit_cast<std::uint32_t>(want[i]))
        << what << " element " << i << ": " << got[i] << " against " << want[i];
  }
}

// Adam's results against adam_update_reference's, where the gradients are the same bits:
// AdamKernel.FastMatchesReference's bounds. m: the reference rounds b1 m0, (1 - b1) g and
// their sum, the kernel once; (1 - b1) |g| <= |m| + |m0|, so 1e-6 (|m0| + |m|) is a margin
// of 2.5 over three roundings of 2^-24. v: positive terms, 1e-6 relative. w: the step through
// the refined estimates of sqrt and 1 / (sqrt(v) + eps) to 1e-5 relative, and 2 ulp of w.
void expect_adam_near(std::span<const float> w, std::span<const float> m, std::span<const float> v,
                      std::span<const float> w_ref, std::span<const float> m_ref,
                      std::span<const float> v_ref, std::span<const float> w0,
                      std::span<const float> m0, const char* what) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    ASSERT_NEAR(m[i], m_ref[i], 1e-6f * (std::abs(m0[i]) + std::abs(m_ref[i]))) << what << i;
    ASSERT_NEAR(v[i], v_ref[i], 1e-6f * std::abs(v_ref[i])) << what << i;
    const float step = std::abs(w_ref[i] - w0[i]);
    ASSERT_NEAR(w[i], w_ref[i], 1e-5f * step + 2.5e-7f * std::abs(w_ref[i])) << what << i;
  }
}

}  // namespace
}  // namespace savant

// The checks, compiled for AVX-512 (kernels/avx512.hpp) and called only where the CPU has it;
// the tests that call them stay portable code.
#include "kernels/fused_kernel_checks.hpp"

namespace savant {
namespace {

class FusedKernels : public ::testing::TestWithParam<Shape> {
 protected:
  void SetUp() override {
    if (!isa_available(Isa::avx512)) GTEST_SKIP() << "this CPU lacks AVX-512";
  }
  FlushDenormals flush_;  // as the engine's threads run
};

std::string shape_name(const ::testing::TestParamInfo<Shape>& param) {
  const Shape& s = param.param;
  return fmt::format("C{}_H{}_K{}_rows{}_g{}_v{}", s.C, s.H, s.K, s.rows, s.group0, s.vectors);
}

INSTANTIATE_TEST_SUITE_P(Shapes, FusedKernels, ::testing::ValuesIn(kShapes), shape_name);

TEST_P(FusedKernels, GatherEqualsReference) {
  check_gather(GetParam());
}
TEST_P(FusedKernels, ForwardBlocksEqualReference) {
  check_forward(GetParam());
}
TEST_P(FusedKernels, PartialLogitsEqualReference) {
  check_partials(GetParam());
}
TEST_P(FusedKernels, HiddenGradientEqualsReference) {
  check_hidden_gradient(GetParam());
}
TEST_P(FusedKernels, SmallLayersMatchReference) {
  check_small_layers(GetParam());
}
TEST_P(FusedKernels, KernelGradientRowsMatchReference) {
  check_gradient_rows(GetParam());
}
TEST_P(FusedKernels, FusedPanelMatchesReference) {
  check_fused_panel(GetParam());
}

}  // namespace
}  // namespace savant

#endif  // SAVANT_HAVE_AVX512
