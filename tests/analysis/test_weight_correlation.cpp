#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include <Eigen/Core>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/core/error.hpp"
#include "savant/core/random.hpp"

namespace savant {
namespace {

// Rows 1..4 of the 8x8 Hadamard matrix: zero mean, mutually orthogonal.
const std::vector<std::vector<float>> kBlockVectors = {
    {1, -1, 1, -1, 1, -1, 1, -1},
    {1, 1, -1, -1, 1, 1, -1, -1},
    {1, -1, -1, 1, 1, -1, -1, 1},
    {1, 1, 1, 1, -1, -1, -1, -1},
};

// A 4x4 image, grid 2: every pixel's weight vector is its block's vector, scaled and shifted
// per pixel (which Pearson correlation ignores).
std::vector<float> block_kernel() {
  std::vector<float> kernel;
  for (std::size_t r = 0; r < 4; ++r) {
    for (std::size_t c = 0; c < 4; ++c) {
      const std::size_t block = (r / 2) * 2 + c / 2;
      const float scale = 0.5f + static_cast<float>(r * 4 + c) * 0.1f,
                  shift = static_cast<float>(c) - 1.0f;
      for (float v : kBlockVectors[block]) kernel.push_back(scale * v + shift);
    }
  }
  return kernel;
}

TEST(Analysis, CorrelationOfBlockStructuredWeights) {
  const std::vector<double> R = weight_correlation(block_kernel(), 16, 8);
  for (std::size_t p = 0; p < 16; ++p) {
    for (std::size_t q = 0; q < 16; ++q) {
      const bool same = ((p / 4) / 2 == (q / 4) / 2) && ((p % 4) / 2 == (q % 4) / 2);
      EXPECT_NEAR(R[p * 16 + q], same ? 1.0 : 0.0, 1e-6) << p << "," << q;
    }
  }
}

TEST(Analysis, GridSignatureOfBlockStructuredWeights) {
  const std::vector<double> R = weight_correlation(block_kernel(), 16, 8);
  GridSignature s = grid_signature(R, 4, 4, 2);
  EXPECT_NEAR(s.within, 1.0, 1e-9);
  EXPECT_NEAR(s.across, 0.0, 1e-9);
  EXPECT_NEAR(s.contrast, 1.0, 1e-9);
  // 4x4 has 24 adjacent pairs: 8 cross the middle lines, 16 lie inside a block.
  EXPECT_EQ(s.within_pairs, 16u);
  EXPECT_EQ(s.across_pairs, 8u);
  // At grid 4 (blocks of one pixel) every pair crosses a border.
  GridSignature fine = grid_signature(R, 4, 4, 4);
  EXPECT_EQ(fine.within_pairs, 0u);
  EXPECT_TRUE(std::isnan(fine.within));
}

TEST(Analysis, PairsFollowTheGridOfAWideImage) {
  // A 2x4 image at grid 2: blocks of 1 x 2 pixels. Of the 6 horizontal pairs, the 2 between
  // columns 1 and 2 cross a border; all 4 vertical pairs do (a block is one row high).
  CounterRng rng(3, Stream::kInit, 0);
  std::vector<float> kernel(8 * 16);
  for (float& w : kernel) w = rng.uniform_float();
  const std::vector<double> R = weight_correlation(kernel, 8, 16);
  const AdjacentPairs pairs = adjacent_pairs(R, 2, 4, 2);
  EXPECT_EQ(pairs.within.size(), 4u);
  EXPECT_EQ(pairs.across.size(), 6u);
  EXPECT_DOUBLE_EQ(pairs.within[0], R[0 * 8 + 1]);  // (0, 0) and (0, 1)
  EXPECT_THROW(adjacent_pairs(R, 2, 4, 3), InvalidSetting);
}

TEST(Analysis, AdjacentMapOfBlockStructuredWeights) {
  const std::vector<double> R = weight_correlation(block_kernel(), 16, 8);
  const std::vector<double> A = adjacent_correlation(R, 4, 4);
  // (0,0): right and below in the block -> 1. (0,1): right crosses, below inside -> 0.5.
  // (1,1): both cross -> 0. (3,3): no neighbours -> NaN. (3,0): only right, inside -> 1.
  EXPECT_NEAR(A[0], 1.0, 1e-9);
  EXPECT_NEAR(A[1], 0.5, 1e-9);
  EXPECT_NEAR(A[5], 0.0, 1e-9);
  EXPECT_NEAR(A[12], 1.0, 1e-9);
  EXPECT_NEAR(A[13], 0.0, 1e-9);
  EXPECT_TRUE(std::isnan(A[15]));
}

TEST(Analysis, PearsonMatchesTheDefinition) {
  CounterRng rng(4, Stream::kInit, 0);
  std::vector<float> kernel(6 * 10);
  for (float& w : kernel) w = rng.uniform_float() - 0.5f;
  const std::vector<double> R = weight_correlation(kernel, 6, 10);
  for (std::size_t p = 0; p < 6; ++p) {
    for (std::size_t q = 0; q < 6; ++q) {
      double mp = 0, mq = 0;
      for (std::size_t h = 0; h < 10; ++h)
        mp += kernel[p * 10 + h] / 10.0, mq += kernel[q * 10 + h] / 10.0;
      double num = 0, sp = 0, sq = 0;
      for (std::size_t h = 0; h < 10; ++h) {
        const double a = kernel[p * 10 + h] - mp, b = kernel[q * 10 + h] - mq;
        num += a * b, sp += a * a, sq += b * b;
      }
      EXPECT_NEAR(R[p * 6 + q], num / std::sqrt(sp * sq), 1e-12);
    }
  }
}

// R from the upper triangle's rank update holds, bit for bit, what Eigen's full product z z^T
// gave (the numbers of results.json do not move), for the article's layer and wider ones.
TEST(Analysis, CorrelationHasTheBitsOfTheFullProduct) {
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (const auto& [pixels, hidden] :
       {std::pair<std::size_t, std::size_t>{784, 128}, {784, 512}, {60, 1000}, {200, 3}}) {
    CounterRng rng(7, Stream::kInit, hidden);
    std::vector<float> kernel(pixels * hidden);
    for (float& w : kernel) w = rng.uniform_float() - 0.5f;
    const std::vector<double> R = weight_correlation(kernel, pixels, hidden);
    const auto P = static_cast<Eigen::Index>(pixels), H = static_cast<Eigen::Index>(hidden);
    Matrix z =
        Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            kernel.data(), P, H)
            .cast<double>();
    for (Eigen::Index p = 0; p < P; ++p) {
      z.row(p).array() -= z.row(p).mean();
      z.row(p) /= z.row(p).norm();
    }
    Matrix full = z * z.transpose();
    for (Eigen::Index p = 0; p < P; ++p) full(p, p) = 1.0;
    EXPECT_EQ(std::memcmp(R.data(), full.data(), R.size() * sizeof(double)), 0)
        << pixels << " pixels, " << hidden << " hidden units";
  }
}

TEST(Analysis, AntiCorrelatedAndZeroVariance) {
  // Pixel 0: v, pixel 1: -v, pixel 2: constant (zero variance, e.g. a pixel always 0).
  std::vector<float> kernel = {1, 2, 3, -1, -2, -3, 5, 5, 5, 0, 1, 0};
  const std::vector<double> R = weight_correlation(kernel, 4, 3);
  EXPECT_NEAR(R[0 * 4 + 1], -1.0, 1e-12);
  EXPECT_TRUE(std::isnan(R[0 * 4 + 2]));
  EXPECT_TRUE(std::isnan(R[2 * 4 + 2]));
  // A 2x2 image: pixel 2 (bottom left) pairs with 0 (above) and 3 (right) are undefined and
  // left out of every mean.
  GridSignature s = grid_signature(R, 2, 2, 1);
  EXPECT_EQ(s.within_pairs + s.across_pairs, 2u);
  const std::vector<double> A = adjacent_correlation(R, 2, 2);
  EXPECT_NEAR(A[0], R[0 * 4 + 1], 1e-12);  // only the right neighbour is defined
  EXPECT_TRUE(std::isnan(A[2]));
}

// Sizes that do not fit, or whose products wrap around, are errors before anything is read.
TEST(Analysis, KernelOfNoUnitsOrTooFewWeightsIsAnError) {
  EXPECT_THROW(weight_correlation({}, 5, 0), Error);
  EXPECT_THROW(weight_correlation({}, 0, 5), Error);
  const std::vector<float> six(6, 1.0f);
  EXPECT_THROW(weight_correlation(six, 4, 2), Error);
  // 2^62 x 4 wraps around to 0 weights.
  EXPECT_THROW(weight_correlation({}, std::size_t{1} << 62, 4), Error);
}

TEST(Analysis, CorrelationOfAnotherSizeIsAnError) {
  const std::vector<double> R = weight_correlation(block_kernel(), 16, 8);
  EXPECT_THROW(adjacent_correlation(R, 4, 2), Error);
  EXPECT_THROW(grid_signature(R, 2, 4, 2), Error);
  EXPECT_THROW(adjacent_pairs(R, 8, 4, 2), Error);
  // 2^62 x 4 pixels wrap around to 0, and 0 x 0 pixels to an empty R.
  EXPECT_THROW(adjacent_correlation({}, std::size_t{1} << 62, 4), Error);
  EXPECT_THROW(grid_signature({}, std::size_t{1} << 62, 4, 1), Error);
  EXPECT_THROW(adjacent_correlation({}, 0, 0), Error);
}
}  // namespace
}  // namespace savant
