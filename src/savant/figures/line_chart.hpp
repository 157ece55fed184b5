#pragma once
// A line chart with confidence bands on a log-scale x axis, drawn with cairo to PNG, SVG or PDF.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "savant/figures/figure.hpp"

namespace savant {

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
// [y_min, y_max] with round ticks shown as percentages. Throws savant::Error when there is no
// positive x. A second line of the title (after '\n') is drawn smaller, as a subtitle. The
// screen's chart has its legend on the right; a print size's (figure.hpp), under the plot.
std::string line_chart_figure(const std::string& title, const std::string& x_label,
                              const std::string& y_label, const std::vector<ChartSeries>& series,
                              double y_min, double y_max, FigureFormat format,
                              FigureSize size = FigureSize::kScreen);

}  // namespace savant
