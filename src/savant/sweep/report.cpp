#include "savant/sweep/report.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "savant/report/assets.hpp"
#include "savant/report/page_encoding.hpp"

namespace savant {
namespace {

using nlohmann::json;

json number(double v) {
  return std::isfinite(v) ? json(v) : json();
}

// "original_test" -> "original test images", as the run report says it.
std::string test_label(const std::string& test) {
  return test == "original_test" ? "original test images" : "shuffled test images";
}

// What varies in the sweep besides the grid, to tell its lines apart.
struct Varying {
  std::set<std::size_t> hidden, layers, epochs;
  std::set<std::string> shuffle, architecture;
  std::set<int> grid;
  bool mixed = false;
};

Varying varying_of(const std::vector<StatsEntry>& entries) {
  Varying v;
  for (const StatsEntry& e : entries) {
    v.hidden.insert(e.config.hidden);
    v.layers.insert(e.config.layers);
    v.epochs.insert(e.config.epochs);
    v.shuffle.insert(to_string(e.config.shuffle));
    v.architecture.insert(std::string(architecture_name(e.config.model)));
    v.grid.insert(e.config.grid);
    v.mixed = v.mixed || e.config.train_on.kind == RegimeKind::kMixed;
  }
  return v;
}

// What tells a configuration's line apart from the others of its model, besides the grid: the
// settings that vary in the sweep, in words ("derange, width 64"); empty when none does.
std::string variant_of(const JobConfig& c, const Varying& v) {
  std::string extra;
  if (v.architecture.size() > 1) extra += fmt::format(", {}", architecture_name(c.model));
  if (v.shuffle.size() > 1) extra += fmt::format(", {}", to_string(c.shuffle));
  if (v.hidden.size() > 1) extra += fmt::format(", width {}", c.hidden);
  if (v.layers.size() > 1) extra += fmt::format(", depth {}", c.layers);
  if (v.epochs.size() > 1) extra += fmt::format(", {} epoch{}", c.epochs, c.epochs == 1 ? "" : "s");
  return extra.empty() ? std::string() : extra.substr(2);
}

// One row per configuration and test set, flat, as Vega-Lite wants its data. `model` is the
// model's training regime in words, drawn as the line's colour; `variant` what else varies
// besides the grid, drawn as its dashes; `series` both, one line.
json summary_rows(const std::vector<StatsEntry>& entries, const Varying& v) {
  json rows = json::array();
  for (const StatsEntry& e : entries) {
    const JobConfig& c = e.config;
    const std::string model = to_string(c.train_on) + " model";
    const std::string variant = variant_of(c, v);
    const std::string extra = variant.empty() ? "" : ", " + variant;
    double p = c.train_on.kind == RegimeKind::kShuffled ? 1.0 : 0.0;
    if (c.train_on.kind == RegimeKind::kMixed) p = c.train_on.mix;
    rows.push_back({{"grid", c.grid},
                    {"shuffle", to_string(c.shuffle)},
                    {"model", model},
                    {"architecture", std::string(architecture_name(c.model))},
                    {"regime", to_string(c.train_on.kind)},
                    {"mix", p},
                    {"hidden", c.hidden},
                    {"layers", c.layers},
                    {"depth", fmt::format("depth {}", c.layers)},
                    {"epochs", c.epochs},
                    {"train_limit", c.train_limit},
                    {"series", model + extra},
                    {"variant", variant.empty() ? "all" : variant},
                    {"test", test_label(e.test)},
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

// Two palettes, so that a chart never shows two things it compares in one pair of colours.
// Models (their training regime): Okabe-Ito, as in the run report (docs/REPORT.md): the
// original model blue, the shuffled one orange, other regimes in the palette's other colours.
// Grid sizes and depths: Paul Tol's "muted" scheme, which has neither that blue nor that orange.
// Both are told apart with the common kinds of colour blindness; a chart's second dimension is
// drawn as dashes (and markers), never as a second set of colours.
json model_colours(const json& rows) {
  std::set<std::string> models;
  for (const json& row : rows) models.insert(row["model"].get<std::string>());
  static const std::vector<std::string> others = {"#009e73", "#cc79a7", "#56b4e9",
                                                  "#d55e00", "#f0e442", "#000000"};
  json domain = json::array(), range = json::array();
  std::size_t next = 0;
  for (const std::string& m : models) {
    domain.push_back(m);
    if (m == "original model") {
      range.push_back("#0072b2");
    } else if (m == "shuffled model") {
      range.push_back("#e69f00");
    } else {
      range.push_back(others[next++ % others.size()]);
    }
  }
  return {{"domain", domain}, {"range", range}};
}

const json& muted_colours() {
  static const json range = {"#332288", "#88ccee", "#44aa99", "#117733", "#999933",
                             "#ddcc77", "#cc6677", "#882255", "#aa4499"};
  return range;
}

// One row per configuration and epoch, with each per-epoch series' mean, interval and count
// (epoch_series: "loss", "loss_low", "loss_high", "loss_n", ...).
json epoch_rows(const std::vector<EpochStats>& stats, const Varying& v) {
  json rows = json::array();
  for (const EpochStats& e : stats) {
    const JobConfig& c = e.config;
    const std::string model = to_string(c.train_on) + " model";
    const std::string variant = variant_of(c, v);
    json row = {{"grid", c.grid},
                {"model", model},
                {"regime", to_string(c.train_on.kind)},
                {"variant", variant.empty() ? "all" : variant},
                {"series", model + (variant.empty() ? "" : ", " + variant)},
                {"epoch", e.epoch}};
    for (std::size_t i = 0; i < epoch_series().size(); ++i) {
      const std::string& field = epoch_series()[i].field;
      const Summary& s = e.series[i];
      row[field] = number(s.mean);
      row[field + "_low"] = number(s.ci95_low);
      row[field + "_high"] = number(s.ci95_high);
      row[field + "_n"] = s.n;
      row["n"] = s.n;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

struct Axis {
  std::string field, title;
  bool log = false;
  json values;  // explicit tick values (null: Vega-Lite's)
};

struct BandChart {
  std::string title;
  json filter;  // a Vega expression string, or null
  Axis x;
  std::string y, y_title;
  bool percent = false;  // y is a fraction shown in percent
  std::string colour = "model", colour_title = "model";
  std::string dash = "variant", dash_title = "";  // a field drawn as dashes and markers
  std::string detail = "series";                  // the field whose values are one line each
  std::string panel;  // an expression naming each panel (a wrapped facet), or empty
  json panel_order;   // how the panels are ordered (Vega-Lite's facet sort), or null: by name
  std::size_t panels = 1;
};

// A line of means with its 95% band. The page (report/sweep.js) sets the widths and the facet's
// columns for its window; usermeta.panels says how many panels there are.
json band_chart(const BandChart& c, const json& data) {
  json x = {{"field", c.x.field}, {"type", "quantitative"}, {"title", c.x.title}};
  // A log axis ends at the data (Vega-Lite's nice ends would run on to the next power of 10).
  if (c.x.log) x["scale"] = {{"type", "log"}, {"nice", false}, {"padding", 12}};
  if (!c.x.values.is_null()) x["axis"] = {{"values", c.x.values}, {"format", "d"}};
  json y = {{"field", c.y}, {"type", "quantitative"}, {"title", c.y_title}};
  if (c.percent) y["axis"] = {{"format", ".0%"}};
  json colour = {{"field", c.colour}, {"type", "nominal"}, {"title", c.colour_title}};
  colour["scale"] = c.colour == "model" ? model_colours(data) : json{{"range", muted_colours()}};
  // Dashes and markers only where the field has more than one value.
  std::set<std::string> dashes;
  for (const json& row : data) {
    if (!c.dash.empty() && row.contains(c.dash)) dashes.insert(row[c.dash].dump());
  }
  const bool dashed = dashes.size() > 1;
  const std::string format = c.percent ? ".1%" : ".4f";
  json tooltip = json::array(
      {{{"field", "series"}, {"title", "model"}}, {{"field", c.x.field}, {"title", c.x.title}}});
  if (c.panel.find("datum.test") != std::string::npos) {
    tooltip.push_back({{"field", "test"}, {"title", "test images"}});
  }
  tooltip.push_back({{"field", "n"}, {"title", "seeds"}});
  tooltip.push_back({{"field", c.y}, {"format", format}, {"title", c.y_title}});
  tooltip.push_back({{"field", c.y + "_low"}, {"format", format}, {"title", "95% CI low"}});
  tooltip.push_back({{"field", c.y + "_high"}, {"format", format}, {"title", "95% CI high"}});
  json band_enc = {{"x", x},
                   {"y", {{"field", c.y + "_low"}, {"type", "quantitative"}, {"title", c.y_title}}},
                   {"y2", {{"field", c.y + "_high"}}},
                   {"color", colour},
                   {"detail", {{"field", c.detail}}}};
  if (y.contains("axis")) band_enc["y"]["axis"] = y["axis"];
  json line_enc = {{"x", x},
                   {"y", y},
                   {"color", colour},
                   {"detail", {{"field", c.detail}}},
                   {"tooltip", tooltip}};
  if (dashed) {
    const json title = c.dash_title.empty() ? json(nullptr) : json(c.dash_title);
    line_enc["strokeDash"] = {{"field", c.dash}, {"type", "nominal"}, {"title", title}};
    line_enc["shape"] = {{"field", c.dash}, {"type", "nominal"}, {"title", title}};
  }
  const json layer =
      json::array({{{"mark", {{"type", "area"}, {"opacity", 0.2}}}, {"encoding", band_enc}},
                   {{"mark", {{"type", "line"}, {"point", true}}}, {"encoding", line_enc}}});
  json spec = {
      {"title", c.title}, {"data", {{"values", data}}}, {"usermeta", {{"panels", c.panels}}}};
  json transform = json::array();
  if (!c.filter.is_null()) transform.push_back({{"filter", c.filter}});
  json inner = {{"layer", layer}, {"width", 320}, {"height", 220}};
  if (!c.panel.empty()) {
    transform.push_back({{"calculate", c.panel}, {"as", "panel"}});
    spec["facet"] = {{"field", "panel"}, {"type", "nominal"}, {"title", nullptr}};
    if (!c.panel_order.is_null()) spec["facet"]["sort"] = c.panel_order;
    spec["columns"] = c.panels;
    spec["spec"] = inner;
  } else {
    spec.update(inner);
  }
  spec["transform"] = transform;
  return spec;
}

json grid_values(const std::set<int>& grids) {
  return json(std::vector<int>(grids.begin(), grids.end()));
}

}  // namespace

std::vector<nlohmann::json> sweep_report_specs(const std::vector<StoredJob>& jobs) {
  const std::vector<StatsEntry> entries = summarize_jobs(jobs);
  const Varying v = varying_of(entries);
  const json rows = summary_rows(entries, v);
  std::set<std::string> tests;
  for (const StatsEntry& e : entries) tests.insert(e.test);
  const Axis grid{"grid", "grid size g (g × g blocks, log scale)", true, grid_values(v.grid)};
  std::vector<json> specs;
  if (entries.empty()) return specs;

  BandChart accuracy;
  accuracy.title = "Test accuracy against grid size";
  accuracy.x = grid;
  accuracy.y = "accuracy";
  accuracy.y_title = "test accuracy (%)";
  accuracy.percent = true;
  accuracy.panel = "datum.test";
  accuracy.panels = tests.size();
  if (v.architecture.size() > 1) {
    // A line per architecture (colour) and training regime (dashes); anything else that varies
    // makes more lines of the same colour and dashes (its series).
    accuracy.colour = "architecture";
    accuracy.colour_title = "model";
    accuracy.dash = "model";
    accuracy.dash_title = "trained on";
  }
  specs.push_back(band_chart(accuracy, rows));

  BandChart contrast;
  contrast.title = "Grid-signature contrast (within − across) against grid size";
  contrast.filter = "datum.test == 'original test images' && isValid(datum.contrast)";
  contrast.x = grid;
  contrast.y = "contrast";
  contrast.y_title = "contrast (within − across)";
  specs.push_back(band_chart(contrast, rows));

  if (v.mixed) {  // only a sweep with mixed:P models has a P to chart
    BandChart mix = accuracy;
    mix.title = "Test accuracy against the share P of shuffled training images";
    mix.filter = "datum.regime != 'fresh'";
    mix.x = {"mix", "P (original = 0, shuffled = 1)", false, nullptr};
    mix.colour = "grid";
    mix.colour_title = "grid size g";
    mix.detail = "variant";  // a line per grid (and variant) across the models' P
    specs.push_back(band_chart(mix, rows));
  }
  if (v.hidden.size() > 1 || v.layers.size() > 1) {  // width and depth, a panel per grid
    BandChart shape = accuracy;
    shape.title = "Test accuracy against width (x) and depth (dashes)";
    shape.filter = "datum.regime == 'original' || datum.regime == 'shuffled'";
    shape.x = {"hidden", "hidden units per layer (log scale)", true, nullptr};
    shape.dash = "depth";
    shape.dash_title = "hidden layers";
    shape.detail = "depth";
    shape.panel = "datum.test + ', g = ' + datum.grid";
    shape.panels = tests.size() * v.grid.size();
    specs.push_back(band_chart(shape, rows));
  }

  // The training curves (the table history), a chart per per-epoch series, a panel per grid.
  const json epochs = epoch_rows(summarize_epochs(jobs), v);
  std::set<std::size_t> epoch_numbers;
  for (const json& row : epochs) epoch_numbers.insert(row["epoch"].get<std::size_t>());
  for (const EpochSeries& series : epoch_series()) {
    // A series no job measured (test curves skipped, or a database older than them) gets no chart.
    const bool measured = std::any_of(epochs.begin(), epochs.end(), [&](const json& row) {
      return !row[series.field].is_null();
    });
    if (!measured) continue;
    BandChart curve;
    curve.title = fmt::format("{} per epoch", series.title.substr(0, series.title.find(" (")));
    curve.title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(curve.title[0])));
    curve.filter = fmt::format("isValid(datum.{})", series.field);
    curve.x = {"epoch", "epoch", false,
               epoch_numbers.size() <= 20
                   ? json(std::vector<std::size_t>(epoch_numbers.begin(), epoch_numbers.end()))
                   : json(nullptr)};
    curve.y = series.field;
    curve.y_title = series.title;
    curve.percent = series.fraction;
    curve.panel = "'g = ' + datum.grid";
    curve.panel_order = {{"field", "grid"}, {"op", "min"}};  // 2, 4, 7, 14, not 14, 2, 28
    curve.panels = v.grid.size();
    specs.push_back(band_chart(curve, epochs));
  }
  return specs;
}

std::string render_sweep_report(const std::vector<StoredJob>& jobs) {
  const std::vector<json> specs = sweep_report_specs(jobs);
  const std::vector<StatsEntry> entries = summarize_jobs(jobs);
  std::size_t done = 0;
  for (const StoredJob& j : jobs) done += j.status == "done" ? 1 : 0;
  std::string html = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>savant sweep report</title>
<style>
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 0 auto; max-width: 1400px;
       padding: 0 clamp(10px, 3vw, 24px) 48px; line-height: 1.45; color: #1d1d1f; }
.chart { margin: 2em 0; min-width: 0; max-width: 100%; }
.table-holder { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #dadce0; padding: 3px 8px; text-align: right;
         font-variant-numeric: tabular-nums; }
th { cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " ▲"; }
th[aria-sort=descending]::after { content: " ▼"; }
td.text, th.text { text-align: left; }
.error { color: #c5221f; font-weight: 600; }
</style>
)";
  html += chart_library_scripts();
  html += fmt::format(
      "</head>\n<body>\n<h1>savant sweep</h1>\n<p>{} finished job(s) of {}. Lines are means over "
      "seeds, bands their 95% confidence intervals (Student t; those of accuracies kept "
      "within 0 and 100%).</p>\n",
      done, jobs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    html += fmt::format("<div class=\"chart\" id=\"chart{}\"></div>\n", i);
  }
  html +=
      "<h2>Every summarised number</h2>\n<p>One row per configuration and test set; click a "
      "column's name to sort by it.</p>\n<div class=\"table-holder\"><table "
      "id=\"sweep-table\"></table></div>\n";
  html += "<script type=\"application/json\" id=\"sweep-specs\">" + json_script_text(json(specs)) +
          "</script>\n";
  html += "<script type=\"application/json\" id=\"sweep-rows\">" +
          json_script_text(summary_rows(entries, varying_of(entries))) + "</script>\n";
  html += "<script>\n" + escape_end_tag(report_assets::fit_js(), "script") + "</script>\n";
  html += "<script>\n" + escape_end_tag(report_assets::sweep_js(), "script") + "</script>\n";
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace savant
