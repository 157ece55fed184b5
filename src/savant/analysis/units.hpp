#pragma once
// What each hidden unit of the first layer looks at (docs/SPEC.md, sections 10.2 and 10.3): how its
// squared weight is shared among the blocks of a grid, which block holds most of it, and whether
// its weights change more across block borders than inside blocks. W is the first kernel (P, N), P
// = rows x cols pixels, N hidden units: column j is unit j's receptive field.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "savant/model/network.hpp"

namespace savant {

// The first kernel (P, N) in double: the trained weights, and what training added to them (the
// trained weights minus glorot_uniform_init(seed)'s, the start every model of the seed shares).
std::vector<double> first_layer_weights(const Network& net);
std::vector<double> first_layer_change(const Network& trained, std::uint64_t seed);

struct BlockSpecialisation {
  std::size_t units = 0, blocks = 0;  // N, g^2
  // shares (N, g^2): unit j's share of its squared weight that lies in block b; each row sums
  // to 1, or is NaN for a unit whose weights are all zero.
  std::vector<double> shares;
  std::vector<double> specialisation;  // (N): the largest share, in [1/g^2, 1]; NaN as above
  std::vector<std::size_t> home;       // (N): the block of the largest share (the first on a tie)
  std::vector<std::size_t> owned;      // (g, g): how many units have each block as their home
  double mean = 0;                     // of the defined specialisations; NaN when none is
};

// Throws InvalidSetting("grid", ...) when the grid does not divide the image (data/grid.hpp),
// Error when the kernel does not hold (rows x cols) x hidden weights (so for border_discontinuity).
BlockSpecialisation block_specialisation(std::span<const double> kernel, std::size_t rows,
                                         std::size_t cols, std::size_t hidden, int grid);

// The units in the gallery's order (io/unit_gallery.hpp): by home block, and inside a block by
// decreasing specialisation (then by unit number); units with an undefined specialisation last.
std::vector<std::size_t> units_by_home_block(const BlockSpecialisation& s);

struct BorderDiscontinuity {
  // (N): the mean |w(p) - w(q)| over adjacent pairs that cross a block border, divided by the
  // same mean over adjacent pairs inside one block. 1: the border makes no difference; +inf
  // when the within mean is zero and the across mean is not; NaN when both are zero.
  std::vector<double> ratio;
  double mean = 0, median = 0;  // over the finite ratios; NaN when none is
};

// Needs a grid with both within and across pairs (2 <= g and blocks of more than one pixel);
// throws InvalidSetting("grid", ...) otherwise.
BorderDiscontinuity border_discontinuity(std::span<const double> kernel, std::size_t rows,
                                         std::size_t cols, std::size_t hidden, int grid);

}  // namespace savant
