#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/terminal.hpp"
#include "savant/core/output_set.hpp"
#include "savant/experiment/first_layer.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/store/run_store.hpp"

namespace savant::cli {

namespace {

// "png" or "{png,svg}": the extensions of the figures, for a file pattern.
std::string extensions(const std::vector<FigureFormat>& formats) {
  std::vector<std::string_view> names;
  for (FigureFormat f : formats) names.push_back(extension_of(f));
  if (names.size() == 1) return std::string(names[0]);
  return fmt::format("{{{}}}", fmt::join(names, ","));
}

// The grid signature of both models (a model with a dense first layer).
std::string grid_signature_table(const ReproduceResult& r) {
  std::string text = fmt::format(
      "Grid signature (mean R of adjacent pixel pairs, g = {})\n\n"
      "                  within block   across border   contrast\n",
      r.config.grid);
  for (const ModelReport* m : {&r.original, &r.shuffled}) {
    text += fmt::format("{:<16} {:>13.4f} {:>15.4f} {:>10.4f}\n",
                        m == &r.original ? "original model" : "shuffled model", m->signature.within,
                        m->signature.across, m->signature.contrast);
  }
  return text;
}

std::string summary(const ReproduceResult& r, const std::filesystem::path& out,
                    const std::vector<FigureFormat>& formats) {
  std::string text = fmt::format(
      "Accuracy (rows: training data, columns: test data; article in brackets)\n\n"
      "                  original test      shuffled test\n"
      "original model   {}  (87%)      {}  (11%)\n"
      "shuffled model   {}  (32%)      {}  (63%)\n\n",
      percent(r.original.on_original_test.accuracy()),
      percent(r.original.on_shuffled_test.accuracy()),
      percent(r.shuffled.on_original_test.accuracy()),
      percent(r.shuffled.on_shuffled_test.accuracy()));
  const std::string ext = extensions(formats);
  std::string figures;
  if (has_dense_first_layer(r.config.model)) {
    text += grid_signature_table(r);
    figures = fmt::format("heatmap_*.{}, units_*.{}, samples.{}", ext, ext, ext);
  } else {
    text += fmt::format(
        "{}\nThe figures first_layer_*.{} and the report show each model's first layer instead: "
        "{}.\n",
        pixel_map_reason(r.config.model), ext, first_layer_pictures(*r.original.arch).what);
    figures = fmt::format("first_layer_*.{}, samples.{}", ext, ext);
  }
  text += fmt::format(
      "\nTime: {:.2f} s in all (training {:.2f} s and {:.2f} s, on {} thread(s), engine {})\n"
      "Files: {}/ (results.json, predictions.csv, {}, *.safetensors)\nReport: {}\n",
      r.timings.total, r.timings.train_original_model, r.timings.train_shuffled_model,
      r.config.threads, r.original.engine, out.string(), figures, (out / "report.html").string());
  return text;
}

}  // namespace

Runner add_reproduce_command(CLI::App& app) {
  auto params = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "reproduce",
      "the article's experiment: train on original and on shuffled images, cross-evaluate, "
      "analyse the weights, write results.json, heat maps, samples and models");
  add_options(*cmd, kReproduce, *params);
  return [params]() {
    const ExperimentConfig& config = params->config;
    const std::filesystem::path out = params->has("out") ? params->out : "savant-out";
    validate(config);
    // The run's files are written beside `out` and swapped in whole when all are there
    // (core/output_set.hpp): a kill, an error or a full disk leaves the previous run intact.
    OutputSet set = open_run_directory(out, config);
    ReproduceResult result;
    if (params->quiet) {
      result = run_reproduce(config);
    } else {
      ProgressDisplay progress;
      result = run_reproduce(config, progress.callback());
    }
    print_warnings(result.warnings);
    result.command_line = command_line();
    commit_run(result, set, params->figures, params->block_grid, true, params->figure_size);
    if (!params->quiet) print_text(stdout, summary(result, out, params->figures));
    return 0;
  };
}

}  // namespace savant::cli
