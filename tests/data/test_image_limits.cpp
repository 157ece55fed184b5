// The largest images savant takes, checked from a size alone (a header, results.json, a model's
// first layer) before anything of that size exists.

#include "savant/data/image_limits.hpp"

#include <gtest/gtest.h>

#include <string>

#include "savant/core/error.hpp"

namespace savant {
namespace {

std::string error_of(std::uint64_t rows, std::uint64_t cols) {
  try {
    check_image_shape(rows, cols, "f");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ImageLimits, ShapesUpToTheLimitPass) {
  EXPECT_EQ(error_of(28, 28), "");
  EXPECT_EQ(error_of(64, 64), "");
  EXPECT_EQ(error_of(1, 4096), "");
  EXPECT_EQ(error_of(4096, 1), "");
  EXPECT_NO_THROW(check_image_pixels(kMaxImagePixels, "f"));
  EXPECT_NO_THROW(check_image_count(kMaxImages, "f"));
}

TEST(ImageLimits, LargerShapesNameTheMemoryAndTheLimit) {
  EXPECT_EQ(error_of(65, 64),
            "f: images of 65x64 (4160 pixels) are larger than savant analyses: the weight "
            "correlation R alone would need 132.0 MiB per model; savant takes at most 4096 pixels "
            "per image (64x64: R is 128.0 MiB per model); use smaller images");
  EXPECT_NE(error_of(160, 160).find("160x160 (25600 pixels)"), std::string::npos);
  EXPECT_NE(error_of(160, 160).find("4.9 GiB per model"), std::string::npos);
}

TEST(ImageLimits, ProductsThatWouldWrapAroundAreRefused) {
  // 2^62 x 4 wraps to 0 in 64 bits; 2^32 x 2^32 too.
  EXPECT_NE(error_of(std::uint64_t{1} << 62, 4).find("images of 4611686018427387904x4 are larger"),
            std::string::npos);
  EXPECT_NE(error_of(std::uint64_t{1} << 32, std::uint64_t{1} << 32).find("are larger"),
            std::string::npos);
  EXPECT_NE(error_of(0, 28).find("hold no pixels"), std::string::npos);
}

TEST(ImageLimits, CountsAndPixelCountsAloneAreBounded) {
  EXPECT_THROW(check_image_pixels(kMaxImagePixels + 1, "f"), Error);
  EXPECT_THROW(check_image_count(kMaxImages + 1, "f"), Error);
  EXPECT_EQ(correlation_bytes(4096), std::uint64_t{128} << 20);
}

}  // namespace
}  // namespace savant
