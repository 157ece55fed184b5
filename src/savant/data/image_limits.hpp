#pragma once
// The largest images and image sets savant takes. Each is checked where the size is first read
// (an IDX header, results.json, a model file's first layer), before anything of that size is
// allocated, so that a small file cannot make savant allocate gigabytes.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace savant {

// Pixels per image: 64 x 64, or any other shape of at most 4096 pixels. The analysis holds R,
// pixels x pixels doubles, for each model, with copies on the page: `savant reproduce` on 64 x 64
// images (128 MiB per R) peaked at 585 MB and `savant report` at 308 MB, about 36 and 19 bytes per
// pixel squared; 128 x 128 images would need 16 times as much (9 GB). Fashion-MNIST's are 28 x 28.
inline constexpr std::size_t kMaxImagePixels = 4096;

// Images (or labels) in one IDX file: Fashion-MNIST's training set holds 60,000, EMNIST's largest
// about 700,000. With kMaxImagePixels, one file's payload stays under 4 GiB.
inline constexpr std::size_t kMaxImages = 1'000'000;

// The bytes of R for images of `pixels` pixels.
std::uint64_t correlation_bytes(std::uint64_t pixels);

// Throws Error, naming `source`, the shape, the memory R would need and the limit, when `rows` x
// `cols` is more than kMaxImagePixels (or either is zero). Safe for any size: no product wraps.
void check_image_shape(std::uint64_t rows, std::uint64_t cols, std::string_view source);

// The same for an image known only by its pixel count (a model's number of inputs).
void check_image_pixels(std::uint64_t pixels, std::string_view source);

// Throws Error naming `source`, the count and the limit when `count` is more than kMaxImages.
void check_image_count(std::uint64_t count, std::string_view source);

}  // namespace savant
