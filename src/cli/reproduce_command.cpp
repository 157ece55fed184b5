#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/report/report.hpp"

namespace savant::cli {

int default_threads() {
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 1024u));
}

CLI::Validator unsigned_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec == std::errc::result_out_of_range) {
          return fmt::format("'{}' is not a whole number from 0 to {}", text,
                             std::numeric_limits<std::uint64_t>::max());
        }
        if (ec != std::errc() || ptr != end) {
          return fmt::format("'{}' is not a whole number of 0 or more", text);
        }
        return {};
      },
      "UINT");
}

CLI::Validator shuffle_mode_names() {
  return CLI::IsMember({"derange", "permute", "fixed", "none"});
}

CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) ||
            !(value > 0) || value > std::numeric_limits<float>::max()) {
          return fmt::format("'{}' is not a positive number (e.g. 0.001)", text);
        }
        return {};
      },
      "POSITIVE");
}

void add_experiment_options(CLI::App& cmd, ExperimentConfig& config, std::string& shuffle_mode) {
  config.data = default_data_dir();
  config.threads = default_threads();
  cmd.add_option("--data", config.data,
                 "directory with the four IDX files, raw or .gz ($SAVANT_DATA, else Debian's "
                 "Fashion-MNIST)")
      ->capture_default_str();
  cmd.add_option("--grid", config.grid, "g: cut each image into a g x g grid of blocks")
      ->capture_default_str()
      ->check(CLI::Range(1, 255));
  cmd.add_option("--shuffle", shuffle_mode, "block shuffling: derange, permute, fixed or none")
      ->capture_default_str()
      ->check(shuffle_mode_names());
  cmd.add_option("--hidden", config.hidden, "width of each hidden layer")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  cmd.add_option("--layers", config.layers, "number of hidden layers")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  cmd.add_option("--epochs", config.epochs, "passes over the training set")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd.add_option("--batch", config.batch, "mini-batch size")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  cmd.add_option("--lr", config.learning_rate, "Adam's learning rate")
      ->capture_default_str()
      ->check(positive_number());
  cmd.add_option("--seed", config.seed, "seed of every random choice (init, order, shuffling)")
      ->capture_default_str()
      ->check(unsigned_integer());
  cmd.add_option("--threads", config.threads, "threads to use (results do not depend on it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd.add_option("--train-limit", config.train_limit,
                 "use only the first N training images (0: all)")
      ->capture_default_str()
      ->check(unsigned_integer());
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) fmt::print(stderr, "savant: warning: {}\n", w);
}

namespace {

struct ReproduceOptions {
  ExperimentConfig config;
  std::string shuffle = "derange";
  std::filesystem::path out = "savant-out";
};

std::string percent(double x) {
  return fmt::format("{:5.1f}%", 100.0 * x);
}

void print_summary(const ReproduceResult& r, const std::filesystem::path& out) {
  std::printf("%s", fmt::format("\nAccuracy (rows: training data, columns: test data; article in "
                                "brackets)\n\n"
                                "                  original test      shuffled test\n"
                                "original model   {}  (87%)      {}  (11%)\n"
                                "shuffled model   {}  (32%)      {}  (63%)\n\n",
                                percent(r.original.on_original_test.accuracy()),
                                percent(r.original.on_shuffled_test.accuracy()),
                                percent(r.shuffled.on_original_test.accuracy()),
                                percent(r.shuffled.on_shuffled_test.accuracy()))
                        .c_str());
  std::printf("%s", fmt::format("Grid signature (mean R of adjacent pixel pairs, g = {})\n\n"
                                "                  within block   across border   contrast\n",
                                r.config.grid)
                        .c_str());
  for (const ModelReport* m : {&r.original, &r.shuffled}) {
    std::printf("%s", fmt::format("{:<16} {:>13.4f} {:>15.4f} {:>10.4f}\n",
                                  m == &r.original ? "original model" : "shuffled model",
                                  m->signature.within, m->signature.across, m->signature.contrast)
                          .c_str());
  }
  std::printf("%s", fmt::format("\nTime: {:.2f} s in all (training {:.2f} s and {:.2f} s, on {} "
                                "thread(s))\nFiles: {}/ (results.json, heatmap_*.png, samples.png, "
                                "*.safetensors)\n",
                                r.timings.total, r.timings.train_original_model,
                                r.timings.train_shuffled_model, r.config.threads, out.string())
                        .c_str());
}

}  // namespace

Runner add_reproduce_command(CLI::App& app) {
  auto options = std::make_shared<ReproduceOptions>();
  CLI::App* cmd = app.add_subcommand(
      "reproduce",
      "the article's experiment: train on original and on shuffled images, cross-evaluate, "
      "analyse the weights, write results.json, heat maps, samples and models");
  add_experiment_options(*cmd, options->config, options->shuffle);
  cmd->add_option("--out", options->out, "output directory")->capture_default_str();
  return [options]() {
    ExperimentConfig& config = options->config;
    config.shuffle = parse_shuffle_mode(options->shuffle);
    validate(config);
    ensure_writable_directory(options->out);
    ReproduceResult result;
    {
      ProgressDisplay progress;
      result = run_reproduce(config, progress.callback());
    }
    write_reproduce_outputs(result, options->out);
    print_summary(result, options->out);
    write_report(options->out, options->out / "report.html");
    std::printf("Report: %s\n", (options->out / "report.html").string().c_str());
    return 0;
  };
}

}  // namespace savant::cli
