#pragma once
// The receptive fields of the first layer's hidden units as one picture, PNG, SVG or PDF
// (docs/SPEC.md, section 10.1).

#include <cstddef>
#include <span>
#include <string>

#include "savant/figures/figure.hpp"

namespace savant {

// The most units one gallery shows: 16 lines of 16.
inline constexpr std::size_t kMaxGalleryUnits = 256;

// kernel (rows x cols, hidden) is the first layer's kernel (or what training added to it): unit
// j's picture is column j, pixel (r, c) at row r cols + c. Each unit gets its own diverging
// colour scale, white at zero and full red / blue at +- its largest |weight|; the grid's block
// borders are drawn over it. Units are ordered by units_by_home_block (analysis/units.hpp),
// `columns` to a row, each captioned with its number, home block and specialisation; each
// image pixel is `scale` x `scale` picture pixels. Of a layer wider than kMaxGalleryUnits, the
// first kMaxGalleryUnits units in that order are shown, and the title says how many of how
// many. Throws InvalidSetting("grid", ...) when the grid does not divide the image. `scale` is in
// pixels for PNG, points for SVG and PDF.
std::string unit_gallery_figure(std::span<const double> kernel, std::size_t rows, std::size_t cols,
                                std::size_t hidden, int grid, const std::string& title,
                                FigureFormat format, int scale = 4, std::size_t columns = 16);

// unit_gallery_figure as PNG.
inline std::string unit_gallery_png(std::span<const double> kernel, std::size_t rows,
                                    std::size_t cols, std::size_t hidden, int grid,
                                    const std::string& title, int scale = 4,
                                    std::size_t columns = 16) {
  return unit_gallery_figure(kernel, rows, cols, hidden, grid, title, FigureFormat::kPng, scale,
                             columns);
}

}  // namespace savant
