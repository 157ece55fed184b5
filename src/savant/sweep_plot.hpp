#pragma once
// The sweep's headline chart as a PNG (cairo), for the README: test accuracy against grid size
// for the original and the shuffled model on both test sets, means with 95% confidence bands.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "savant/sweep.hpp"

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
// [y_min, y_max].
std::string line_chart_png(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<ChartSeries>& series,
                           double y_min, double y_max);

// Accuracy against grid size for the `original` and `shuffled` regimes (mode derange; of the
// widths and depths present, the configuration with the most grid sizes). Throws savant::Error
// when the sweep has no such jobs.
std::string grid_accuracy_png(const std::vector<StatsEntry>& entries);

}  // namespace savant
