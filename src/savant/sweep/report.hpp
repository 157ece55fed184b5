#pragma once
// The HTML page of a sweep (docs/SWEEPS.md): Vega-Lite charts of the statistics over seeds, with
// 95% confidence bands. Accuracy against grid size per training regime and test set, grid-signature
// contrast against grid size, accuracy against the mixing fraction P, and width and depth.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/sweep/summary.hpp"

namespace savant {

// The Vega-Lite specifications of the page, data included (one per chart, in page order).
std::vector<nlohmann::json> sweep_report_specs(const std::vector<StoredJob>& jobs);

// The page, with the charting libraries inlined (it opens offline, like the run report).
std::string render_sweep_report(const std::vector<StoredJob>& jobs);

}  // namespace savant
