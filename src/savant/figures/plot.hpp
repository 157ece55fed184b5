#pragma once
// The run's figures, drawn with cairo to PNG, SVG or PDF (io/figure.hpp): heat maps of a pixel
// map with pixel axes and a labelled colour bar (viridis), a framed grid of sample images, and
// the first layer of a model without a dense one as a gallery of small pictures.

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "savant/figures/colour_maps.hpp"
#include "savant/figures/figure.hpp"

namespace savant {

struct ColourScale {
  double min = -1, max = 1;
};

// The range of the non-NaN values of all the maps, so that maps drawn with it share one scale;
// [-1, 1] when there is no such value.
ColourScale colour_scale_of(std::initializer_list<std::span<const double>> maps);

struct HeatmapStyle {
  std::string title;
  ColourScale scale;  // pass one scale to every map that is compared with another
  std::string bar_label = "adjacent correlation A";
  int grid = 0;   // > 1: draw the borders of the g x g blocks over the map
  int cell = 16;  // a pixel of the map is cell x cell pixels (points in SVG and PDF)
};

// The grey of a NaN cell (a pixel with no value), here and on the report's page.
inline constexpr std::array<std::uint8_t, 3> kNoValueGrey{189, 189, 189};

// values (rows, cols), row 0 at the top, viridis over style.scale; NaN cells grey, with a
// "no value" key under the colour bar when there is one. Pixel axes (column, row), a colour bar
// with round ticks (nice_ticks) and its label.
// `size`: kScreen keeps style.cell; a print size makes the figure its width, the cells as large
// as the rest leaves (style.cell is not used).
std::string heatmap_figure(std::span<const double> values, std::size_t rows, std::size_t cols,
                           const HeatmapStyle& style, FigureFormat format,
                           FigureSize size = FigureSize::kScreen);

struct SampleRow {
  std::span<const std::uint8_t> original, shuffled;
  std::string caption;
};

// One column per sample (up to six a band): its caption, the original image and the shuffled
// one under it, each framed, dark on white, with the g x g block borders drawn thinly when
// grid > 1 so that empty shuffled blocks stay visible. An image pixel is `scale` pixels on the
// screen; a print size fits the images to its width (three samples a band in a column).
std::string samples_figure(const std::vector<SampleRow>& samples, std::size_t rows,
                           std::size_t cols, int grid, FigureFormat format, int scale = 4,
                           FigureSize size = FigureSize::kScreen);

// The first layer of a cnn, local or mixer model (experiment/first_layer.hpp): `count` pictures
// of rows x cols weights in `values`, picture after picture, row-major, numbered from 0 under
// each, at most 16 to a row (8 in a column); each on its own symmetric scale of the diverging
// map (blue negative, white zero, red positive, the ends its largest magnitude), which a line
// under the title says. A print size makes the figure its width.
std::string first_layer_figure(std::span<const float> values, std::size_t count, std::size_t rows,
                               std::size_t cols, const std::string& title, FigureFormat format,
                               FigureSize size = FigureSize::kScreen);

}  // namespace savant
