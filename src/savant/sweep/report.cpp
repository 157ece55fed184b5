#include "savant/sweep/report.hpp"

#include <map>
#include <set>

#include <fmt/format.h>

#include "savant/report/page_encoding.hpp"

namespace savant {
namespace {

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

// One row per configuration and test set, flat, as Vega-Lite wants its data. `series` names a
// line: the regime, plus whatever else varies in the sweep (width, depth, epochs, mode).
nlohmann::json summary_rows(const std::vector<StatsEntry>& entries) {
  std::set<std::size_t> hidden, layers, epochs, batch;
  std::set<std::string> shuffle;
  for (const StatsEntry& e : entries) {
    hidden.insert(e.config.hidden);
    layers.insert(e.config.layers);
    epochs.insert(e.config.epochs);
    shuffle.insert(to_string(e.config.shuffle));
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const StatsEntry& e : entries) {
    const JobConfig& c = e.config;
    std::string series = to_string(c.train_on);
    if (shuffle.size() > 1) series += fmt::format(" {}", to_string(c.shuffle));
    if (hidden.size() > 1) series += fmt::format(" h{}", c.hidden);
    if (layers.size() > 1) series += fmt::format(" l{}", c.layers);
    if (epochs.size() > 1) series += fmt::format(" e{}", c.epochs);
    double p = c.train_on.kind == RegimeKind::kShuffled ? 1.0 : 0.0;
    if (c.train_on.kind == RegimeKind::kMixed) p = c.train_on.mix;
    rows.push_back(
        {{"grid", c.grid},
         {"shuffle", to_string(c.shuffle)},
         {"train_on", to_string(c.train_on)},
         {"regime", c.train_on.kind == RegimeKind::kMixed ? "mixed" : to_string(c.train_on)},
         {"mix", p},
         {"hidden", c.hidden},
         {"layers", c.layers},
         {"epochs", c.epochs},
         {"series", series},
         {"test", e.test},
         {"n", e.accuracy.n},
         {"accuracy", number(e.accuracy.mean)},
         {"accuracy_low", number(e.accuracy.ci95_low)},
         {"accuracy_high", number(e.accuracy.ci95_high)},
         {"contrast", number(e.contrast.mean)},
         {"contrast_low", number(e.contrast.ci95_low)},
         {"contrast_high", number(e.contrast.ci95_high)}});
  }
  return rows;
}

// A line of means with its 95% band, over `x`, coloured by `colour`.
nlohmann::json band_chart(const std::string& title, const nlohmann::json& data,
                          const nlohmann::json& filter, const std::string& x,
                          const std::string& x_title, const std::string& y,
                          const std::string& y_title, const std::string& colour, bool facet_test,
                          bool log_x) {
  nlohmann::json x_enc = {{"field", x}, {"type", "quantitative"}, {"title", x_title}};
  if (log_x) x_enc["scale"] = {{"type", "log"}};
  const nlohmann::json colour_enc = {{"field", colour}, {"type", "nominal"}, {"title", colour}};
  const nlohmann::json tooltip = nlohmann::json::array(
      {{{"field", "series"}},
       {{"field", x}},
       {{"field", "test"}},
       {{"field", "n"}},
       {{"field", y}, {"format", ".4f"}},
       {{"field", y + "_low"}, {"format", ".4f"}, {"title", "95% CI low"}},
       {{"field", y + "_high"}, {"format", ".4f"}, {"title", "95% CI high"}}});
  nlohmann::json layer = nlohmann::json::array(
      {{{"mark", {{"type", "area"}, {"opacity", 0.2}}},
        {"encoding",
         {{"x", x_enc},
          {"y", {{"field", y + "_low"}, {"type", "quantitative"}, {"title", y_title}}},
          {"y2", {{"field", y + "_high"}}},
          {"color", colour_enc}}}},
       {{"mark", {{"type", "line"}, {"point", true}}},
        {"encoding",
         {{"x", x_enc},
          {"y", {{"field", y}, {"type", "quantitative"}, {"title", y_title}}},
          {"color", colour_enc},
          {"tooltip", tooltip}}}}});
  nlohmann::json spec = {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
                         {"title", title},
                         {"data", {{"values", data}}}};
  nlohmann::json transform = nlohmann::json::array();
  if (!filter.is_null()) transform.push_back({{"filter", filter}});
  spec["transform"] = transform;
  nlohmann::json inner = {{"layer", layer}, {"width", 320}, {"height", 220}};
  if (facet_test) {
    spec["facet"] = {{"column", {{"field", "test"}, {"type", "nominal"}, {"title", "test set"}}}};
    spec["spec"] = inner;
  } else {
    spec.update(inner);
  }
  return spec;
}

}  // namespace

std::vector<nlohmann::json> sweep_report_specs(const std::vector<StoredJob>& jobs) {
  const nlohmann::json rows = summary_rows(summarize_jobs(jobs));
  std::vector<nlohmann::json> specs;
  specs.push_back(band_chart("Accuracy against grid size (mean and 95% CI over seeds)", rows,
                             nullptr, "grid", "grid size g", "accuracy", "test accuracy", "series",
                             true, true));
  specs.push_back(band_chart("Grid-signature contrast (within - across) against grid size", rows,
                             "datum.test == 'original_test'", "grid", "grid size g", "contrast",
                             "contrast", "series", false, true));
  specs.push_back(band_chart(
      "Accuracy against the fraction P of shuffled training images (original = 0, shuffled = 1)",
      rows, "datum.regime != 'fresh'", "mix", "P", "accuracy", "test accuracy", "grid", true,
      false));
  specs.push_back(band_chart("Effect of width (x) and depth (colour)", rows,
                             "datum.regime == 'original' || datum.regime == 'shuffled'", "hidden",
                             "hidden width", "accuracy", "test accuracy", "series", true, true));
  return specs;
}

std::string render_sweep_report(const std::vector<StoredJob>& jobs) {
  const std::vector<nlohmann::json> specs = sweep_report_specs(jobs);
  std::size_t done = 0;
  for (const StoredJob& j : jobs) done += j.status == "done" ? 1 : 0;
  std::string html = fmt::format(R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>savant sweep report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 1100px; }}
.chart {{ margin: 2em 0; }}
</style>
)");
  html += chart_library_scripts();
  html += fmt::format(
      "</head>\n<body>\n<h1>savant sweep</h1>\n<p>{} finished job(s) of {}. Lines are means over "
      "seeds, bands their 95% confidence intervals (Student t).</p>\n",
      done, jobs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    html += fmt::format("<div class=\"chart\" id=\"chart{}\"></div>\n", i);
  }
  html += "<script>\nconst specs = ";
  html += json_script_text(nlohmann::json(specs));
  html +=
      ";\nspecs.forEach((spec, i) => vegaEmbed('#chart' + i, spec, {actions: false}));\n"
      "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace savant
