#include "savant/report/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/machine.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/version.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/idx.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/formats/model_file.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/report/assets.hpp"
#include "savant/report/page_encoding.hpp"
#include "savant/report/run_results.hpp"
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

struct LoadedModel {
  Network network;
  std::vector<double> correlation;  // R (P, P)
};

LoadedModel load_checked_model(const fs::path& path, std::size_t pixels, std::size_t classes) {
  LoadedModel m{load_model(path).network, {}};
  const ParameterLayout& layout = m.network.layout;
  if (layout.in(0) != pixels || layout.sizes().back() != classes) {
    throw Error(fmt::format(
        "{}: the network takes {} inputs and has {} classes, but results.json describes {} "
        "pixels and {} classes; the model files and results.json are from different runs; {}",
        path.string(), layout.in(0), layout.sizes().back(), pixels, classes, kRunDirectoryHint));
  }
  m.correlation = weight_correlation(m.network.kernel(0), pixels, layout.out(0));
  return m;
}

// The run's test set, checked against what results.json says about it.
Split load_test_split(const fs::path& data_dir, const fs::path& results_path, std::size_t rows,
                      std::size_t cols, std::size_t classes) {
  Split test;
  try {
    test.images = read_idx_images(find_idx_file(data_dir, "t10k-images-idx3-ubyte"));
    test.labels = read_idx_labels(find_idx_file(data_dir, "t10k-labels-idx1-ubyte"));
  } catch (const Error& e) {
    throw Error(fmt::format(
        "the report shows test images from the run's data set, '{}' (the data directory given "
        "to the report, else config.data in {}), and cannot read it: {}. Install it there "
        "(Debian: apt-get install dataset-fashion-mnist) or give the report the data directory "
        "where it is",
        data_dir.string(), results_path.string(), e.what()));
  }
  if (test.images.rows != rows || test.images.cols != cols ||
      test.images.count != test.labels.size() || test.images.count == 0) {
    throw Error(fmt::format(
        "{}: the test set holds {} images of {}x{} and {} labels, but results.json describes "
        "{}x{} images; config.data in {} does not point at the run's data set",
        data_dir.string(), test.images.count, test.images.rows, test.images.cols,
        test.labels.size(), rows, cols, results_path.string()));
  }
  for (std::uint8_t label : test.labels) {
    if (label >= classes) {
      throw Error(fmt::format("{}: a test label is {}, but the run has {} classes",
                              data_dir.string(), label, classes));
    }
  }
  return test;
}

// The first test images, original and shuffled as the run shuffled them, and what each model
// predicts on both versions.
json gallery_json(const Split& test, const std::array<LoadedModel, 2>& models, int grid,
                  ShuffleMode mode, std::uint64_t seed) {
  const std::size_t n = std::min(kReportGalleryImages, test.images.count);
  const ImageSet original = first_images(test.images, n);
  ImageSet shuffled = original;
  for (std::size_t k = 0; k < n; ++k) {
    const BlockPermutation perm = block_permutation(mode, grid, seed, Stream::kShuffleTest, k);
    apply_block_permutation(original.image(k), shuffled.image(k), original.rows, original.cols,
                            grid, perm);
  }
  json gallery = json::array();
  for (std::size_t k = 0; k < n; ++k) {
    gallery.push_back({{"index", k},
                       {"label", test.labels[k]},
                       {"original", base64_encode(original.image(k))},
                       {"shuffled", base64_encode(shuffled.image(k))}});
  }
  for (std::size_t m = 0; m < models.size(); ++m) {
    for (const auto& [key, images] : {std::pair{"original", &original}, {"shuffled", &shuffled}}) {
      const std::vector<Prediction> predictions = predict(models[m].network, *images);
      for (std::size_t k = 0; k < n; ++k) {
        gallery[k]["predictions"][kRunModels[m]][key] = {
            {"label", predictions[k].label},
            {"confidence", rounded(static_cast<double>(predictions[k].confidence))}};
      }
    }
  }
  return gallery;
}

}  // namespace

json report_data(const fs::path& run_dir, const fs::path& data_dir_override, fs::path* data_read) {
  const fs::path results_path = run_dir / "results.json";
  RunResults run = read_run_results(run_dir);
  const std::size_t rows = run.rows, cols = run.cols, classes = run.classes;
  const int grid = run.grid;
  const ShuffleMode mode = run.mode;
  const std::uint64_t seed = run.seed;
  const fs::path data_dir = data_dir_override.empty() ? run.data : data_dir_override;
  if (data_read != nullptr) *data_read = data_dir;
  json data = std::move(run.page);

  const std::size_t pixels = rows * cols;
  const std::array<LoadedModel, 2> models = {
      load_checked_model(run_dir / "original_model.safetensors", pixels, classes),
      load_checked_model(run_dir / "shuffled_model.safetensors", pixels, classes)};
  const Split test = load_test_split(data_dir, results_path, rows, cols, classes);

  data["report_savant_version"] = kVersion;
  data["run_dir"] = kernel_path(run_dir).string();
  data["machine"] = machine_json(run.machine);
  data["models"] = kRunModels;
  data["tests"] = kRunTests;
  data["correlation"]["pixels"] = pixels;
  data["correlation"]["encoding"] =
      "base64 of the upper triangle of R with its diagonal, row by row; byte b is R = b / 127 - 1, "
      "255 is NaN";
  for (std::size_t m = 0; m < models.size(); ++m) {
    const std::vector<double>& R = models[m].correlation;
    data["correlation"][kRunModels[m]] = base64_encode(quantise_upper_triangle(R, pixels));
    json adjacent = json::array();
    for (double a : adjacent_correlation(R, rows, cols)) adjacent.push_back(rounded_or_null(a));
    data["adjacent"][kRunModels[m]] = std::move(adjacent);
    const AdjacentPairs pairs = adjacent_pairs(R, rows, cols, grid);
    for (const auto& [key, values] :
         {std::pair{"within", &pairs.within}, std::pair{"across", &pairs.across}}) {
      json list = json::array();
      for (double r : *values) {
        if (std::isfinite(r)) list.push_back(rounded(r));
      }
      data["pairs"][kRunModels[m]][key] = std::move(list);
    }
  }
  data["gallery"] = gallery_json(test, models, grid, mode, seed);
  // Each hidden unit, for the unit sections; only for a run that measured its units.
  if (data.contains("units")) {
    for (std::size_t m = 0; m < models.size(); ++m) {
      data["hidden_units"][kRunModels[m]] =
          unit_page_json(models[m].network, rows, cols, grid, seed);
    }
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

void commit_run(ReproduceResult& result, OutputSet& set, std::span<const FigureFormat> formats,
                bool block_grid, bool page, FigureSize figure_size) {
  write_reproduce_outputs(result, set.staging(), formats, block_grid, figure_size);
  if (page) write_report(set.staging(), set.staging() / "report.html", {}, set.target());
  set.commit();
}

void write_report(const fs::path& run_dir, const fs::path& out, const fs::path& data_dir,
                  const fs::path& shown_dir) {
  fs::path data_read;
  json data = report_data(run_dir, data_dir, &data_read);
  if (!shown_dir.empty()) data["run_dir"] = kernel_path(shown_dir).string();
  // The test set may come from results.json: only now is it known.
  const CommandInput inputs[] = {{data_read, "data set"}};
  refuse_output_over_inputs(out, inputs);
  write_file_atomically(out, render_report(data));
}

}  // namespace savant
