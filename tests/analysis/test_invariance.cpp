#include <gtest/gtest.h>

#include "savant/analysis/invariance.hpp"
#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/data/grid.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/model/arch_train.hpp"
#include "savant/model/evaluate.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

TEST(Invariance, BlockPermutationInvariantModelIsFullyConsistent) {
  // 12 x 12 images, grid 3 (blocks of 4 x 4): pixel p's kernel row depends only on p's position
  // inside its block, so the first layer sums the same products whichever block is where.
  const Split data = testing::random_split(800, 12, 12, 5, 31);
  Network net(dense_layout(144, 12, 1, 5));
  glorot_uniform_init(net, 9);
  const Grid grid(3, 12, 12);
  for (std::size_t r = 0; r < 12; ++r) {
    for (std::size_t c = 0; c < 12; ++c) {
      const std::size_t offset = (r % 4) * 4 + c % 4;  // the same pixel of block 0
      for (std::size_t j = 0; j < 12; ++j) {
        net.kernel(0)[(r * 12 + c) * 12 + j] =
            net.kernel(0)[offset / 4 * 12 * 12 + offset % 4 * 12 + j];
      }
    }
  }
  const std::vector<std::uint8_t> labels = testing::predicted_labels(net, data.images);
  const PuzzleInvariance inv = puzzle_invariance(net, data.images, labels, 3, 4, 10, 2);
  EXPECT_EQ(inv.images, 800u);
  EXPECT_EQ(inv.puzzles, 10u);
  EXPECT_DOUBLE_EQ(inv.consistent, 1.0);
  EXPECT_DOUBLE_EQ(inv.accuracy, 1.0);
}

TEST(Invariance, OrdinaryModelIsNot) {
  const Split data = testing::random_split(800, 12, 12, 5, 31);
  Network net(dense_layout(144, 12, 1, 5));
  glorot_uniform_init(net, 9);
  const std::vector<std::uint8_t> labels = testing::predicted_labels(net, data.images);
  const PuzzleInvariance inv = puzzle_invariance(net, data.images, labels, 3, 4, 10);
  EXPECT_LT(inv.consistent, 0.9);
  EXPECT_LT(inv.accuracy, 0.9);
}

TEST(Invariance, PuzzlesComeFromTheirOwnStream) {
  // With K = 1, image k's puzzle is the first derangement drawn from (seed, kInvariance, k):
  // the accuracy is the model's on the images shuffled that way.
  const Split data = testing::random_split(1100, 28, 28, 10, 5);
  Network net(dense_layout(784, 16, 1, 10));
  glorot_uniform_init(net, 1);
  ImageSet shuffled = data.images;
  for (std::size_t k = 0; k < data.images.count; ++k) {
    CounterRng rng(77, Stream::kInvariance, k);
    const BlockPermutation perm = random_derangement(rng, 16);
    apply_block_permutation(data.images.image(k), shuffled.image(k), 28, 28, 4, perm);
  }
  const std::vector<std::uint8_t> labels = testing::predicted_labels(net, shuffled);
  const PuzzleInvariance inv = puzzle_invariance(net, data.images, labels, 4, 77, 1, 3);
  EXPECT_DOUBLE_EQ(inv.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(inv.consistent, 1.0);  // one puzzle always agrees with itself
  // Another seed's puzzles are other puzzles.
  EXPECT_LT(puzzle_invariance(net, data.images, labels, 4, 78, 1).accuracy, 0.9);
  // And the result does not depend on the threads.
  const PuzzleInvariance a = puzzle_invariance(net, data.images, data.labels, 4, 77, 4, 1);
  const PuzzleInvariance b = puzzle_invariance(net, data.images, data.labels, 4, 77, 4, 3);
  EXPECT_EQ(a.accuracy, b.accuracy);
  EXPECT_EQ(a.consistent, b.consistent);
}

// The cnn, local and mixer models (model/arch_train.hpp) see the same puzzles as the mlp.
TEST(Invariance, ArchitecturesSeeTheSamePuzzles) {
  const Split data = testing::random_split(120, 28, 28, 10, 5);
  ImageSet shuffled = data.images;
  for (std::size_t k = 0; k < data.images.count; ++k) {
    CounterRng rng(77, Stream::kInvariance, k);
    const BlockPermutation perm = random_derangement(rng, 16);
    apply_block_permutation(data.images.image(k), shuffled.image(k), 28, 28, 4, perm);
  }
  for (Architecture arch : {Architecture::cnn, Architecture::local, Architecture::mixer}) {
    ArchNetwork net(architecture_layout(arch, 28, 28, 4, 10));
    glorot_uniform_init(net, 1);
    const std::vector<std::uint8_t> labels = evaluate(net, shuffled, data.labels, 1).predicted;
    const PuzzleInvariance inv = puzzle_invariance(net, data.images, labels, 4, 77, 1, 2);
    EXPECT_DOUBLE_EQ(inv.accuracy, 1.0) << architecture_name(arch);
    EXPECT_DOUBLE_EQ(inv.consistent, 1.0) << architecture_name(arch);
    const PuzzleInvariance a = puzzle_invariance(net, data.images, data.labels, 4, 77, 3, 1);
    const PuzzleInvariance b = puzzle_invariance(net, data.images, data.labels, 4, 77, 3, 3);
    EXPECT_EQ(a.accuracy, b.accuracy) << architecture_name(arch);
    EXPECT_EQ(a.consistent, b.consistent) << architecture_name(arch);
  }
}

// A mixer without token mixing (its second token layer zero) embeds each block alone, adds a
// per-token MLP and averages the tokens: it does not see where a block is, so every puzzle of
// an image gets one class (up to the rounding of the sum's order).
TEST(Invariance, AMixerWithoutTokenMixingIsInvariantAndARandomCnnIsNot) {
  const Split data = testing::random_split(200, 28, 28, 10, 8);
  ArchNetwork mixer(architecture_layout(Architecture::mixer, 28, 28, 4, 10));
  glorot_uniform_init(mixer, 3);
  for (const char* name : {"token_mlp.2.weight", "token_mlp.2.bias"}) {
    const TensorSpec& t = mixer.layout.tensor(name);
    std::fill_n(mixer.params.begin() + static_cast<long>(t.offset), t.size, 0.0f);
  }
  EXPECT_GT(puzzle_invariance(mixer, data.images, data.labels, 4, 5, 10).consistent, 0.99);
  ArchNetwork cnn(architecture_layout(Architecture::cnn, 28, 28, 4, 10));
  glorot_uniform_init(cnn, 3);
  EXPECT_LT(puzzle_invariance(cnn, data.images, data.labels, 4, 5, 10).consistent, 0.9);
}

TEST(Invariance, SettingsAreChecked) {
  const Split data = testing::random_split(10, 28, 28, 10, 5);
  Network net(dense_layout(784, 16, 1, 10));
  EXPECT_THROW(puzzle_invariance(net, data.images, data.labels, 1, 0), InvalidSetting);
  EXPECT_THROW(puzzle_invariance(net, data.images, data.labels, 5, 0), InvalidSetting);
  EXPECT_THROW(puzzle_invariance(net, data.images, data.labels, 4, 0, 0), InvalidSetting);
}

TEST(Invariance, NetworkWithoutHiddenLayerIsAnError) {
  const Split data = testing::random_split(1100, 4, 4, 10, 5);
  Network no_hidden(ParameterLayout({16, 10}));
  EXPECT_THROW(puzzle_invariance(no_hidden, data.images, data.labels, 2, 0, 1, 3), Error);
}

}  // namespace
}  // namespace savant
