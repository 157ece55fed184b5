#pragma once
// Every option of every command: the library's settings (experiment/settings.hpp), each a flag
// named after it, and the command line's own options, declared once in the table of
// options.cpp: its flag, its help, the setting it writes and the commands that take it. A command
// builds its CLI11 options from the table (add_options); main names a setting the library rejects
// by the flag the table gives it (flag_of). The values are parsed by the library (set_field), so
// that the command line and sweep files share one parser, and range-checked there (validate).

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "savant/experiment/config.hpp"
#include "savant/experiment/settings.hpp"
#include "savant/figures/figure.hpp"

namespace savant::cli {

// The commands, as bits: an option says which of them take it.
enum Command : unsigned {
  kReproduce = 1u << 0,
  kTrain = 1u << 1,
  kEval = 1u << 2,
  kAnalyze = 1u << 3,
  kShuffle = 1u << 4,
  kSweep = 1u << 5,
  kReport = 1u << 6,
  kSummarize = 1u << 7,
  kMerge = 1u << 8,
  kCompare = 1u << 9,
};

// What the command line sets: the one configuration, and what a command adds to it (where its
// inputs and outputs are, how to print).
struct CliParams {
  ExperimentConfig config;
  std::string train_on;  // train: the training regime
  std::string test_on = "both";
  std::vector<FigureFormat> figures{FigureFormat::kPng};  // reproduce, analyze: --figures
  bool block_grid = false;                                // reproduce, analyze: --block-grid
  FigureSize figure_size = FigureSize::kScreen;  // reproduce, analyze, report: --figure-size
  std::filesystem::path model, out, db, sweep_file, png, run_dir;
  std::filesystem::path model_a, model_b;  // compare
  std::vector<std::filesystem::path> inputs;
  std::string shard = "1/1";
  std::string where, by;  // summarize: the filter and the grouping (savant/sweep/filter.hpp)
  bool json = false, csv = false, dry_run = false;
  bool keep_models = false;  // sweep: --keep-models
  bool all_images = false;   // compare: every test image, not the first kUnitTestImages
  bool quiet = false;        // --quiet: no progress, no summary; warnings and errors still printed
  // The sweep's lists, by setting, as text: set_sweep_option parses them as it parses a sweep
  // file's values.
  std::map<std::string, std::vector<std::string>> lists;
  // The settings given on the command line; the others keep their defaults (or, for eval and
  // analyze, the model's).
  std::set<std::string, std::less<>> given;

  CliParams();
  bool has(std::string_view setting) const { return given.find(setting) != given.end(); }
};

// Adds to `cmd` every option of the table that `command` takes, writing into `params`.
void add_options(CLI::App& cmd, Command command, CliParams& params);

// The flag that sets `setting` ("train_limit" -> "--train-limit"), for messages.
std::string flag_of(std::string_view setting);
// The flag of a library setting's name: "--" and the name with '-' for '_'.
std::string flag_for(std::string_view name);

// eval's and analyze's --model names a model file: a missing file named like an architecture
// (train's --model) is a usage error that says so.
void check_model_file(const std::filesystem::path& model);

}  // namespace savant::cli
