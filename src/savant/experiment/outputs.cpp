#include "savant/experiment/outputs.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/io/model_file.hpp"
#include "savant/io/plot.hpp"

namespace savant {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

void write_reproduce_outputs(ReproduceResult& result, const std::filesystem::path& out_dir) {
  const auto start = Clock::now();
  ensure_writable_directory(out_dir);
  const std::vector<std::string> names = {"heatmap_original_model.png",
                                          "heatmap_shuffled_model.png",
                                          "original_model.safetensors",
                                          "shuffled_model.safetensors",
                                          "samples.png",
                                          "results.json",
                                          "report.html"};  // written after these by the CLI
  remove_stale_temporaries(out_dir, names);

  const ColourScale scale = colour_scale_of({result.original.adjacent, result.shuffled.adjacent});
  for (const ModelReport* model : {&result.original, &result.shuffled}) {
    const std::string title = fmt::format("{} model: adjacent-pixel weight correlation",
                                          model == &result.original ? "original" : "shuffled");
    write_file_atomically(out_dir / fmt::format("heatmap_{}.png", model->name),
                          heatmap_png(model->adjacent, result.rows, result.cols, scale, title));
    save_model(
        out_dir / fmt::format("{}.safetensors", model->name), model->network,
        model_metadata(provenance_of(
            result,
            Regime{model == &result.original ? RegimeKind::kOriginal : RegimeKind::kShuffled, 0})));
  }
  std::vector<SampleRow> samples;
  for (std::size_t i = 0; i < result.sample_indices.size(); ++i) {
    samples.push_back({result.sample_original[i], result.sample_shuffled[i],
                       result.class_names[result.sample_labels[i]]});
  }
  write_file_atomically(
      out_dir / "samples.png",
      samples_figure(samples, result.rows, result.cols, result.config.grid, FigureFormat::kPng));
  result.timings.write = seconds_since(start);
  result.timings.total += result.timings.write;
  // results.json last: its presence means the run's other files are complete.
  write_file_atomically(out_dir / "results.json", results_json(result).dump(2) + "\n");
}

}  // namespace savant
