#pragma once
// Weight-correlation analysis (docs/SPEC.md, section 5). W1 is the first kernel, one row per input
// pixel: w_p is the vector of the weights leaving pixel p towards the hidden units.

#include <cstddef>
#include <span>
#include <vector>

namespace savant {

// R (P, P) row-major, R(p, q) = Pearson correlation of w_p and w_q, for a kernel (P, H).
// NaN where w_p or w_q has zero variance. Computed in double. Throws Error unless the kernel
// holds pixels x hidden weights, both positive. The functions taking R throw Error unless it
// holds (rows x cols)^2 values.
std::vector<double> weight_correlation(std::span<const float> kernel, std::size_t pixels,
                                       std::size_t hidden);

// A (rows, cols): A(r, c) = mean of R(p, right neighbour) and R(p, lower neighbour) over those
// that exist and are not NaN; NaN when none (the bottom-right pixel).
std::vector<double> adjacent_correlation(std::span<const double> R, std::size_t rows,
                                         std::size_t cols);

struct GridSignature {
  double within = 0;    // mean R over adjacent pairs inside one block
  double across = 0;    // mean R over adjacent pairs that cross a block border
  double contrast = 0;  // within - across
  std::size_t within_pairs = 0, across_pairs = 0;  // pairs with a defined R
};

// Over every horizontally or vertically adjacent pixel pair; NaN pairs are left out. Throws
// InvalidSetting("grid", ...) when the grid does not divide the image (data/grid.hpp).
GridSignature grid_signature(std::span<const double> R, std::size_t rows, std::size_t cols,
                             int grid);

// The R values of the adjacent pairs, split by whether the pair lies inside one block.
struct AdjacentPairs {
  std::vector<double> within, across;
};
AdjacentPairs adjacent_pairs(std::span<const double> R, std::size_t rows, std::size_t cols,
                             int grid);

}  // namespace savant
