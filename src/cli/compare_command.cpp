#include <cmath>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "savant/core/output_path.hpp"
#include "savant/experiment/compare.hpp"

namespace savant::cli {
namespace {

std::string describe(const SavedModel& model) {
  if (!model.provenance) return model.path.string() + " (no savant metadata)";
  const ModelProvenance& p = *model.provenance;
  return fmt::format("{} (trained on {} images, grid {}, {}, seed {}, {} epoch(s))",
                     model.path.string(), to_string(p.train_on), p.config.grid,
                     to_string(p.config.shuffle), p.config.seed, p.config.epochs);
}

std::string cka_text(double cka) {
  return std::isfinite(cka) ? fmt::format("{:6.4f}", cka) : "undefined";
}

std::string report_text(const SavedModel& a, const SavedModel& b, const CompareReport& r) {
  std::string text = fmt::format("Model A: {}\nModel B: {}\n", describe(a), describe(b));
  if (r.images == r.test_count) {
    text += fmt::format("Test images: all {} in {}", r.images, r.test.data.string());
  } else {
    text += fmt::format(
        "Test images: the first {} of the {} in {}, as savant reproduce (--all-images for all)",
        r.images, r.test_count, r.test.data.string());
  }
  text += fmt::format("; shuffled with grid {}, {}, seed {} (model A's)\n", r.test.grid,
                      to_string(r.test.shuffle), r.test.seed);
  text += fmt::format("CKA of A's {}\n   and B's {}\n", r.representation_a, r.representation_b);
  const TestSetComparison &o = r.original_test, &s = r.shuffled_test;
  text += "\n                      original test   shuffled test\n";
  text += fmt::format("  linear CKA        {:>15} {:>15}\n", cka_text(o.models.cka),
                      cka_text(s.models.cka));
  text += fmt::format("  same class        {:>15} {:>15}\n", percent(o.models.agreement),
                      percent(s.models.agreement));
  text += fmt::format("  accuracy of A     {:>15} {:>15}\n", percent(o.accuracy_a),
                      percent(s.accuracy_a));
  text += fmt::format("  accuracy of B     {:>15} {:>15}\n", percent(o.accuracy_b),
                      percent(s.accuracy_b));
  text +=
      "\nLinear CKA: 1 when the two representations hold the same information up to a rotation or\n"
      "a scale, near 0 when they are unrelated (docs/SPEC.md, section 10.6).\n";
  return text;
}

}  // namespace

Runner add_compare_command(CLI::App& app) {
  auto params = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "compare two saved models on the original and shuffled test images: linear CKA of their "
      "hidden layers, how often they give the same class, and their accuracies");
  add_options(*cmd, kCompare, *params);
  return [params]() {
    const CliParams& p = *params;
    // All three are named in --json's output, which is UTF-8.
    for (const auto* model : {&p.model_a, &p.model_b}) check_path_is_utf8(*model, "model");
    check_path_is_utf8(p.config.data, "data set");
    const SavedModel a = load_saved_model(p.model_a);
    const SavedModel b = load_saved_model(p.model_b);
    const CompareReport report = run_compare(a, b, {p.config.data, p.all_images, p.config.threads});
    print_warnings(report.warnings);
    if (p.json) {
      fmt::print("{}\n", compare_json(a, b, report).dump());
    } else {
      print_text(stdout, report_text(a, b, report));
    }
    return 0;
  };
}

}  // namespace savant::cli
