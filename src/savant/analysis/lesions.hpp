#pragma once
// Block lesions (docs/SPEC.md, section 10.4): a model's accuracy on a labelled image set when
// the pixels of one block position are set to zero, for every position of a g x g grid.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "savant/data/image_set.hpp"
#include "savant/model/network.hpp"

namespace savant {

struct LesionMap {
  std::size_t grid = 0;
  double baseline = 0;           // accuracy on the images as they are
  std::vector<double> accuracy;  // (g, g): accuracy with that block position zeroed
  std::vector<double> lost;      // (g, g): baseline - accuracy
};

// Computed from the first layer's pre-activations: each block's contribution to them (its
// pixels times their kernel rows) is computed once per image, the pre-activations are the bias
// plus their sum, and a lesion subtracts one contribution instead of running the first layer
// again. Throws InvalidSetting("grid", ...) when the grid
// does not divide the image.
LesionMap block_lesions(const Network& net, const ImageSet& images,
                        std::span<const std::uint8_t> labels, int grid, int threads = 1);

// The plain computation the fast one is checked against: a copy of the images with the block
// zeroed, classified by model/evaluate.hpp's evaluate.
LesionMap block_lesions_recomputed(const Network& net, const ImageSet& images,
                                   std::span<const std::uint8_t> labels, int grid);

}  // namespace savant
