#include "savant/experiment/outputs.hpp"

#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/io/model_file.hpp"
#include "savant/io/plot.hpp"
#include "savant/io/unit_gallery.hpp"

namespace savant {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// units_<model>.png: the receptive fields of the model's hidden units (docs/SPEC.md, section
// 10.1), as trained.
void write_unit_gallery(const ModelReport& model, const ReproduceResult& result,
                        const std::filesystem::path& out_dir) {
  const std::string title =
      fmt::format("{} model: hidden units' receptive fields (g = {})",
                  &model == &result.original ? "original" : "shuffled", result.config.grid);
  write_file_atomically(
      out_dir / fmt::format("units_{}.png", model.name),
      unit_gallery_png(first_layer_weights(model.network), result.rows, result.cols,
                       model.network.layout.out(0), result.config.grid, title, 3));
}

// Both galleries, on two threads when the run has them (each picture is drawn on one).
void write_unit_galleries(const ReproduceResult& result, const std::filesystem::path& out_dir) {
  if (result.config.threads < 2) {
    write_unit_gallery(result.original, result, out_dir);
    write_unit_gallery(result.shuffled, result, out_dir);
    return;
  }
  std::exception_ptr failure;
  {
    std::jthread other([&] {
      try {
        write_unit_gallery(result.shuffled, result, out_dir);
      } catch (...) {
        failure = std::current_exception();
      }
    });
    write_unit_gallery(result.original, result, out_dir);
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

void write_reproduce_outputs(ReproduceResult& result, const std::filesystem::path& out_dir) {
  const auto start = Clock::now();
  ensure_writable_directory(out_dir);
  const std::vector<std::string> names = reproduce_file_names();
  remove_stale_temporaries(out_dir, names);
  result.run_id = new_run_id();

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
  write_unit_galleries(result, out_dir);
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
  // results.json last: its presence means the run's other files are complete, and its
  // manifest says which they are.
  nlohmann::json results = results_json(result);
  std::vector<std::string> listed;  // all but results.json and report.html (run_set.hpp)
  for (const std::string& name : names) {
    if (name != "results.json" && name != "report.html") listed.push_back(name);
  }
  results["manifest"] = file_manifest(out_dir, listed);
  write_file_atomically(out_dir / "results.json", results.dump(2) + "\n");
}

}  // namespace savant
