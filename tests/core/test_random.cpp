#include <gtest/gtest.h>

#include <array>
#include <set>

#include "savant/core/random.hpp"

namespace savant {
namespace {

TEST(Philox, MatchesRandom123KnownAnswer) {
  // Known-answer test of Random123 (kat_vectors): philox4x32 with 10 rounds, zero counter and key.
  auto out = philox4x32({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(out[0], 0x6627e8d5u);
  EXPECT_EQ(out[1], 0xe169c58du);
  EXPECT_EQ(out[2], 0xbc57ac4cu);
  EXPECT_EQ(out[3], 0x9b00dbd8u);
}

TEST(CounterRng, SameKeySameStreamIsReproducible) {
  CounterRng a(42, Stream::kShuffleTrain, 7), b(42, Stream::kShuffleTrain, 7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u32(), b.next_u32());
}

TEST(CounterRng, StreamsAndIndicesDiffer) {
  CounterRng a(42, Stream::kShuffleTrain, 7), b(42, Stream::kShuffleTest, 7),
      c(42, Stream::kShuffleTrain, 8), d(43, Stream::kShuffleTrain, 7);
  const std::uint32_t x = a.next_u32();
  EXPECT_NE(x, b.next_u32());
  EXPECT_NE(x, c.next_u32());
  EXPECT_NE(x, d.next_u32());
}

TEST(CounterRng, UniformBelowStaysInRangeAndCoversIt) {
  CounterRng rng(1, Stream::kInit, 0);
  std::array<int, 7> counts{};
  for (int i = 0; i < 7000; ++i) {
    std::uint32_t v = rng.uniform_below(7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 1000, 150);
}

TEST(CounterRng, UniformFloatInUnitInterval) {
  CounterRng rng(3, Stream::kInit, 0);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    float u = rng.uniform_float();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

TEST(CounterRng, PermutationIsAPermutation) {
  CounterRng rng(5, Stream::kEpochOrder, 1);
  std::vector<std::uint32_t> p(1000);
  rng.permutation(std::span<std::uint32_t>(p));
  std::set<std::uint32_t> seen(p.begin(), p.end());
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(*seen.rbegin(), 999u);
}

}  // namespace
}  // namespace savant
