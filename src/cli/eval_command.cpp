#include <fmt/format.h>

#include "cli/commands.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/steps.hpp"

namespace savant::cli {
namespace {

struct EvalCommandOptions {
  std::filesystem::path model;
  std::filesystem::path data = default_data_dir();
  std::string test_on = "both";
  int grid = 4;
  std::string shuffle = "derange";
  std::uint64_t seed = 0;
  int threads = default_threads();
  bool json = false;
};

void print_evaluation(const std::string& title, const Evaluation& e,
                      const std::vector<std::string>& names) {
  fmt::print("\n{}: accuracy {:.2f}% ({} of {})\n\n", title, 100.0 * e.accuracy(), e.correct,
             e.total);
  fmt::print("  {:<12} {:>8}   confusion (rows: true class, columns: predicted 0..{})\n", "class",
             "accuracy", e.classes - 1);
  const std::vector<double> per_class = e.per_class_accuracy();
  for (std::size_t t = 0; t < e.classes; ++t) {
    fmt::print("  {:<12} {:>7.1f}%  ", names[t], 100.0 * per_class[t]);
    for (std::size_t p = 0; p < e.classes; ++p)
      fmt::print(" {:>5}", e.confusion[t * e.classes + p]);
    fmt::print("\n");
  }
}

void print_report(const SavedModel& model, const EvalReport& r) {
  fmt::print("Model: {}", model.path.string());
  if (model.provenance) {
    const ModelProvenance& p = *model.provenance;
    fmt::print(
        " (trained on {} images, grid {}, {}, seed {}, {} epoch(s); training data crc32 "
        "{:08x})",
        to_string(p.train_on), p.config.grid, to_string(p.config.shuffle), p.config.seed,
        p.config.epochs, p.train_crc32);
  }
  fmt::print("\nTest data: {} (training data crc32 {:08x})\n", r.test.data.string(), r.train_crc32);
  if (r.original_test) print_evaluation("original test", *r.original_test, r.class_names);
  if (r.shuffled_test) {
    print_evaluation(fmt::format("shuffled test (grid {}, {}, seed {})", r.test.grid,
                                 to_string(r.test.shuffle), r.test.seed),
                     *r.shuffled_test, r.class_names);
  }
}

}  // namespace

Runner add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "evaluate a saved model on the original and/or block-shuffled test images: accuracy, "
      "per-class accuracy, confusion matrix");
  cmd->add_option("--model", options->model, "a model file written by savant (.safetensors)")
      ->required();
  cmd->add_option("--data", options->data,
                  "directory with the four IDX files, raw or .gz ($SAVANT_DATA, else Debian's "
                  "Fashion-MNIST)")
      ->capture_default_str();
  cmd->add_option("--test-on", options->test_on, "which test images: original, shuffled or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"original", "shuffled", "both"}));
  CLI::Option* grid = cmd->add_option("--grid", options->grid,
                                      "g of the shuffled test images (default: the model's own)")
                          ->check(CLI::Range(1, 255));
  CLI::Option* shuffle =
      cmd->add_option("--shuffle", options->shuffle,
                      "block shuffling of the test images (default: the model's own)")
          ->check(shuffle_mode_names());
  CLI::Option* seed =
      cmd->add_option("--seed", options->seed,
                      "seed of the test images' permutations (default: the model's own)")
          ->check(unsigned_integer());
  cmd->add_option("--threads", options->threads, "threads to use (results do not depend on it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--json", options->json, "print one JSON object on stdout instead of tables");
  return [options, grid, shuffle, seed]() {
    EvalOptions eval;
    eval.data = options->data;
    eval.original_test = options->test_on != "shuffled";
    eval.shuffled_test = options->test_on != "original";
    if (grid->count() > 0) eval.grid = options->grid;
    if (shuffle->count() > 0) eval.shuffle = parse_shuffle_mode(options->shuffle);
    if (seed->count() > 0) eval.seed = options->seed;
    eval.threads = options->threads;

    const SavedModel model = load_saved_model(options->model);
    const EvalReport report = run_eval(model, eval);
    print_warnings(report.warnings);
    if (options->json) {
      fmt::print("{}\n", eval_json(model, report).dump());
    } else {
      print_report(model, report);
    }
    return 0;
  };
}

}  // namespace savant::cli
