#pragma once
// The sweep's headline chart as a PNG (cairo), for the README: test accuracy against grid size
// for the original and the shuffled model on both test sets, means with 95% confidence bands.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "savant/io/plot.hpp"
#include "savant/sweep/summary.hpp"

namespace savant {

// Accuracy against grid size for the `original` and `shuffled` regimes (mode derange; of the
// widths and depths present, the configuration with the most grid sizes). Throws savant::Error
// when the sweep has no such jobs.
std::string grid_accuracy_png(const std::vector<StatsEntry>& entries);

}  // namespace savant
