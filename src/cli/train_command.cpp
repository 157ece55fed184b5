#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/terminal.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_set.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/formats/model_file.hpp"

namespace savant::cli {
namespace {

std::string layer_sizes(const ParameterLayout& layout) {
  return fmt::format("{}", fmt::join(layout.sizes(), "-"));
}

std::string summary(const TrainResult& r, const std::filesystem::path& out) {
  const ModelProvenance& p = r.provenance;
  const ExperimentConfig& c = p.config;
  std::string text = fmt::format(
      "Trained {} on {} {} images ({}x{}{}), seed {}: {} epoch(s) in {:.2f} s ({})\n", r.model.name,
      r.train_count, to_string(p.train_on), p.rows, p.cols,
      p.train_on.kind != RegimeKind::kOriginal
          ? fmt::format(", grid {}, {}", c.grid, to_string(c.shuffle))
          : std::string(),
      c.seed, c.epochs, r.model.train_seconds, p.engine);  // the engine that trained, not "auto"
  for (const EpochRecord& e : r.model.history) {
    text += fmt::format("  epoch {:>3}: loss {:.4f}, training accuracy {:5.2f}%\n", e.epoch, e.loss,
                        100.0 * e.train_accuracy);
  }
  text += fmt::format("Training data: {} (crc32 {:08x})\nModel: {} ({}, {} parameters)\n",
                      c.data.string(), p.train_crc32, out.string(),
                      r.model.arch ? std::string(architecture_name(r.model.arch->layout.arch))
                                   : layer_sizes(r.model.network.layout),
                      r.model.arch ? r.model.arch->params.size() : r.model.network.params.size());
  return text;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto params = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "train one model, on original or on block-shuffled images, and save it as safetensors; "
      "the same seed and options give reproduce's model of the same name, bit for bit");
  add_options(*cmd, kTrain, *params);
  return [params]() {
    const ExperimentConfig& config = params->config;
    const std::filesystem::path& out = params->out;
    validate(config);
    const Regime train_on = parse_regime(params->train_on);
    // Fail before training, not after, when the model cannot be written.
    std::error_code ec;
    if (std::filesystem::is_directory(out, ec)) {
      throw InvalidSetting("out", out.string(),
                           fmt::format("is a directory; give the model file's name, e.g. {}",
                                       (out / "model.safetensors").string()));
    }
    const CommandInput inputs[] = {{config.data, "data set"}};
    refuse_output_over_inputs(out, inputs);
    check_output_file(out);
    TrainResult result;
    if (params->quiet) {
      result = run_train(config, train_on);
    } else {
      ProgressDisplay progress;
      result = run_train(config, train_on, progress.callback());
    }
    print_warnings(result.model.warnings);
    if (result.model.arch) {
      save_arch_model(out, *result.model.arch, model_metadata(result.provenance));
    } else {
      save_model(out, result.model.network, model_metadata(result.provenance));
    }
    if (!params->quiet) print_text(stdout, summary(result, out));
    return 0;
  };
}

}  // namespace savant::cli
