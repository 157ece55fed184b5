#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "savant/analysis/units.hpp"
#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/data/grid.hpp"

namespace savant {
namespace {

constexpr std::size_t kRows = 8, kCols = 8;

// A kernel (64, hidden) for an 8 x 8 image, weight(r, c, j) = f(r, c, j).
template <typename F>
std::vector<double> kernel_of(std::size_t hidden, F f) {
  std::vector<double> w(kRows * kCols * hidden);
  for (std::size_t r = 0; r < kRows; ++r) {
    for (std::size_t c = 0; c < kCols; ++c) {
      for (std::size_t j = 0; j < hidden; ++j) w[(r * kCols + c) * hidden + j] = f(r, c, j);
    }
  }
  return w;
}

TEST(Units, EachUnitSeeingOneBlockIsFullySpecialised) {
  // Grid 4 on 8 x 8: 16 blocks of 2 x 2. Unit j sees only block j % 16, with varied weights.
  const Grid grid(4, kRows, kCols);
  const std::size_t hidden = 32;
  const auto w = kernel_of(hidden, [&](std::size_t r, std::size_t c, std::size_t j) {
    return grid.block_of(r, c) == j % 16 ? 0.1 + 0.01 * static_cast<double>(r * kCols + c) - 0.3
                                         : 0.0;
  });
  const BlockSpecialisation s = block_specialisation(w, kRows, kCols, hidden, 4);
  ASSERT_EQ(s.specialisation.size(), hidden);
  for (std::size_t j = 0; j < hidden; ++j) {
    EXPECT_DOUBLE_EQ(s.specialisation[j], 1.0) << j;
    EXPECT_EQ(s.home[j], j % 16) << j;
  }
  EXPECT_DOUBLE_EQ(s.mean, 1.0);
  // Two units per block.
  for (std::size_t b = 0; b < 16; ++b) EXPECT_EQ(s.owned[b], 2u) << b;
}

TEST(Units, UniformWeightsHaveSpecialisationOneOverBlocks) {
  const std::size_t hidden = 5;
  const auto w = kernel_of(
      hidden, [](std::size_t, std::size_t, std::size_t j) { return j % 2 ? -0.25 : 0.5; });
  for (int g : {2, 4}) {
    const BlockSpecialisation s = block_specialisation(w, kRows, kCols, hidden, g);
    for (std::size_t j = 0; j < hidden; ++j) {
      EXPECT_NEAR(s.specialisation[j], 1.0 / (g * g), 1e-12);
      for (std::size_t b = 0; b < s.blocks; ++b) {
        EXPECT_NEAR(s.shares[j * s.blocks + b], 1.0 / (g * g), 1e-12);
      }
    }
    EXPECT_NEAR(s.mean, 1.0 / (g * g), 1e-12);
    // Every share ties: the first block is every unit's home.
    EXPECT_EQ(s.owned[0], hidden);
  }
}

TEST(Units, SharesFollowTheSquaredWeights) {
  // One unit, grid 2: weight 1 in block 0, 2 in block 3 (one pixel each), 0 elsewhere.
  auto w = kernel_of(1, [](std::size_t, std::size_t, std::size_t) { return 0.0; });
  w[0] = 1.0;           // pixel (0, 0), block 0
  w[7 * 8 + 7] = -2.0;  // pixel (7, 7), block 3
  const BlockSpecialisation s = block_specialisation(w, kRows, kCols, 1, 2);
  EXPECT_NEAR(s.shares[0], 0.2, 1e-12);
  EXPECT_NEAR(s.shares[3], 0.8, 1e-12);
  EXPECT_NEAR(s.specialisation[0], 0.8, 1e-12);
  EXPECT_EQ(s.home[0], 3u);
  EXPECT_EQ(s.owned[3], 1u);
}

TEST(Units, AllZeroUnitIsUndefinedAndLeftOutOfTheMean) {
  const Grid grid(2, kRows, kCols);
  const auto w = kernel_of(2, [&](std::size_t r, std::size_t c, std::size_t j) {
    return j == 0 && grid.block_of(r, c) == 1 ? 1.0 : 0.0;
  });
  const BlockSpecialisation s = block_specialisation(w, kRows, kCols, 2, 2);
  EXPECT_TRUE(std::isnan(s.specialisation[1]));
  EXPECT_DOUBLE_EQ(s.mean, 1.0);
  EXPECT_EQ(std::accumulate(s.owned.begin(), s.owned.end(), std::size_t{0}), 1u);
  EXPECT_THROW(block_specialisation(w, kRows, kCols, 2, 3), InvalidSetting);
}

TEST(Units, BorderDiscontinuityOfBlockConstantWeightsIsLarge) {
  // Weights constant inside each 4 x 4 block (grid 2) but different between blocks, plus a
  // little smooth ripple so that the within mean is not zero.
  const Grid grid(2, kRows, kCols);
  const auto w = kernel_of(3, [&](std::size_t r, std::size_t c, std::size_t j) {
    return static_cast<double>(grid.block_of(r, c) * (j + 1)) + 1e-3 * static_cast<double>(r + c);
  });
  const BorderDiscontinuity d = border_discontinuity(w, kRows, kCols, 3, 2);
  for (double v : d.ratio) EXPECT_GT(v, 100.0);
  EXPECT_GT(d.mean, 100.0);
  // Without the ripple, inside a block nothing changes: infinite.
  const auto flat = kernel_of(1, [&](std::size_t r, std::size_t c, std::size_t) {
    return static_cast<double>(grid.block_of(r, c));
  });
  EXPECT_TRUE(std::isinf(border_discontinuity(flat, kRows, kCols, 1, 2).ratio[0]));
}

TEST(Units, BorderDiscontinuityOfSmoothWeightsIsAboutOne) {
  // A linear ramp: every adjacent step has the same size, on borders or not.
  const auto ramp = kernel_of(2, [](std::size_t r, std::size_t c, std::size_t j) {
    return 0.5 * static_cast<double>(r) + (j ? -0.3 : 0.2) * static_cast<double>(c);
  });
  const BorderDiscontinuity d = border_discontinuity(ramp, kRows, kCols, 2, 2);
  for (double v : d.ratio) EXPECT_NEAR(v, 1.0, 1e-12);
  // Random weights (a Glorot start): no border stands out either.
  CounterRng rng(3, Stream::kInit, 0);
  const auto noise = kernel_of(64, [&](std::size_t, std::size_t, std::size_t) {
    return static_cast<double>(rng.uniform_float()) - 0.5;
  });
  const BorderDiscontinuity n = border_discontinuity(noise, kRows, kCols, 64, 2);
  EXPECT_NEAR(n.mean, 1.0, 0.1);
  EXPECT_NEAR(n.median, 1.0, 0.1);
  // Zero weights: undefined.
  const auto zero = kernel_of(1, [](std::size_t, std::size_t, std::size_t) { return 0.0; });
  EXPECT_TRUE(std::isnan(border_discontinuity(zero, kRows, kCols, 1, 2).ratio[0]));
  // Blocks of one pixel have no pair inside a block.
  EXPECT_THROW(border_discontinuity(ramp, kRows, kCols, 2, 8), InvalidSetting);
  EXPECT_THROW(border_discontinuity(ramp, kRows, kCols, 2, 1), InvalidSetting);
}

TEST(Units, ChangeIsTrainedMinusTheSeedsGlorotStart) {
  Network net(dense_layout(16, 4, 1, 3));
  glorot_uniform_init(net, 11);
  Network start = net;
  net.kernel(0)[5] += 0.25f;
  const std::vector<double> delta = first_layer_change(net, 11);
  ASSERT_EQ(delta.size(), 64u);
  for (std::size_t i = 0; i < delta.size(); ++i) {
    EXPECT_DOUBLE_EQ(delta[i], i == 5 ? static_cast<double>(net.kernel(0)[5]) -
                                            static_cast<double>(start.kernel(0)[5])
                                      : 0.0)
        << i;
  }
  // Another seed's start is not this one's.
  const std::vector<double> other = first_layer_change(net, 12);
  EXPECT_NE(other[0], 0.0);
  const std::vector<double> w = first_layer_weights(net);
  EXPECT_EQ(w[5], static_cast<double>(net.kernel(0)[5]));
}

TEST(Units, KernelOfAnotherSizeIsAnError) {
  const auto w = kernel_of(3, [](std::size_t, std::size_t, std::size_t) { return 1.0; });
  EXPECT_THROW(block_specialisation(w, kRows, kCols, 4, 2), Error);
  EXPECT_THROW(border_discontinuity(w, kRows, kCols, 2, 2), Error);
  EXPECT_THROW(block_specialisation({}, kRows, kCols, 0, 2), Error);
  // (2^61 x 8) x 3 wraps around to 0 weights.
  EXPECT_THROW(block_specialisation({}, std::size_t{1} << 61, 8, 3, 1), Error);
}
}  // namespace
}  // namespace savant
