#include "savant/data/shuffle.hpp"

#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/huge_pages.hpp"
#include "savant/core/parallel.hpp"

namespace savant {

ShuffleMode parse_shuffle_mode(std::string_view text) {
  if (text == "derange") return ShuffleMode::kDerange;
  if (text == "permute") return ShuffleMode::kPermute;
  if (text == "fixed") return ShuffleMode::kFixed;
  if (text == "none") return ShuffleMode::kNone;
  throw InvalidSetting("shuffle", fmt::format("'{}'", text),
                       "not a shuffle mode; expected derange, permute, fixed or none");
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

Grid validate_grid(int grid, std::size_t rows, std::size_t cols, ShuffleMode mode) {
  const Grid geometry(grid, rows, cols);
  if (geometry.blocks() == 1 && (mode == ShuffleMode::kDerange || mode == ShuffleMode::kFixed)) {
    throw InvalidSetting("grid", std::to_string(grid),
                         fmt::format("a single block has no derangement, which the shuffle mode "
                                     "{} needs; use a grid of 2 or more, or the shuffle mode "
                                     "permute or none",
                                     to_string(mode)));
  }
  return geometry;
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

namespace {

// Copies every block of `in` to its place in `out`, a row of `width` bytes at a time. `width`
// is block_cols, as a compile-time constant where the grid is a common one: a memcpy of a known
// small size is a few moves, a call to the library's memcpy for 7 bytes costs more than the copy.
template <typename Width>
void copy_blocks(const std::uint8_t* in, std::uint8_t* out, std::size_t cols, const Grid& geometry,
                 std::span<const std::uint16_t> perm, Width width) {
  for (std::size_t i = 0; i < geometry.blocks(); ++i) {
    std::uint8_t* to = out + geometry.first_row(i) * cols + geometry.first_col(i);
    const std::uint8_t* from =
        in + geometry.first_row(perm[i]) * cols + geometry.first_col(perm[i]);
    for (std::size_t r = 0; r < geometry.block_rows(); ++r) {
      std::memcpy(to + r * cols, from + r * cols, width);
    }
  }
}

template <std::size_t W>
using Width = std::integral_constant<std::size_t, W>;

}  // namespace

void apply_block_permutation(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                             std::size_t rows, std::size_t cols, int grid,
                             std::span<const std::uint16_t> perm) {
  const Grid geometry(grid, rows, cols);
  const std::uint8_t* from = in.data();
  std::uint8_t* to = out.data();
  switch (geometry.block_cols()) {
    case 2:  // 28 x 28 images: grid 14
      return copy_blocks(from, to, cols, geometry, perm, Width<2>{});
    case 4:  // grid 7
      return copy_blocks(from, to, cols, geometry, perm, Width<4>{});
    case 7:  // grid 4, the article's
      return copy_blocks(from, to, cols, geometry, perm, Width<7>{});
    case 14:  // grid 2
      return copy_blocks(from, to, cols, geometry, perm, Width<14>{});
    default:
      return copy_blocks(from, to, cols, geometry, perm, geometry.block_cols());
  }
}

ImageSet shuffle_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                        Stream stream, int threads) {
  validate_grid(grid, images.rows, images.cols, mode);
  ImageSet out{images.count, images.rows, images.cols,
               zeroed_big_buffer<std::vector<std::uint8_t>>(images.pixels.size())};
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
