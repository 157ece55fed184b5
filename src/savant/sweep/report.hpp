#pragma once
// The HTML page of a sweep (docs/SWEEPS.md): Vega-Lite charts of the statistics over seeds, with
// 95% confidence bands, and a sortable table of every summarised number. Accuracy against grid
// size per model and test set and grid-signature contrast against grid size always; accuracy
// against the mixing fraction P only when the sweep has mixed:P models, and width and depth only
// when either varies. The page's script is report/sweep.js (with report/fit.js).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/sweep/summary.hpp"

namespace savant {

// The Vega-Lite specifications of the page, data included (one per chart, in page order; none
// for a sweep with no finished job). Each has usermeta.panels, its number of facet panels.
std::vector<nlohmann::json> sweep_report_specs(const std::vector<StoredJob>& jobs);

// The page, with the charting libraries inlined (it opens offline, like the run report).
std::string render_sweep_report(const std::vector<StoredJob>& jobs);

}  // namespace savant
