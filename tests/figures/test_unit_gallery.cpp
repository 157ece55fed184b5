#include <gtest/gtest.h>

#include <cairo.h>

#include <array>
#include <cmath>
#include <cstring>
#include <memory>

#include "savant/core/error.hpp"
#include "savant/data/grid.hpp"
#include "savant/figures/colour_maps.hpp"
#include "savant/figures/plot.hpp"
#include "savant/figures/unit_gallery.hpp"

namespace savant {
namespace {

struct Decoded {
  std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> surface{nullptr,
                                                                       cairo_surface_destroy};
  int width = 0, height = 0;
  std::array<std::uint8_t, 3> at(int x, int y) const {
    const unsigned char* data = cairo_image_surface_get_data(surface.get());
    const int stride = cairo_image_surface_get_stride(surface.get());
    std::uint32_t v;
    std::memcpy(&v, data + static_cast<std::ptrdiff_t>(y) * stride + 4 * x, 4);
    return {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
  }
};

Decoded decode(const std::string& png) {
  struct Reader {
    const std::string& bytes;
    std::size_t pos = 0;
  } reader{png};
  auto read = [](void* closure, unsigned char* out, unsigned int length) {
    auto* r = static_cast<Reader*>(closure);
    if (r->pos + length > r->bytes.size()) return CAIRO_STATUS_READ_ERROR;
    std::memcpy(out, r->bytes.data() + r->pos, length);
    r->pos += length;
    return CAIRO_STATUS_SUCCESS;
  };
  Decoded d;
  d.surface.reset(cairo_image_surface_create_from_png_stream(read, &reader));
  d.width = cairo_image_surface_get_width(d.surface.get());
  d.height = cairo_image_surface_get_height(d.surface.get());
  return d;
}

TEST(UnitGallery, DivergingMapIsWhiteAtZeroAndBlueRedAtTheEnds) {
  const auto mid = diverging(0.5), low = diverging(0.0), high = diverging(1.0);
  EXPECT_EQ(mid[0], mid[1]);
  EXPECT_EQ(mid[1], mid[2]);
  EXPECT_GT(mid[0], 240);
  EXPECT_GT(low[2], low[0]);    // blue
  EXPECT_GT(high[0], high[2]);  // red
}

TEST(UnitGallery, TilesAreOrderedByHomeBlockAndColouredBySign) {
  // 8 x 8 image, grid 2 (blocks of 4 x 4), three units: unit 0 sees block 3 (negative weights),
  // unit 1 sees block 0 (positive), unit 2 is all zero.
  const std::size_t rows = 8, cols = 8, hidden = 3;
  const Grid grid(2, rows, cols);
  std::vector<double> kernel(rows * cols * hidden, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t p = r * cols + c;
      if (grid.block_of(r, c) == 3) kernel[p * hidden + 0] = -1.0;
      if (grid.block_of(r, c) == 0) kernel[p * hidden + 1] = 2.0;
    }
  }
  const int scale = 5;
  const Decoded png = decode(unit_gallery_png(kernel, rows, cols, hidden, 2, "fields", scale, 2));
  const GalleryLayout layout = gallery_layout(block_specialisation(kernel, rows, cols, hidden, 2),
                                              rows, cols, 2, "fields", scale, 2);
  // Two tiles to a row, two rows, each tile as wide as the widest caption ("spec. 1.00").
  EXPECT_EQ(layout.columns, 2u);
  EXPECT_EQ(layout.order, (std::vector<std::size_t>{1, 0, 2}));
  EXPECT_EQ(png.width, static_cast<int>(std::ceil(layout.width)));
  EXPECT_EQ(png.height, static_cast<int>(std::ceil(layout.height)));
  EXPECT_GE(layout.pitch, layout.tile_w);
  EXPECT_DOUBLE_EQ(layout.tile_w, 8.0 * scale);
  // A point inside block b of tile i (away from the drawn borders).
  auto inside = [&](int i, int block) {
    const auto [x, y] = layout.tile(static_cast<std::size_t>(i));
    return png.at(static_cast<int>(x) + (block % 2) * 4 * scale + 2 * scale,
                  static_cast<int>(y) + (block / 2) * 4 * scale + 2 * scale);
  };
  const auto red = diverging(1.0), blue = diverging(0.0), white = diverging(0.5);
  // The colour key: blue at -1 (its left end), white at 0, red at +1.
  const auto key = [&](double t) {
    return png.at(static_cast<int>(layout.margin + (t + 1) / 2 * layout.key_w),
                  static_cast<int>(layout.key_y + layout.key_h / 2));
  };
  EXPECT_GT(key(-0.97)[2], key(-0.97)[0] + 100);                  // blue
  EXPECT_GT(key(0.97)[0], key(0.97)[2] + 100);                    // red
  for (std::uint8_t channel : key(0.0)) EXPECT_GT(channel, 235);  // white
  EXPECT_EQ(inside(0, 0), red);  // first tile: unit 1, home block 0
  EXPECT_EQ(inside(0, 3), white);
  EXPECT_EQ(inside(1, 3), blue);  // second tile: unit 0, home block 3
  EXPECT_EQ(inside(1, 0), white);
  EXPECT_EQ(inside(2, 1), white);  // third tile: the zero unit
}

// A layer far wider than a picture can hold (65,536 units would be a 12,000-pixel-high PNG
// cairo refuses) shows its first kMaxGalleryUnits units: 16 lines of 16 tiles.
TEST(UnitGallery, AVeryWideLayerShowsItsFirstUnits) {
  const std::size_t rows = 4, cols = 4, hidden = 5000;
  std::vector<double> kernel(rows * cols * hidden);
  for (std::size_t i = 0; i < kernel.size(); ++i) kernel[i] = std::sin(static_cast<double>(i));
  const int scale = 2;
  const Decoded png = decode(unit_gallery_png(kernel, rows, cols, hidden, 2, "wide", scale));
  const GalleryLayout layout = gallery_layout(block_specialisation(kernel, rows, cols, hidden, 2),
                                              rows, cols, 2, "wide", scale);
  EXPECT_EQ(layout.order.size(), kMaxGalleryUnits);
  EXPECT_EQ(layout.columns, 16u);
  EXPECT_EQ(layout.title_lines, (std::vector<std::string>{"wide (256 of 5000 units)"}));
  EXPECT_NEAR(layout.height, layout.top + 16 * layout.line_h - layout.gap + layout.margin, 1e-9);
  EXPECT_EQ(png.height, static_cast<int>(std::ceil(layout.height)));
}

TEST(UnitGallery, GridMustFit) {
  const std::vector<double> kernel(28 * 28 * 2, 0.5);
  EXPECT_NO_THROW(unit_gallery_png(kernel, 28, 28, 2, 4, "ok"));
  EXPECT_THROW(unit_gallery_png(kernel, 28, 28, 2, 3, "bad"), InvalidSetting);
}

}  // namespace
}  // namespace savant
