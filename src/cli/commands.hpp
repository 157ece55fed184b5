#pragma once
// Each subcommand registers itself on the app and returns the function that runs it. The
// library knows nothing of the command line; the command line knows no math.

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

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

// Sweeps (docs/SWEEPS.md): sweep, summarize, merge.
Runner add_sweep_command(CLI::App& app);
Runner add_summarize_command(CLI::App& app);
Runner add_merge_command(CLI::App& app);

// Options every experiment-like command shares, bound to `config`.
void add_experiment_options(CLI::App& cmd, ExperimentConfig& config, std::string& shuffle_mode);

int default_threads();

// "savant: warning: ..." on stderr, one line each: the run goes on and exits 0.
void print_warnings(const std::vector<std::string>& warnings);
// For unsigned options: CLI11 2.1 turns "-1" into 2^64 - 1 and saturates numbers that do not
// fit, so an unsigned option must be checked as text, digits only and in range.
CLI::Validator unsigned_integer();

// For float options that must be positive: CLI11's PositiveNumber lets NaN through and
// answers "-1" with a range up to 1.8e308 written out in full.
CLI::Validator positive_number();

// For --shuffle / --mode: the block-shuffling modes of SPEC section 2, one list for every
// command (the library's parse_shuffle_mode turns the checked text into a ShuffleMode).
CLI::Validator shuffle_mode_names();

}  // namespace savant::cli
