#pragma once
// A batch of images as the network's input: bytes scaled to [0, 1] floats, gathered in the
// training order.

#include <cstdint>
#include <span>

#include "savant/data/image_set.hpp"

namespace savant {

// Scales the images `indices` of `images` to [0, 1] into `out` (indices.size(), pixels).
void gather_batch(const ImageSet& images, std::span<const std::uint32_t> indices, float* out);

// Asks the memory system for the images `indices` ahead of their use (a hint, no effect on
// results).
void prefetch_images(const ImageSet& images, std::span<const std::uint32_t> indices);

}  // namespace savant
