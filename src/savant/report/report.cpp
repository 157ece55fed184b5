#include "savant/report/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/core/machine.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/parallel.hpp"
#include "savant/core/version.hpp"
#include "savant/experiment/first_layer.hpp"
#include "savant/model/arch_train.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/report/assets.hpp"
#include "savant/report/page_encoding.hpp"
#include "savant/report/unit_data.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The machine the numbers came from when results.json says (runs of earlier versions do not),
// else
// the one making the report, marked as such.
json machine_json(const json& recorded) {
  if (recorded.is_object()) {
    json m = recorded;
    m["source"] = "the run's machine (results.json)";
    return m;
  }
  const Machine here = this_machine();
  json m;
  m["source"] = "the machine that made this report (results.json does not record the run's)";
  m["host"] = here.host;
  if (!here.system.empty()) m["system"] = here.system;
  if (!here.cpu.empty()) m["cpu"] = here.cpu;
  m["hardware_threads"] = here.hardware_threads;
  return m;
}

double rounded(double x, double scale = 1e4) {
  return std::round(x * scale) / scale;
}

json rounded_or_null(double x) {
  return std::isfinite(x) ? json(rounded(x)) : json(nullptr);
}

// The first test images, original and shuffled as the run shuffled them, and what each model
// predicts on both versions.
json gallery_json(const RunPage& run) {
  const ImageSet& original = *run.shown_original;
  const ImageSet& shuffled = *run.shown_shuffled;
  const std::size_t n =
      std::min({kReportGalleryImages, original.count, shuffled.count, run.test_labels.size()});
  json gallery = json::array();
  for (std::size_t k = 0; k < n; ++k) {
    gallery.push_back({{"index", k},
                       {"label", run.test_labels[k]},
                       {"original", base64_encode(original.image(k))},
                       {"shuffled", base64_encode(shuffled.image(k))}});
  }
  for (std::size_t m = 0; m < run.networks.size(); ++m) {
    for (const auto& [key, images] : {std::pair{"original", &original}, {"shuffled", &shuffled}}) {
      const ImageSet shown = first_images(*images, n);
      const std::vector<Prediction> predictions = run.arch[m] != nullptr
                                                      ? predict(*run.arch[m], shown, 1)
                                                      : predict(*run.networks[m], shown);
      for (std::size_t k = 0; k < n; ++k) {
        gallery[k]["predictions"][kRunModels[m]][key] = {
            {"label", predictions[k].label},
            {"confidence", rounded(static_cast<double>(predictions[k].confidence))}};
      }
    }
  }
  return gallery;
}

// The first layer of a cnn, local or mixer model as pictures, and why the page shows no pixel
// map for it: {"reason", "tensor", "what", "count", "rows", "cols", "<model>": [weights of each
// picture, row-major, picture after picture]}.
json first_layer_json(const RunPage& run) {
  json out;
  out["reason"] = pixel_map_reason(run.arch[0]->layout.arch);
  for (std::size_t m = 0; m < run.arch.size(); ++m) {
    const FirstLayerPictures pictures = first_layer_pictures(*run.arch[m]);
    out["tensor"] = pictures.tensor;
    out["what"] = pictures.what;
    out["count"] = pictures.count;
    out["rows"] = pictures.rows;
    out["cols"] = pictures.cols;
    json values = json::array();
    for (float w : pictures.values) values.push_back(rounded(static_cast<double>(w), 1e5));
    out[kRunModels[m]] = std::move(values);
  }
  return out;
}

// R of both dense models, the adjacent map and the pairs of the grid signature.
void pixel_map_json(const RunPage& run, json& data) {
  const std::size_t rows = run.results.rows, cols = run.results.cols;
  const std::size_t pixels = rows * cols;
  data["correlation"]["pixels"] = pixels;
  data["correlation"]["encoding"] =
      "base64 of the upper triangle of R with its diagonal, row by row; byte b is R = b / 127 - 1, "
      "255 is NaN";
  for (std::size_t m = 0; m < run.networks.size(); ++m) {
    const std::span<const double> R = run.correlations[m];
    data["correlation"][kRunModels[m]] = base64_encode(quantise_upper_triangle(R, pixels));
    json adjacent = json::array();
    for (double a : adjacent_correlation(R, rows, cols)) adjacent.push_back(rounded_or_null(a));
    data["adjacent"][kRunModels[m]] = std::move(adjacent);
    const AdjacentPairs pairs = adjacent_pairs(R, rows, cols, run.results.grid);
    for (const auto& [key, values] :
         {std::pair{"within", &pairs.within}, std::pair{"across", &pairs.across}}) {
      json list = json::array();
      for (double r : *values) {
        if (std::isfinite(r)) list.push_back(rounded(r));
      }
      data["pairs"][kRunModels[m]][key] = std::move(list);
    }
  }
}

}  // namespace

RunPage run_page(const ReproduceResult& result, const json& results, const fs::path& run_dir) {
  RunPage page;
  page.results = run_results_of(results);
  page.networks = {&result.original.network, &result.shuffled.network};
  if (result.original.arch && result.shuffled.arch) {
    page.arch = {&*result.original.arch, &*result.shuffled.arch};
  }
  page.correlations = {std::span<const double>(result.original.correlation),
                       std::span<const double>(result.shuffled.correlation)};
  page.shown_original = &result.shown_original;
  page.shown_shuffled = &result.shown_shuffled;
  page.test_labels = result.test_labels;
  page.run_dir = run_dir;
  return page;
}

json report_data(const RunPage& run, int threads) {
  const std::size_t rows = run.results.rows, cols = run.results.cols;
  const int grid = run.results.grid;
  json data = run.results.page;
  data["report_savant_version"] = kVersion;
  data["run_dir"] = kernel_path(run.run_dir).string();
  data["machine"] = machine_json(run.results.machine);
  data["models"] = kRunModels;
  data["tests"] = kRunTests;
  // The first layer or the pixel maps on one thread, the gallery and the hidden units on the
  // other: each part its own object, moved into the page's data after.
  json layer = json::object(), rest = json::object();
  const bool units = data.contains("units");
  run_both(
      threads >= 2,
      [&] {
        if (run.arch[0] != nullptr) {
          layer["first_layer"] = first_layer_json(run);
        } else {
          pixel_map_json(run, layer);
        }
      },
      [&] {
        rest["gallery"] = gallery_json(run);
        // Each hidden unit, for the unit sections; only for a run that measured its units.
        if (!units) return;
        for (std::size_t m = 0; m < run.networks.size(); ++m) {
          rest["hidden_units"][kRunModels[m]] =
              unit_page_json(*run.networks[m], rows, cols, grid, run.results.seed);
        }
      });
  for (json* part : {&layer, &rest}) {
    for (auto& [key, value] : part->items()) data[key] = std::move(value);
  }
  return data;
}

std::string render_report(const json& data) {
  std::string page(report_assets::template_html());
  replace_placeholder(
      page, "<!-- savant:style -->",
      "<style>\n" + escape_end_tag(report_assets::style_css(), "style") + "</style>");
  replace_placeholder(page, "<!-- savant:libraries -->", chart_library_scripts());
  replace_placeholder(page, "<!-- savant:data -->",
                      "<script type=\"application/json\" id=\"savant-data\">" +
                          json_script_text(data) + "</script>");
  replace_placeholder(
      page, "<!-- savant:script -->",
      "<script>\n" + escape_end_tag(report_assets::fit_js(), "script") + "</script>\n<script>\n" +
          escape_end_tag(report_assets::units_js(), "script") + "</script>\n<script>\n" +
          escape_end_tag(report_assets::report_js(), "script") + "</script>");
  return page;
}

}  // namespace savant
