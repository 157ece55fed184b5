#include "savant/kernels/gather.hpp"

#include "savant/kernels/dense.hpp"

namespace savant {

void gather_batch(const ImageSet& images, std::span<const std::uint32_t> indices, float* out) {
  const std::size_t n = images.pixels_per_image();
  for (std::size_t r = 0; r < indices.size(); ++r) {
    scale_pixels_fast(out + r * n, images.pixels.data() + std::size_t{indices[r]} * n, n);
  }
}

void prefetch_images(const ImageSet& images, std::span<const std::uint32_t> indices) {
  const std::size_t n = images.pixels_per_image();
  for (std::uint32_t k : indices) {
    const std::uint8_t* p = images.pixels.data() + std::size_t{k} * n;
    for (std::size_t i = 0; i < n; i += 64) __builtin_prefetch(p + i, 0, 2);
    __builtin_prefetch(p + n - 1, 0, 2);
  }
}

}  // namespace savant
