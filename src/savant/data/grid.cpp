#include "savant/data/grid.hpp"

#include <string>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {

Grid::Grid(int g, std::size_t rows, std::size_t cols) {
  if (g < 1 || g > 255) {
    throw InvalidSetting("grid", std::to_string(g),
                         "out of range; a grid has 1 to 255 blocks a side and divides the image "
                         "(1, 2, 4, 7, 14 or 28 for 28x28 images)");
  }
  g_ = static_cast<std::size_t>(g);
  if (rows == 0 || cols == 0 || rows % g_ != 0 || cols % g_ != 0) {
    throw InvalidSetting(
        "grid", std::to_string(g),
        fmt::format("does not divide the {}x{} images; use a common divisor of {} and {}", rows,
                    cols, rows, cols));
  }
  block_rows_ = rows / g_;
  block_cols_ = cols / g_;
}

}  // namespace savant
