#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_set.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/experiment/steps.hpp"

namespace savant::cli {

Runner add_shuffle_command(CLI::App& app) {
  auto params = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "shuffle",
      "write a block-shuffled copy of a data set as four gzip IDX files that any MNIST loader "
      "reads; the images are those reproduce and train use for the same grid, mode and seed");
  add_options(*cmd, kShuffle, *params);
  return [params]() {
    // Not marked required in the table: the old name --mode may give it instead.
    if (!params->has("shuffle")) throw UsageError("--shuffle is required");
    const ExperimentConfig& opts = params->config;
    // A data set is replaced whole or not at all (core/output_set.hpp), never the one it reads.
    const CommandInput inputs[] = {{opts.data, "data set"}};
    OutputSet set(params->out, shuffle_file_names(), inputs);
    ShuffleReport r = run_shuffle(opts, set.staging());
    set.commit();
    if (params->quiet) return 0;
    for (auto& f : r.files) f = params->out / f.filename();
    std::string text = fmt::format(
        "Shuffled {} training and {} test images ({}x{}, grid {}, {}, seed {}) from {}\n"
        "Labels unchanged. Files:\n",
        r.train_count, r.test_count, r.rows, r.cols, opts.grid, to_string(opts.shuffle), opts.seed,
        opts.data.string());
    for (const auto& f : r.files) text += fmt::format("  {}\n", f.string());
    print_text(stdout, text);
    return 0;
  };
}

}  // namespace savant::cli
