#pragma once
// Each subcommand registers itself on the app and returns the function that runs it. The
// library knows nothing of the command line; the command line knows no math.

#include <functional>

#include <CLI/CLI.hpp>

#include "savant/experiment.hpp"

namespace savant::cli {

using Runner = std::function<int()>;

Runner add_reproduce_command(CLI::App& app);

// Sweeps (issue 6): sweep, summarize, merge, and sweep-report (to become report --db).
Runner add_sweep_command(CLI::App& app);
Runner add_summarize_command(CLI::App& app);
Runner add_merge_command(CLI::App& app);
Runner add_sweep_report_command(CLI::App& app);

// Options every experiment-like command shares, bound to `config`.
void add_experiment_options(CLI::App& cmd, ExperimentConfig& config, std::string& shuffle_mode);

int default_threads();

}  // namespace savant::cli
