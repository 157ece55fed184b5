#include "savant/experiment/outputs.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "savant/experiment/first_layer.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/figures/plot.hpp"
#include "savant/figures/unit_gallery.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/formats/model_file.hpp"

namespace savant {
namespace {

// The figures of a run, without their extension, in the order they are written. A run of a
// model without a dense first layer has no heat maps or unit galleries (first_layer.hpp): its
// figures and its report show the first layer instead.
constexpr const char* kFigureStems[] = {"heatmap_original_model", "heatmap_shuffled_model",
                                        "units_original_model", "units_shuffled_model", "samples"};
constexpr const char* kArchFigureStems[] = {"first_layer_original_model",
                                            "first_layer_shuffled_model", "samples"};

std::string figure_name(std::string_view stem, FigureFormat format) {
  return fmt::format("{}.{}", stem, extension_of(format));
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

// heatmap_<model>.<format> and units_<model>.<format>: the figures of a dense first layer.
void dense_figures(const ReproduceResult& result, std::span<const FigureFormat> formats,
                   bool block_grid, FigureSize size, std::vector<RunFile>& files) {
  const ModelReport* models[] = {&result.original, &result.shuffled};
  const ColourScale scale = colour_scale_of({result.original.adjacent, result.shuffled.adjacent});
  for (const ModelReport* model : models) {
    HeatmapStyle style;
    style.title = fmt::format("{} model: adjacent-pixel weight correlation",
                              model == &result.original ? "original" : "shuffled");
    style.scale = scale;
    if (block_grid) style.grid = result.config.grid;
    for (FigureFormat format : formats) {
      files.push_back(
          {figure_name("heatmap_" + model->name, format), [&result, model, style, format, size] {
             return heatmap_figure(model->adjacent, result.rows, result.cols, style, format, size);
           }});
    }
  }
  // units_<model>.<format>: the receptive fields of the model's hidden units (docs/SPEC.md,
  // section 10.1), as trained.
  for (const ModelReport* model : models) {
    const std::string title =
        fmt::format("{} model: hidden units' receptive fields (g = {})",
                    model == &result.original ? "original" : "shuffled", result.config.grid);
    for (FigureFormat format : formats) {
      files.push_back(
          {figure_name("units_" + model->name, format), [&result, model, title, format, size] {
             return unit_gallery_figure(first_layer_weights(model->network), result.rows,
                                        result.cols, model->network.layout.out(0),
                                        result.config.grid, title, format, 3, 16, size);
           }});
    }
  }
}

// first_layer_<model>.<format>: what a model without a dense first layer shows instead of the
// heat map and the unit gallery (first_layer.hpp).
void first_layer_figures(const ReproduceResult& result, std::span<const FigureFormat> formats,
                         FigureSize size, std::vector<RunFile>& files) {
  for (const ModelReport* model : {&result.original, &result.shuffled}) {
    for (FigureFormat format : formats) {
      files.push_back(
          {figure_name("first_layer_" + model->name, format), [&result, model, format, size] {
             const FirstLayerPictures layer = first_layer_pictures(*model->arch);
             const std::string title = fmt::format(
                 "{} model: {}", model == &result.original ? "original" : "shuffled", layer.what);
             return first_layer_figure(layer.values, layer.count, layer.rows, layer.cols, title,
                                       format, size);
           }});
    }
  }
}

}  // namespace

std::vector<std::string> run_output_names(std::span<const FigureFormat> formats,
                                          Architecture model) {
  std::vector<std::string> names;
  const std::span<const char* const> stems = has_dense_first_layer(model)
                                                 ? std::span<const char* const>(kFigureStems)
                                                 : std::span<const char* const>(kArchFigureStems);
  for (const char* stem : stems) {
    for (FigureFormat format : formats) names.push_back(figure_name(stem, format));
  }
  for (const char* name : {"original_model.safetensors", "shuffled_model.safetensors",
                           "predictions.csv", "results.json", "report.html"}) {
    names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> every_run_output_name() {
  std::vector<std::string> names = run_output_names(kAllFigureFormats, Architecture::mlp);
  for (const std::string& name : run_output_names(kAllFigureFormats, Architecture::cnn)) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

OutputSet open_run_directory(const std::filesystem::path& out, const ExperimentConfig& config) {
  const CommandInput inputs[] = {{config.data, "data set"}};
  return OutputSet(out, every_run_output_name(), inputs);
}

std::vector<RunFile> run_files(const ReproduceResult& result, std::span<const FigureFormat> formats,
                               bool block_grid, FigureSize size) {
  std::vector<RunFile> files;
  const ModelReport* models[] = {&result.original, &result.shuffled};
  if (has_dense_first_layer(result.config.model)) {
    dense_figures(result, formats, block_grid, size, files);
  } else {
    first_layer_figures(result, formats, size, files);
  }
  for (FigureFormat format : formats) {
    files.push_back({figure_name("samples", format), [&result, format, size] {
                       std::vector<SampleRow> samples;
                       for (std::size_t i = 0; i < result.sample_indices.size(); ++i) {
                         const std::size_t k = result.sample_indices[i];
                         samples.push_back({result.shown_original.image(k),
                                            result.shown_shuffled.image(k),
                                            result.class_names[result.sample_labels[i]]});
                       }
                       return samples_figure(samples, result.rows, result.cols, result.config.grid,
                                             format, 4, size);
                     }});
  }
  for (const ModelReport* model : models) {
    const std::string name = fmt::format("{}.safetensors", model->name);
    files.push_back(
        {name, [&result, model, name] {
           const Regime regime{
               model == &result.original ? RegimeKind::kOriginal : RegimeKind::kShuffled, 0};
           std::map<std::string, std::string> metadata =
               model_metadata(provenance_of(result, regime));
           return model->arch ? arch_model_file_bytes(name, *model->arch, std::move(metadata))
                              : model_file_bytes(name, model->network, std::move(metadata));
         }});
  }
  files.push_back({"predictions.csv", [&result] { return predictions_csv(result); }});
  return files;
}

}  // namespace savant
