#pragma once
// The block geometry of a g x g grid over a rows x cols image (docs/SPEC.md, section 2). The
// g^2 blocks are numbered row-major from the top left; each is (rows/g) x (cols/g) pixels.
// Shuffling moves whole blocks; the analysis asks whether two neighbouring pixels share one.

#include <cstddef>

namespace savant {

class Grid {
 public:
  // Throws InvalidSetting("grid", ...) unless 1 <= g <= 255 and g divides both rows and cols.
  // 255 keeps a block's number, below g^2 = 65025, within a std::uint16_t.
  Grid(int g, std::size_t rows, std::size_t cols);

  std::size_t size() const { return g_; }  // g, the blocks along each side
  std::size_t blocks() const { return g_ * g_; }
  std::size_t block_rows() const { return block_rows_; }
  std::size_t block_cols() const { return block_cols_; }

  // The block that pixel (r, c) lies in.
  std::size_t block_of(std::size_t r, std::size_t c) const {
    return (r / block_rows_) * g_ + c / block_cols_;
  }
  bool same_block(std::size_t r1, std::size_t c1, std::size_t r2, std::size_t c2) const {
    return block_of(r1, c1) == block_of(r2, c2);
  }
  // The image row and column of a block's top-left pixel.
  std::size_t first_row(std::size_t block) const { return (block / g_) * block_rows_; }
  std::size_t first_col(std::size_t block) const { return (block % g_) * block_cols_; }

 private:
  std::size_t g_, block_rows_, block_cols_;
};

}  // namespace savant
