#pragma once
// Block shuffling ("puzzling", docs/SPEC.md section 2): an H x W image is cut by a g x g grid into
// g^2 blocks numbered row-major, and output block i is input block p(i).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "savant/core/random.hpp"
#include "savant/data/grid.hpp"
#include "savant/data/idx.hpp"

namespace savant {

enum class ShuffleMode { kDerange, kPermute, kFixed, kNone };

ShuffleMode parse_shuffle_mode(std::string_view text);  // throws InvalidSetting("shuffle", ...)
std::string to_string(ShuffleMode mode);

using BlockPermutation = std::vector<std::uint16_t>;

// The grid's geometry (data/grid.hpp), checked for the mode too: throws InvalidSetting("grid",
// ...) when the grid does not fit the image, or when the mode needs a derangement and g = 1
// (one block cannot move).
Grid validate_grid(int grid, std::size_t rows, std::size_t cols, ShuffleMode mode);

// A uniformly random derangement of {0 .. n-1}: Fisher-Yates, rejected while it has a fixed
// point (about e tries on average).
BlockPermutation random_derangement(CounterRng& rng, std::size_t n);

// The permutation of image k of a split: a pure function of (mode, seed, stream, k).
// `fixed` ignores stream and k: one derangement for every image of every split.
BlockPermutation block_permutation(ShuffleMode mode, int grid, std::uint64_t seed, Stream stream,
                                   std::uint64_t k);

// out block i = in block perm[i]; `in` and `out` are rows x cols and must not overlap.
void apply_block_permutation(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                             std::size_t rows, std::size_t cols, int grid,
                             std::span<const std::uint16_t> perm);

// Every image of `images` shuffled with its own permutation, on up to `threads` threads.
ImageSet shuffle_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                        Stream stream, int threads);

}  // namespace savant
