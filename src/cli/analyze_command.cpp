#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/output_set.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/experiment/steps.hpp"

namespace savant::cli {
namespace {

std::string report_text(const SavedModel& model, const AnalyzeReport& r,
                        const std::filesystem::path& out,
                        const std::vector<FigureFormat>& formats) {
  std::string text =
      fmt::format("Model: {} ({}, {}x{} images", model.path.string(), r.model.name, r.rows, r.cols);
  if (model.provenance)
    text += fmt::format(", trained with grid {}", model.provenance->config.grid);
  text += fmt::format(")\n\nGrid signature (mean R of adjacent pixel pairs; * marks grid {})\n\n",
                      r.grid);
  text += "   grid   within block   across border   contrast   pairs within/across\n";
  for (const auto& [g, s] : r.signatures) {
    text += fmt::format("  {:>4}{} {:>13.4f} {:>15.4f} {:>10.4f}   {:>8}/{}\n", g,
                        g == r.grid ? '*' : ' ', s.within, s.across, s.contrast, s.within_pairs,
                        s.across_pairs);
  }
  std::string heatmaps;
  for (FigureFormat f : formats) heatmaps += fmt::format("heatmap.{}, ", extension_of(f));
  text += fmt::format("\nFiles: {}/ (analysis.json, {}correlation.safetensors)\n", out.string(),
                      heatmaps);
  return text;
}

}  // namespace

Runner add_analyze_command(CLI::App& app) {
  auto params = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "look inside a saved model: the correlation R of the pixels' first-layer weights, the "
      "adjacent map (heatmap.png, analysis.json) and the grid signature at every grid");
  add_options(*cmd, kAnalyze, *params);
  return [params]() {
    const CliParams& p = *params;
    check_model_file(p.model);
    check_path_is_utf8(p.model, "model");  // analysis.json names it
    // Written whole or not at all (core/output_set.hpp), never over the model it reads nor into
    // its run's directory; opened first, so that an output that cannot be written fails at once.
    OutputSet set(p.out, analyze_file_names(), model_inputs(p.model));
    const SavedModel model = load_saved_model(p.model);
    const AnalyzeReport report =
        run_analyze(model, p.has("grid") ? std::optional<int>(p.config.grid) : std::nullopt);
    print_warnings(report.warnings);
    write_analysis_outputs(model, report, set.staging(), p.figures, p.block_grid, p.figure_size);
    set.commit();
    if (!p.quiet) print_text(stdout, report_text(model, report, p.out, p.figures));
    return 0;
  };
}

}  // namespace savant::cli
