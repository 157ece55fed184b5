#include "savant/data/shuffle.hpp"

#include <cstring>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/parallel.hpp"

namespace savant {

ShuffleMode parse_shuffle_mode(std::string_view text) {
  if (text == "derange") return ShuffleMode::kDerange;
  if (text == "permute") return ShuffleMode::kPermute;
  if (text == "fixed") return ShuffleMode::kFixed;
  if (text == "none") return ShuffleMode::kNone;
  throw UsageError(
      fmt::format("unknown shuffle mode '{}'; expected derange, permute, fixed or none", text));
}

std::string to_string(ShuffleMode mode) {
  switch (mode) {
    case ShuffleMode::kDerange:
      return "derange";
    case ShuffleMode::kPermute:
      return "permute";
    case ShuffleMode::kFixed:
      return "fixed";
    case ShuffleMode::kNone:
      return "none";
  }
  return "?";
}

void validate_grid(int grid, std::size_t rows, std::size_t cols, ShuffleMode mode) {
  if (grid < 1 || grid > 255) {
    throw UsageError(
        fmt::format("grid {} is out of range; use a divisor of the image size "
                    "(1, 2, 4, 7, 14 or 28 for 28x28 images)",
                    grid));
  }
  if (rows % static_cast<std::size_t>(grid) != 0 || cols % static_cast<std::size_t>(grid) != 0) {
    throw UsageError(
        fmt::format("grid {} does not divide the {}x{} images; choose a common "
                    "divisor of {} and {}",
                    grid, rows, cols, rows, cols));
  }
  if (grid == 1 && (mode == ShuffleMode::kDerange || mode == ShuffleMode::kFixed)) {
    throw UsageError(
        fmt::format("grid 1 has a single block, which has no derangement; use a grid "
                    "of 2 or more with --shuffle {}",
                    to_string(mode)));
  }
}

BlockPermutation random_derangement(CounterRng& rng, std::size_t n) {
  if (n < 2) throw UsageError("a derangement needs at least 2 blocks (grid >= 2)");
  BlockPermutation perm(n);
  for (;;) {
    rng.permutation(std::span<std::uint16_t>(perm));
    bool fixed_point = false;
    for (std::size_t i = 0; i < n && !fixed_point; ++i) fixed_point = perm[i] == i;
    if (!fixed_point) return perm;
  }
}

BlockPermutation block_permutation(ShuffleMode mode, int grid, std::uint64_t seed, Stream stream,
                                   std::uint64_t k) {
  const std::size_t n = static_cast<std::size_t>(grid) * static_cast<std::size_t>(grid);
  switch (mode) {
    case ShuffleMode::kDerange: {
      CounterRng rng(seed, stream, k);
      return random_derangement(rng, n);
    }
    case ShuffleMode::kPermute: {
      CounterRng rng(seed, stream, k);
      BlockPermutation perm(n);
      rng.permutation(std::span<std::uint16_t>(perm));
      return perm;
    }
    case ShuffleMode::kFixed: {
      CounterRng rng(seed, Stream::kFixed, 0);
      return random_derangement(rng, n);
    }
    case ShuffleMode::kNone:
      break;
  }
  BlockPermutation identity(n);
  for (std::size_t i = 0; i < n; ++i) identity[i] = static_cast<std::uint16_t>(i);
  return identity;
}

void apply_block_permutation(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                             std::size_t rows, std::size_t cols, int grid,
                             std::span<const std::uint16_t> perm) {
  const std::size_t g = static_cast<std::size_t>(grid);
  const std::size_t block_rows = rows / g, block_cols = cols / g;
  for (std::size_t i = 0; i < g * g; ++i) {
    const std::size_t src = perm[i];
    const std::size_t out_r = (i / g) * block_rows, out_c = (i % g) * block_cols;
    const std::size_t in_r = (src / g) * block_rows, in_c = (src % g) * block_cols;
    for (std::size_t r = 0; r < block_rows; ++r) {
      std::memcpy(out.data() + (out_r + r) * cols + out_c, in.data() + (in_r + r) * cols + in_c,
                  block_cols);
    }
  }
}

ImageSet shuffle_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                        Stream stream, int threads) {
  validate_grid(grid, images.rows, images.cols, mode);
  ImageSet out{images.count, images.rows, images.cols,
               std::vector<std::uint8_t>(images.pixels.size())};
  const BlockPermutation fixed = mode == ShuffleMode::kFixed
                                     ? block_permutation(mode, grid, seed, stream, 0)
                                     : BlockPermutation{};
  parallel_for(images.count, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) {
      BlockPermutation perm =
          mode == ShuffleMode::kFixed ? fixed : block_permutation(mode, grid, seed, stream, k);
      apply_block_permutation(images.image(k), out.image(k), images.rows, images.cols, grid, perm);
    }
  });
  return out;
}

}  // namespace savant
