#pragma once
// Puzzle invariance (docs/SPEC.md, section 10.5): does a model give an image the same class
// however its blocks are deranged?

#include <cstddef>
#include <cstdint>
#include <span>

#include "savant/data/image_set.hpp"
#include "savant/model/architecture.hpp"
#include "savant/model/network.hpp"

namespace savant {

struct PuzzleInvariance {
  std::size_t images = 0, puzzles = 0;  // n, K
  double consistent = 0;                // the fraction of images given one class for all K puzzles
  double accuracy = 0;                  // the fraction of the n K puzzles classified as their label
};

// Image k is shuffled with K derangements of the grid's blocks, the successive derangements
// drawn from (seed, Stream::kInvariance, k) (data/shuffle.hpp's random_derangement), and each
// puzzle is classified. Throws InvalidSetting("grid", ...) unless g >= 2 divides the image,
// InvalidSetting("puzzles", ...) when K = 0.
PuzzleInvariance puzzle_invariance(const Network& net, const ImageSet& images,
                                   std::span<const std::uint8_t> labels, int grid,
                                   std::uint64_t seed, std::size_t puzzles = 10, int threads = 1);
// The same for a cnn, local or mixer model (model/arch_train.hpp's arch_predict): the same
// puzzles of each image, so the numbers of two models of one seed are on the same images.
PuzzleInvariance puzzle_invariance(const ArchNetwork& net, const ImageSet& images,
                                   std::span<const std::uint8_t> labels, int grid,
                                   std::uint64_t seed, std::size_t puzzles = 10, int threads = 1);

}  // namespace savant
