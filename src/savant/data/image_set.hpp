#pragma once
// The core data type: a set of same-sized greyscale images.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace savant {

// Images stay as bytes (row-major, image after image); batches are scaled when used.
struct ImageSet {
  std::size_t count = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols

  std::size_t pixels_per_image() const { return rows * cols; }
  std::span<const std::uint8_t> image(std::size_t k) const {
    return {pixels.data() + k * pixels_per_image(), pixels_per_image()};
  }
  std::span<std::uint8_t> image(std::size_t k) {
    return {pixels.data() + k * pixels_per_image(), pixels_per_image()};
  }
};

// A copy of the first min(n, images.count) images.
inline ImageSet first_images(const ImageSet& images, std::size_t n) {
  n = std::min(n, images.count);
  const auto begin = images.pixels.begin();
  return {n,
          images.rows,
          images.cols,
          {begin, begin + static_cast<std::ptrdiff_t>(n * images.pixels_per_image())}};
}

}  // namespace savant
