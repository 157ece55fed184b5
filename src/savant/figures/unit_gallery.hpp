#pragma once
// The receptive fields of the first layer's hidden units as one picture, PNG, SVG or PDF
// (docs/SPEC.md, section 10.1).

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "savant/analysis/units.hpp"

#include "savant/figures/figure.hpp"

namespace savant {

// The most units one gallery shows: 16 lines of 16.
inline constexpr std::size_t kMaxGalleryUnits = 256;

// Where unit_gallery_figure puts what it draws, in points from the top left (a PNG pixel is
// type.pixels_per_point of them): computed before drawing, since the figure's size depends on
// its text; tests read the picture back through it.
struct GalleryLayout {
  FigureType type;
  double u = 1;                    // a screen pixel at this size: lines and gaps scale with it
  std::vector<std::size_t> order;  // the units shown, in order
  std::vector<std::string> title_lines, legend_lines;
  std::size_t columns = 1;
  double width = 0, height = 0, margin = 0, gap = 0;
  double key_y = 0, key_w = 0, key_h = 0;  // the colour key, at (margin, key_y)
  bool key_label_beside = true;
  double top = 0, pixel = 0, tile_w = 0, tile_h = 0, pitch = 0, line_h = 0, caption_line = 0;
  // The top-left corner of the i-th tile shown.
  std::pair<double, double> tile(std::size_t i) const;
};

GalleryLayout gallery_layout(const BlockSpecialisation& spec, std::size_t rows, std::size_t cols,
                             int grid, const std::string& title, int scale = 4,
                             std::size_t columns = 16, FigureSize size = FigureSize::kScreen);

// kernel (rows x cols, hidden) is the first layer's kernel (or what training added to it): unit
// j's picture is column j, pixel (r, c) at row r cols + c. Each unit gets its own diverging
// colour scale, white at zero and full red / blue at +- its largest |weight| (a colour key under
// the title shows the scale); the grid's block borders are drawn over it. Units are ordered by
// units_by_home_block (analysis/units.hpp), `columns` to a row, each captioned in three lines
// with its number, home block and specialisation ("unit 50", "block 0", "spec. 0.32"), which a
// legend under the key explains; each image pixel is `scale` x `scale` points. Of a layer wider
// than kMaxGalleryUnits, the first kMaxGalleryUnits units in that order are shown, and the title
// says how many of how many. A print size (figure.hpp) chooses the columns and the tiles' size
// itself, to fit its width with legible captions, and shows as many units as fit 9 in.
// Throws InvalidSetting("grid", ...) when the grid does not divide the image.
std::string unit_gallery_figure(std::span<const double> kernel, std::size_t rows, std::size_t cols,
                                std::size_t hidden, int grid, const std::string& title,
                                FigureFormat format, int scale = 4, std::size_t columns = 16,
                                FigureSize size = FigureSize::kScreen);

// unit_gallery_figure as PNG.
inline std::string unit_gallery_png(std::span<const double> kernel, std::size_t rows,
                                    std::size_t cols, std::size_t hidden, int grid,
                                    const std::string& title, int scale = 4,
                                    std::size_t columns = 16) {
  return unit_gallery_figure(kernel, rows, cols, hidden, grid, title, FigureFormat::kPng, scale,
                             columns);
}

}  // namespace savant
