#pragma once
// Each subcommand registers itself on the app and returns the function that runs it. Its
// options come from the one table (options.hpp). The library knows nothing of the command
// line; the command line knows no math.

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "savant/experiment/experiment.hpp"

namespace savant::cli {

using Runner = std::function<int()>;

Runner add_reproduce_command(CLI::App& app);
// savant report RUN_DIR | --db FILE: the interactive HTML report of a run or of a sweep.
Runner add_report_command(CLI::App& app);
Runner add_train_command(CLI::App& app);
Runner add_eval_command(CLI::App& app);
Runner add_analyze_command(CLI::App& app);
Runner add_shuffle_command(CLI::App& app);
// savant compare MODEL_A MODEL_B: CKA and agreement of two models (docs/SPEC.md, section 10.6).
Runner add_compare_command(CLI::App& app);

// Sweeps (docs/SWEEPS.md): sweep, summarize, merge.
Runner add_sweep_command(CLI::App& app);
Runner add_summarize_command(CLI::App& app);
Runner add_merge_command(CLI::App& app);

// The arguments savant was started with, argv[0] included, as main received them; results.json
// records them.
std::vector<std::string>& command_line();

// "savant: warning: ..." on stderr, one line each: the run goes on and exits 0.
void print_warnings(const std::vector<std::string>& warnings);

// An accuracy as "87.3%", right-aligned in six characters, in every table the program prints.
std::string percent(double fraction);

}  // namespace savant::cli
