#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "savant/core/error.hpp"
#include "savant/data/shuffle.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

TEST(Shuffle, DerangementHasNoFixedPoint) {
  for (int grid : {2, 4, 7, 14}) {
    for (std::uint64_t k = 0; k < 500; ++k) {
      BlockPermutation p =
          block_permutation(ShuffleMode::kDerange, grid, 9, Stream::kShuffleTrain, k);
      ASSERT_EQ(p.size(), static_cast<std::size_t>(grid * grid));
      BlockPermutation sorted = p;
      std::sort(sorted.begin(), sorted.end());
      for (std::size_t i = 0; i < p.size(); ++i) {
        ASSERT_NE(p[i], i) << "fixed point at " << i << " (grid " << grid << ", image " << k << ")";
        ASSERT_EQ(sorted[i], i);
      }
    }
  }
}

TEST(Shuffle, DerangementsOfFourBlocksAreUniform) {
  // !4 = 9 derangements; chi-square with 8 degrees of freedom, 0.1% critical value 26.12.
  std::map<BlockPermutation, int> counts;
  const int n = 90000;
  for (int k = 0; k < n; ++k)
    ++counts[block_permutation(ShuffleMode::kDerange, 2, 1, Stream::kShuffleTrain, k)];
  ASSERT_EQ(counts.size(), 9u);
  double chi2 = 0, expected = n / 9.0;
  for (const auto& [perm, c] : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 26.12);
}

TEST(Shuffle, PermuteAllowsFixedPointsAndIsUniform) {
  std::map<BlockPermutation, int> counts;
  const int n = 48000;
  for (int k = 0; k < n; ++k)
    ++counts[block_permutation(ShuffleMode::kPermute, 2, 1, Stream::kShuffleTest, k)];
  ASSERT_EQ(counts.size(), 24u);  // all 4! permutations, identity included
  double chi2 = 0, expected = n / 24.0;
  for (const auto& [perm, c] : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 49.73);  // 23 degrees of freedom, 0.1%
}

TEST(Shuffle, FixedIsOneDerangementForAllImagesAndSplits) {
  BlockPermutation a = block_permutation(ShuffleMode::kFixed, 4, 3, Stream::kShuffleTrain, 0);
  EXPECT_EQ(a, block_permutation(ShuffleMode::kFixed, 4, 3, Stream::kShuffleTrain, 12345));
  EXPECT_EQ(a, block_permutation(ShuffleMode::kFixed, 4, 3, Stream::kShuffleTest, 7));
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NE(a[i], i);
  EXPECT_NE(a, block_permutation(ShuffleMode::kFixed, 4, 4, Stream::kShuffleTrain, 0));
}

TEST(Shuffle, NoneIsIdentity) {
  BlockPermutation p = block_permutation(ShuffleMode::kNone, 4, 3, Stream::kShuffleTrain, 5);
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_EQ(p[i], i);
}

TEST(Shuffle, DependsOnlyOnSeedSplitAndIndex) {
  auto a = block_permutation(ShuffleMode::kDerange, 4, 3, Stream::kShuffleTrain, 5);
  EXPECT_EQ(a, block_permutation(ShuffleMode::kDerange, 4, 3, Stream::kShuffleTrain, 5));
  EXPECT_NE(a, block_permutation(ShuffleMode::kDerange, 4, 3, Stream::kShuffleTest, 5));
  EXPECT_NE(a, block_permutation(ShuffleMode::kDerange, 4, 4, Stream::kShuffleTrain, 5));
}

TEST(Shuffle, HandBuiltImageMovesAsSpecified) {
  // A 4x4 image, grid 2: blocks of 2x2 numbered row-major 0 1 / 2 3; output block i = input
  // block p(i). Pixel value = 10 * block + position inside the block.
  const std::vector<std::uint8_t> in = {0,  1,  10, 11,  //
                                        2,  3,  12, 13,  //
                                        20, 21, 30, 31,  //
                                        22, 23, 32, 33};
  const std::vector<std::uint16_t> perm = {3, 2, 0, 1};
  std::vector<std::uint8_t> out(16);
  apply_block_permutation(in, out, 4, 4, 2, perm);
  const std::vector<std::uint8_t> expected = {30, 31, 20, 21,  //
                                              32, 33, 22, 23,  //
                                              0,  1,  10, 11,  //
                                              2,  3,  12, 13};
  EXPECT_EQ(out, expected);
}

TEST(Shuffle, NonSquareBlocks) {
  // 2x6 image, grid 2: blocks are 1x3.
  const std::vector<std::uint8_t> in = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::vector<std::uint8_t> out(12);
  apply_block_permutation(in, out, 2, 6, 2, std::vector<std::uint16_t>{1, 0, 3, 2});
  EXPECT_EQ(out, (std::vector<std::uint8_t>{4, 5, 6, 1, 2, 3, 10, 11, 12, 7, 8, 9}));
}

TEST(Shuffle, SameOutputWithOneAndTwoThreads) {
  Split split = testing::random_split(301, 28, 28, 10, 4);
  for (ShuffleMode mode : {ShuffleMode::kDerange, ShuffleMode::kPermute, ShuffleMode::kFixed}) {
    ImageSet one = shuffle_images(split.images, 4, mode, 11, Stream::kShuffleTrain, 1);
    ImageSet two = shuffle_images(split.images, 4, mode, 11, Stream::kShuffleTrain, 2);
    ImageSet three = shuffle_images(split.images, 4, mode, 11, Stream::kShuffleTrain, 3);
    EXPECT_EQ(one.pixels, two.pixels);
    EXPECT_EQ(one.pixels, three.pixels);
    EXPECT_NE(one.pixels, split.images.pixels);
  }
}

TEST(Shuffle, ShuffledImageIsABlockPermutationOfItsOriginal) {
  Split split = testing::random_split(20, 28, 28, 10, 5);
  ImageSet out = shuffle_images(split.images, 7, ShuffleMode::kDerange, 2, Stream::kShuffleTest, 2);
  for (std::size_t k = 0; k < 20; ++k) {
    auto perm = block_permutation(ShuffleMode::kDerange, 7, 2, Stream::kShuffleTest, k);
    std::vector<std::uint8_t> expected(784);
    apply_block_permutation(split.images.image(k), expected, 28, 28, 7, perm);
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), out.image(k).begin()));
  }
}

TEST(Shuffle, GridOneWithDerangeIsRejected) {
  EXPECT_THROW(validate_grid(1, 28, 28, ShuffleMode::kDerange), UsageError);
  EXPECT_THROW(validate_grid(1, 28, 28, ShuffleMode::kFixed), UsageError);
  EXPECT_NO_THROW(validate_grid(1, 28, 28, ShuffleMode::kPermute));
  try {
    validate_grid(1, 28, 28, ShuffleMode::kDerange);
  } catch (const InvalidSetting& e) {
    EXPECT_EQ(e.setting(), "grid");
    EXPECT_NE(std::string(e.what()).find("no derangement"), std::string::npos);
  }
}

TEST(Shuffle, GridMustDivideTheImage) {
  EXPECT_THROW(validate_grid(5, 28, 28, ShuffleMode::kDerange), UsageError);
  EXPECT_THROW(validate_grid(0, 28, 28, ShuffleMode::kDerange), UsageError);
  for (int g : {2, 4, 7, 14, 28}) EXPECT_NO_THROW(validate_grid(g, 28, 28, ShuffleMode::kDerange));
}

TEST(Shuffle, ParseModes) {
  EXPECT_EQ(parse_shuffle_mode("derange"), ShuffleMode::kDerange);
  EXPECT_EQ(parse_shuffle_mode("none"), ShuffleMode::kNone);
  EXPECT_THROW(parse_shuffle_mode("random"), InvalidSetting);
  for (auto m :
       {ShuffleMode::kDerange, ShuffleMode::kPermute, ShuffleMode::kFixed, ShuffleMode::kNone})
    EXPECT_EQ(parse_shuffle_mode(to_string(m)), m);
}

}  // namespace
}  // namespace savant
