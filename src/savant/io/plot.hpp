#pragma once
// Pictures as PNG bytes, drawn with cairo: heat maps with a colour bar (viridis) and rows of
// sample images.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "savant/data/idx.hpp"

namespace savant {

struct ColourScale {
  double min = -1, max = 1;
};

// The range of the non-NaN values of all the maps, so that maps drawn with it share one scale;
// [-1, 1] when there is no such value.
ColourScale colour_scale_of(std::initializer_list<std::span<const double>> maps);

// viridis(t) for t in [0, 1] as 8-bit RGB (a polynomial fit to matplotlib's table).
std::array<std::uint8_t, 3> viridis(double t);

// A diverging map for signed values: t = 0 blue, 0.5 white (zero), 1 red; as 8-bit RGB.
std::array<std::uint8_t, 3> diverging(double t);

// values (rows, cols); NaN cells are drawn grey. Each cell is `cell` pixels wide.
std::string heatmap_png(std::span<const double> values, std::size_t rows, std::size_t cols,
                        ColourScale scale, const std::string& title, int cell = 16);

struct SampleRow {
  std::span<const std::uint8_t> original, shuffled;
  std::string caption;
};
// One row per sample: the original image and its shuffled version, side by side.
std::string samples_png(const std::vector<SampleRow>& samples, std::size_t rows, std::size_t cols,
                        int scale = 6);

struct ChartPoint {
  double x = 0, mean = 0, low = 0, high = 0;  // low/high NaN: no band
};
struct ChartSeries {
  std::string label;
  std::array<std::uint8_t, 3> colour{};
  bool dashed = false;
  std::vector<ChartPoint> points;  // in increasing x
};

// Lines with shaded bands on a log-scale x axis with a tick at every x of the data; y in
// [y_min, y_max].
std::string line_chart_png(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<ChartSeries>& series,
                           double y_min, double y_max);

}  // namespace savant
