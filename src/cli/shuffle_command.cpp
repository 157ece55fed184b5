#include <fmt/format.h>

#include "cli/commands.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/steps.hpp"

namespace savant::cli {
namespace {

struct ShuffleCommandOptions {
  ShuffleOptions shuffle;
  std::string mode;
  std::filesystem::path out;
};

}  // namespace

Runner add_shuffle_command(CLI::App& app) {
  auto options = std::make_shared<ShuffleCommandOptions>();
  ShuffleOptions& s = options->shuffle;
  s.data = default_data_dir();
  s.threads = default_threads();
  CLI::App* cmd = app.add_subcommand(
      "shuffle",
      "write a block-shuffled copy of a data set as four gzip IDX files that any MNIST loader "
      "reads; the images are those reproduce and train use for the same grid, mode and seed");
  cmd->add_option("--data", s.data,
                  "directory with the four IDX files, raw or .gz ($SAVANT_DATA, else Debian's "
                  "Fashion-MNIST)")
      ->capture_default_str();
  cmd->add_option("--grid", s.grid, "g: cut each image into a g x g grid of blocks")
      ->required()
      ->check(CLI::Range(1, 255));
  cmd->add_option("--mode", options->mode, "block shuffling: derange, permute, fixed or none")
      ->required()
      ->check(shuffle_mode_names());
  cmd->add_option("--seed", s.seed, "seed of the permutations")
      ->required()
      ->check(unsigned_integer());
  cmd->add_option("--threads", s.threads, "threads to use (results do not depend on it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--out", options->out, "output directory")->required();
  return [options]() {
    ShuffleOptions& opts = options->shuffle;
    opts.mode = parse_shuffle_mode(options->mode);
    const ShuffleReport r = run_shuffle(opts, options->out);
    fmt::print(
        "Shuffled {} training and {} test images ({}x{}, grid {}, {}, seed {}) from {}\n"
        "Labels unchanged. Files:\n",
        r.train_count, r.test_count, r.rows, r.cols, opts.grid, to_string(opts.mode), opts.seed,
        opts.data.string());
    for (const auto& f : r.files) fmt::print("  {}\n", f.string());
    return 0;
  };
}

}  // namespace savant::cli
