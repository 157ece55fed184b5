#include "savant/data/image_limits.hpp"

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/input_file.hpp"

namespace savant {
namespace {

constexpr std::uint64_t kTwoTo30 = std::uint64_t{1} << 30, kTwoTo32 = std::uint64_t{1} << 32;

// `pixels` is 0 when the count does not fit 64 bits (a side of 2^32 or more). From 2^30 pixels
// on, R's size does not fit 64 bits either.
[[noreturn]] void refuse_pixels(std::string_view source, std::string_view shape,
                                std::uint64_t pixels) {
  const std::string needed = pixels > 0 && pixels < kTwoTo30
                                 ? byte_size(correlation_bytes(pixels))
                                 : "more than " + byte_size(correlation_bytes(kTwoTo30 - 1));
  throw ResourceError(fmt::format(
      "{}: images of {} are larger than savant analyses: the weight correlation R alone would "
      "need {} per model; savant takes at most {} pixels per image (64x64: R is {} per model); "
      "use smaller images",
      source, shape, needed, kMaxImagePixels, byte_size(correlation_bytes(kMaxImagePixels))));
}

}  // namespace

std::uint64_t correlation_bytes(std::uint64_t pixels) {
  return pixels * pixels * sizeof(double);
}

void check_image_shape(std::uint64_t rows, std::uint64_t cols, std::string_view source) {
  if (rows == 0 || cols == 0) {
    throw InputError(fmt::format("{}: images of {}x{} hold no pixels", source, rows, cols));
  }
  if (rows <= kMaxImagePixels && cols <= kMaxImagePixels && rows * cols <= kMaxImagePixels) return;
  // The product fits 64 bits only when both sides are below 2^32.
  if (rows >= kTwoTo32 || cols >= kTwoTo32)
    refuse_pixels(source, fmt::format("{}x{}", rows, cols), 0);
  refuse_pixels(source, fmt::format("{}x{} ({} pixels)", rows, cols, rows * cols), rows * cols);
}

void check_image_pixels(std::uint64_t pixels, std::string_view source) {
  if (pixels > kMaxImagePixels) refuse_pixels(source, fmt::format("{} pixels", pixels), pixels);
}

void check_image_count(std::uint64_t count, std::string_view source) {
  if (count > kMaxImages) {
    throw ResourceError(
        fmt::format("{}: {} images, more than the {} savant reads from one file (a corrupt "
                    "header?)",
                    source, count, kMaxImages));
  }
}

}  // namespace savant
