#pragma once
// The HTML page of a sweep (issue 6): Vega-Lite charts of the statistics over seeds, with 95%
// confidence bands. Accuracy against grid size per training regime and test set, grid-signature
// contrast against grid size, accuracy against the mixing fraction P, and width and depth.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/sweep.hpp"

namespace savant {

// The charting libraries' source, inlined so that the page works offline. When any is empty
// the page loads them from the jsDelivr CDN instead (and says so in a comment).
struct VegaScripts {
  std::string vega, vega_lite, vega_embed;
};

// Reads vega/build/vega.min.js, vega-lite/build/vega-lite.min.js and
// vega-embed/build/vega-embed.min.js under `node_modules`; empty strings when missing.
VegaScripts load_vega_scripts(const std::filesystem::path& node_modules);

// The Vega-Lite specifications of the page, data included (one per chart, in page order).
std::vector<nlohmann::json> sweep_report_specs(const std::vector<StoredJob>& jobs);

std::string render_sweep_report(const std::vector<StoredJob>& jobs,
                                const VegaScripts& scripts = {});

}  // namespace savant
