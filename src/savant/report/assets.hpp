#pragma once
// The report's template, script, style and charting libraries, compiled into the program by
// cmake/embed_files.cmake from report/ (and report/node_modules, which scripts/setup fills from
// report/package-lock.json), so that `savant report` needs no files besides the run's.

#include <string_view>

namespace savant::report_assets {

std::string_view template_html();  // report/template.html
std::string_view report_js();      // report/report.js
std::string_view fit_js();         // report/fit.js: charts that fit their container (both pages)
std::string_view units_js();       // report/units.js: the run report's hidden-unit sections
std::string_view sweep_js();       // report/sweep.js: the sweep report's script
std::string_view style_css();      // report/report.css
std::string_view vega_js();        // vega/build/vega.min.js
std::string_view vega_lite_js();   // vega-lite/build/vega-lite.min.js
std::string_view vega_embed_js();  // vega-embed/build/vega-embed.min.js

}  // namespace savant::report_assets
