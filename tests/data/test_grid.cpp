#include <gtest/gtest.h>

#include <string>

#include "savant/core/error.hpp"
#include "savant/data/grid.hpp"

namespace savant {
namespace {

TEST(Grid, BlockSizeIsTheImageOverG) {
  const Grid grid(4, 28, 28);
  EXPECT_EQ(grid.size(), 4u);
  EXPECT_EQ(grid.blocks(), 16u);
  EXPECT_EQ(grid.block_rows(), 7u);
  EXPECT_EQ(grid.block_cols(), 7u);
  const Grid wide(2, 4, 10);
  EXPECT_EQ(wide.block_rows(), 2u);
  EXPECT_EQ(wide.block_cols(), 5u);
}

TEST(Grid, BlocksAreNumberedRowMajor) {
  const Grid grid(2, 4, 10);  // blocks of 2 x 5
  EXPECT_EQ(grid.block_of(0, 0), 0u);
  EXPECT_EQ(grid.block_of(1, 4), 0u);
  EXPECT_EQ(grid.block_of(0, 5), 1u);
  EXPECT_EQ(grid.block_of(2, 0), 2u);
  EXPECT_EQ(grid.block_of(3, 9), 3u);
  for (std::size_t b = 0; b < grid.blocks(); ++b) {
    EXPECT_EQ(grid.block_of(grid.first_row(b), grid.first_col(b)), b);
  }
  EXPECT_EQ(grid.first_row(3), 2u);
  EXPECT_EQ(grid.first_col(3), 5u);
}

TEST(Grid, NeighboursShareABlockExceptAcrossABorder) {
  const Grid grid(4, 28, 28);  // borders after columns and rows 6, 13 and 20
  EXPECT_TRUE(grid.same_block(0, 5, 0, 6));
  EXPECT_FALSE(grid.same_block(0, 6, 0, 7));
  EXPECT_TRUE(grid.same_block(12, 3, 13, 3));
  EXPECT_FALSE(grid.same_block(13, 3, 14, 3));
  // Over the whole image: 28 rows x 27 horizontal pairs, 3 of each 27 across a border.
  std::size_t across = 0;
  for (std::size_t r = 0; r < 28; ++r) {
    for (std::size_t c = 0; c + 1 < 28; ++c) across += grid.same_block(r, c, r, c + 1) ? 0 : 1;
  }
  EXPECT_EQ(across, 28u * 3u);
}

TEST(Grid, OneBlockHoldsEveryPixel) {
  const Grid grid(1, 28, 28);
  EXPECT_EQ(grid.blocks(), 1u);
  EXPECT_TRUE(grid.same_block(0, 0, 27, 27));
}

TEST(Grid, RejectsAGridThatDoesNotFitTheImage) {
  for (int g : {0, -1, 256, 5, 3}) {
    try {
      Grid(g, 28, 28);
      ADD_FAILURE() << "grid " << g << " was accepted";
    } catch (const InvalidSetting& e) {
      EXPECT_EQ(e.setting(), "grid");
      EXPECT_EQ(e.value(), std::to_string(g));
    }
  }
  try {
    Grid(3, 8, 8);
    ADD_FAILURE() << "grid 3 was accepted for 8x8 images";
  } catch (const InvalidSetting& e) {
    EXPECT_NE(std::string(e.what()).find("does not divide the 8x8 images; use one of 1, 2, 4 or 8"),
              std::string::npos)
        << e.what();
  }
  // Images of two sizes: the divisors of both.
  try {
    Grid(4, 28, 14);
    ADD_FAILURE() << "grid 4 was accepted for 28x14 images";
  } catch (const InvalidSetting& e) {
    EXPECT_NE(std::string(e.what()).find("use a common divisor of 28 and 14: 1, 2, 7 or 14"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Grid(2, 0, 28), InvalidSetting);
  for (int g : {1, 2, 4, 7, 14, 28}) EXPECT_NO_THROW(Grid(g, 28, 28));
}

}  // namespace
}  // namespace savant
