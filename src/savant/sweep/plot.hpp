#pragma once
// The sweep's headline chart as PNG, SVG or PDF (cairo), for the README: test accuracy against grid
// size for the original and the shuffled model on both test sets, means with 95% confidence bands.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "savant/figures/line_chart.hpp"
#include "savant/sweep/summary.hpp"

namespace savant {

// Accuracy against grid size for the `original` and `shuffled` regimes (mode derange; of the
// widths and depths present, the configuration with the most grid sizes). Throws savant::Error
// when the sweep has no such jobs.
// The title names the seeds, epochs, shape and training images of that configuration. When that
// configuration was swept over several models (mlp, cnn, local, mixer), the chart shows the
// accuracy on the shuffled test images instead, a line per model and regime.
std::string grid_accuracy_figure(const std::vector<StatsEntry>& entries, FigureFormat format,
                                 FigureSize size = FigureSize::kScreen);

inline std::string grid_accuracy_png(const std::vector<StatsEntry>& entries,
                                     FigureSize size = FigureSize::kScreen) {
  return grid_accuracy_figure(entries, FigureFormat::kPng, size);
}

}  // namespace savant
