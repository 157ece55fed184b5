#include "savant/experiment/outputs.hpp"

#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/parallel.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/figures/plot.hpp"
#include "savant/figures/unit_gallery.hpp"
#include "savant/formats/model_file.hpp"

namespace savant {
namespace {

// The figures of a run, without their extension, in the order they are written.
constexpr const char* kFigureStems[] = {"heatmap_original_model", "heatmap_shuffled_model",
                                        "units_original_model", "units_shuffled_model", "samples"};

std::string figure_name(std::string_view stem, FigureFormat format) {
  return fmt::format("{}.{}", stem, extension_of(format));
}

// units_<model>.<format>: the receptive fields of the model's hidden units (docs/SPEC.md,
// section 10.1), as trained.
void write_unit_gallery(const ModelReport& model, const ReproduceResult& result,
                        const std::filesystem::path& out_dir, std::span<const FigureFormat> formats,
                        FigureSize size) {
  const std::string title =
      fmt::format("{} model: hidden units' receptive fields (g = {})",
                  &model == &result.original ? "original" : "shuffled", result.config.grid);
  for (FigureFormat format : formats) {
    write_file_atomically(out_dir / figure_name("units_" + model.name, format),
                          unit_gallery_figure(first_layer_weights(model.network), result.rows,
                                              result.cols, model.network.layout.out(0),
                                              result.config.grid, title, format, 3, 16, size));
  }
}

// Both galleries, on two threads when the run has them (each picture is drawn on one).
void write_unit_galleries(const ReproduceResult& result, const std::filesystem::path& out_dir,
                          std::span<const FigureFormat> formats, FigureSize size) {
  run_both(
      result.config.threads >= 2,
      [&] { write_unit_gallery(result.original, result, out_dir, formats, size); },
      [&] { write_unit_gallery(result.shuffled, result, out_dir, formats, size); });
}

// predictions.csv: per test image its index, its label and the class each model predicts for
// it on the original and on the shuffled test set, as class numbers (results.json's
// data.class_names names them). The columns' accuracies are results.json's.
std::string predictions_csv(const ReproduceResult& r) {
  const ModelReport* models[] = {&r.original, &r.shuffled};
  std::string csv = "index,label";
  for (const ModelReport* m : models) {
    csv += fmt::format(",{0}_on_original_test,{0}_on_shuffled_test", m->name);
  }
  csv += '\n';
  for (std::size_t k = 0; k < r.test_labels.size(); ++k) {
    csv += fmt::format("{},{}", k, r.test_labels[k]);
    for (const ModelReport* m : models) {
      csv += fmt::format(",{},{}", m->on_original_test.predicted.at(k),
                         m->on_shuffled_test.predicted.at(k));
    }
    csv += '\n';
  }
  return csv;
}

}  // namespace

std::vector<std::string> run_output_names(std::span<const FigureFormat> formats) {
  std::vector<std::string> names;
  for (const char* stem : kFigureStems) {
    for (FigureFormat format : formats) names.push_back(figure_name(stem, format));
  }
  for (const char* name : {"original_model.safetensors", "shuffled_model.safetensors",
                           "predictions.csv", "results.json", "report.html"}) {
    names.emplace_back(name);
  }
  return names;
}

OutputSet open_run_directory(const std::filesystem::path& out, const ExperimentConfig& config) {
  const CommandInput inputs[] = {{config.data, "data set"}};
  return OutputSet(out, run_output_names(kAllFigureFormats), inputs);
}

void write_reproduce_outputs(ReproduceResult& result, const std::filesystem::path& out_dir,
                             std::span<const FigureFormat> formats, bool block_grid,
                             FigureSize size) {
  const auto start = Clock::now();
  ensure_writable_directory(out_dir);
  result.run_id = new_run_id();

  const ColourScale scale = colour_scale_of({result.original.adjacent, result.shuffled.adjacent});
  for (const ModelReport* model : {&result.original, &result.shuffled}) {
    const std::string title = fmt::format("{} model: adjacent-pixel weight correlation",
                                          model == &result.original ? "original" : "shuffled");
    HeatmapStyle style;
    style.title = title;
    style.scale = scale;
    if (block_grid) style.grid = result.config.grid;
    for (FigureFormat format : formats) {
      write_file_atomically(
          out_dir / figure_name("heatmap_" + model->name, format),
          heatmap_figure(model->adjacent, result.rows, result.cols, style, format, size));
    }
    save_model(
        out_dir / fmt::format("{}.safetensors", model->name), model->network,
        model_metadata(provenance_of(
            result,
            Regime{model == &result.original ? RegimeKind::kOriginal : RegimeKind::kShuffled, 0})));
  }
  write_unit_galleries(result, out_dir, formats, size);
  std::vector<SampleRow> samples;
  for (std::size_t i = 0; i < result.sample_indices.size(); ++i) {
    samples.push_back({result.sample_original[i], result.sample_shuffled[i],
                       result.class_names[result.sample_labels[i]]});
  }
  for (FigureFormat format : formats) {
    write_file_atomically(
        out_dir / figure_name("samples", format),
        samples_figure(samples, result.rows, result.cols, result.config.grid, format, 4, size));
  }
  write_file_atomically(out_dir / "predictions.csv", predictions_csv(result));
  result.timings.write = seconds_since(start);
  result.timings.total += result.timings.write;
  // results.json last: its presence means the run's other files are complete, and its
  // manifest says which they are.
  nlohmann::json results = results_json(result);
  std::vector<std::string> listed;  // all but results.json and report.html (run_set.hpp)
  for (const std::string& name : run_output_names(formats)) {
    if (name != "results.json" && name != "report.html") listed.push_back(name);
  }
  results["manifest"] = file_manifest(out_dir, listed);
  write_file_atomically(out_dir / "results.json", results.dump(2) + "\n");
}

}  // namespace savant
