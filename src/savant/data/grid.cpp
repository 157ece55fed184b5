#include "savant/data/grid.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "savant/core/error.hpp"

namespace savant {
namespace {

// "one of 1, 2, 4, 7, 14 or 28" for 28x28 images, "a common divisor of 28 and 14: 1, 2, 7 or 14"
// for images of two sizes.
std::string grids_that_divide(std::size_t rows, std::size_t cols) {
  const std::size_t both = std::gcd(rows, cols);
  std::vector<std::string> grids;
  for (std::size_t g = 1; g <= std::min<std::size_t>(both, 255); ++g) {
    if (both % g == 0) grids.push_back(std::to_string(g));
  }
  if (grids.empty()) return "an image of at least one pixel";
  const bool several = grids.size() > 1;
  std::string list = grids.back();
  if (several) {
    grids.pop_back();
    list = fmt::format("{} or {}", fmt::join(grids, ", "), list);
  }
  if (rows == cols) return several ? "one of " + list : list;
  return fmt::format("a common divisor of {} and {}: {}", rows, cols, list);
}

}  // namespace

Grid::Grid(int g, std::size_t rows, std::size_t cols) {
  if (g < 1 || g > 255) {
    throw InvalidSetting("grid", std::to_string(g),
                         "out of range; a grid has 1 to 255 blocks a side and divides the image "
                         "(1, 2, 4, 7, 14 or 28 for 28x28 images)");
  }
  g_ = static_cast<std::size_t>(g);
  if (rows == 0 || cols == 0 || rows % g_ != 0 || cols % g_ != 0) {
    throw InvalidSetting("grid", std::to_string(g),
                         fmt::format("does not divide the {}x{} images; use {}", rows, cols,
                                     grids_that_divide(rows, cols)));
  }
  block_rows_ = rows / g_;
  block_cols_ = cols / g_;
}

}  // namespace savant
