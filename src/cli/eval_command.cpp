#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "savant/core/output_path.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/steps.hpp"

namespace savant::cli {
namespace {

std::string evaluation_text(const std::string& title, const Evaluation& e,
                            const std::vector<std::string>& names) {
  std::string text = fmt::format("\n{}: accuracy {:.2f}% ({} of {})\n\n", title,
                                 100.0 * e.accuracy(), e.correct, e.total);
  text += fmt::format("  {:<12} {:>8}   confusion (rows: true class, columns: predicted 0..{})\n",
                      "class", "accuracy", e.classes - 1);
  const std::vector<double> per_class = e.per_class_accuracy();
  // Each count as wide as the largest: ten classes of up to 9999 images fit 80 columns.
  const std::int64_t most =
      e.confusion.empty() ? 0 : *std::max_element(e.confusion.begin(), e.confusion.end());
  const std::size_t digits = fmt::format("{}", most).size();
  for (std::size_t t = 0; t < e.classes; ++t) {
    text += fmt::format("  {:<12} {:>7.1f}%  ", names[t], 100.0 * per_class[t]);
    for (std::size_t p = 0; p < e.classes; ++p)
      text += fmt::format(" {:>{}}", e.confusion[t * e.classes + p], digits);
    text += '\n';
  }
  return text;
}

std::string report_text(const SavedModel& model, const EvalReport& r) {
  std::string text = fmt::format("Model: {}", model.path.string());
  if (model.provenance) {
    const ModelProvenance& p = *model.provenance;
    text += fmt::format(
        " (trained on {} images, grid {}, {}, seed {}, {} epoch(s); training data crc32 "
        "{:08x})",
        to_string(p.train_on), p.config.grid, to_string(p.config.shuffle), p.config.seed,
        p.config.epochs, p.train_crc32);
  }
  text += fmt::format("\nTest data: {} (training data crc32 {:08x})\n", r.test.data.string(),
                      r.train_crc32);
  if (r.original_test) text += evaluation_text("original test", *r.original_test, r.class_names);
  if (r.shuffled_test) {
    text += evaluation_text(fmt::format("shuffled test (grid {}, {}, seed {})", r.test.grid,
                                        to_string(r.test.shuffle), r.test.seed),
                            *r.shuffled_test, r.class_names);
  }
  return text;
}

}  // namespace

Runner add_eval_command(CLI::App& app) {
  auto params = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "evaluate a saved model on the original and/or block-shuffled test images: accuracy, "
      "per-class accuracy, confusion matrix");
  add_options(*cmd, kEval, *params);
  return [params]() {
    const CliParams& p = *params;
    EvalOptions eval = eval_options(p.config, [&p](std::string_view s) { return p.has(s); });
    eval.original_test = p.test_on != "shuffled";
    eval.shuffled_test = p.test_on != "original";
    // Both are named in --json's output, which is UTF-8.
    check_model_file(p.model);
    check_path_is_utf8(p.model, "model");
    check_path_is_utf8(p.config.data, "data set");
    const SavedModel model = load_saved_model(p.model);
    const EvalReport report = run_eval(model, eval);
    print_warnings(report.warnings);
    if (p.json) {
      fmt::print("{}\n", eval_json(model, report).dump());
    } else {
      print_text(stdout, report_text(model, report));
    }
    return 0;
  };
}

}  // namespace savant::cli
