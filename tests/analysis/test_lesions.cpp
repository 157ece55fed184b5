#include <gtest/gtest.h>

#include "savant/analysis/lesions.hpp"
#include "savant/core/error.hpp"
#include "savant/data/grid.hpp"
#include "savant/model/evaluate.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

TEST(Lesions, BlockWithZeroWeightsCostsNothing) {
  const Split data = testing::random_split(700, 8, 8, 4, 21);
  Network net(dense_layout(64, 16, 1, 4));
  glorot_uniform_init(net, 5);
  const Grid grid(2, 8, 8);
  const std::size_t silent = 2;  // the block whose kernel rows are zero
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::size_t c = 0; c < 8; ++c) {
      if (grid.block_of(r, c) != silent) continue;
      for (std::size_t j = 0; j < 16; ++j) net.kernel(0)[(r * 8 + c) * 16 + j] = 0.0f;
    }
  }
  // Labelled with the model's own predictions: a perfect baseline.
  const std::vector<std::uint8_t> labels = testing::predicted_labels(net, data.images);
  const LesionMap map = block_lesions(net, data.images, labels, 2);
  ASSERT_EQ(map.accuracy.size(), 4u);
  EXPECT_EQ(map.grid, 2u);
  EXPECT_DOUBLE_EQ(map.baseline, 1.0);
  EXPECT_DOUBLE_EQ(map.accuracy[silent], 1.0);
  EXPECT_DOUBLE_EQ(map.lost[silent], 0.0);
  // The blocks the model does see cost something.
  for (std::size_t b : {0, 1, 3}) EXPECT_GT(map.lost[b], 0.0) << b;
}

TEST(Lesions, PreactivationShortcutEqualsRecomputation) {
  struct Case {
    std::size_t rows, cols, hidden, layers;
    int grid;
  };
  for (const Case& c : {Case{28, 28, 32, 1, 4}, Case{28, 28, 24, 2, 7}, Case{12, 8, 20, 1, 2}}) {
    const Split data = testing::random_split(1234, c.rows, c.cols, 10, 3);
    Network net(dense_layout(c.rows * c.cols, c.hidden, c.layers, 10));
    glorot_uniform_init(net, 17);
    for (const std::vector<std::uint8_t>& labels :
         {data.labels, testing::predicted_labels(net, data.images)}) {
      const LesionMap fast = block_lesions(net, data.images, labels, c.grid, 2);
      const LesionMap plain = block_lesions_recomputed(net, data.images, labels, c.grid);
      EXPECT_EQ(fast.baseline, plain.baseline);
      ASSERT_EQ(fast.accuracy.size(), static_cast<std::size_t>(c.grid * c.grid));
      EXPECT_EQ(fast.accuracy, plain.accuracy) << c.rows << "x" << c.cols << " grid " << c.grid;
      EXPECT_EQ(fast.lost, plain.lost);
    }
  }
}

TEST(Lesions, SameOnAnyNumberOfThreads) {
  const Split data = testing::random_split(1600, 28, 28, 10, 8);
  Network net(dense_layout(784, 16, 1, 10));
  glorot_uniform_init(net, 2);
  const LesionMap one = block_lesions(net, data.images, data.labels, 4, 1);
  const LesionMap three = block_lesions(net, data.images, data.labels, 4, 3);
  EXPECT_EQ(one.accuracy, three.accuracy);
  EXPECT_EQ(one.baseline, three.baseline);
}

TEST(Lesions, GridMustFitTheImage) {
  const Split data = testing::random_split(10, 28, 28, 10, 8);
  Network net(dense_layout(784, 16, 1, 10));
  EXPECT_THROW(block_lesions(net, data.images, data.labels, 5), InvalidSetting);
  EXPECT_THROW(block_lesions_recomputed(net, data.images, data.labels, 3), InvalidSetting);
}

TEST(Lesions, NetworkWithoutHiddenLayerOrTooFewLabelsIsAnError) {
  const Split data = testing::random_split(1100, 4, 4, 10, 8);
  Network no_hidden(ParameterLayout({16, 10}));
  EXPECT_THROW(block_lesions(no_hidden, data.images, data.labels, 2, 3), Error);
  Network net(dense_layout(16, 4, 1, 10));
  const std::span<const std::uint8_t> fewer(data.labels.data(), 10);
  EXPECT_THROW(block_lesions(net, data.images, fewer, 2, 3), Error);
}
}  // namespace
}  // namespace savant
