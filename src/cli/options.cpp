#include "cli/options.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/machine.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/unit_analysis.hpp"

namespace savant::cli {
namespace {

using Setter = void (*)(CliParams&, const std::string&);

// One option. `setting` is the field it writes: a field of ExperimentConfig (set by set_field,
// so `set` is null) or of CliParams; the library's InvalidSetting names it, flag_of turns it
// back into `flag`.
struct OptionSpec {
  const char* flag;  // "--grid", or the name of a positional argument ("RUN_DIR")
  const char* setting;
  unsigned commands;  // Command bits: who takes it
  const char* help;
  Setter set = nullptr;
  unsigned required = 0;    // the commands in which it must be given
  unsigned lists = 0;       // ... in which it takes a comma-separated list (kept as text)
  unsigned from_model = 0;  // ... in which, unset, it is what the model's metadata says
  std::vector<std::pair<unsigned, const char*>> help_in = {};  // help for some commands
  bool is_flag = false;                                        // takes no value
  const char* deprecated_for = nullptr;                        // a hidden old name of this flag
  bool several = false;  // takes one or more values, each passed to `set`
};

constexpr unsigned kTrains = kReproduce | kTrain | kSweep;
static_assert(kUnitTestImages == 1000, "--all-images' help says 1000");

void set_path(std::filesystem::path& to, const std::string& text) {
  to = text;
}

const std::vector<OptionSpec>& table() {
  static const std::vector<OptionSpec> options = {
      {"--data",
       "data",
       kTrains | kEval | kShuffle | kReport | kCompare,
       "directory with the four IDX files, raw or .gz ($SAVANT_DATA, else Debian's "
       "Fashion-MNIST)",
       nullptr,
       0,
       kSweep,
       kReport,
       {{kReport,
         "the run's data set, for the gallery of test images (default: config.data "
         "in results.json)"}}},
      {"--grid",
       "grid",
       kTrains | kEval | kAnalyze | kShuffle,
       "g: cut each image into a g x g grid of blocks",
       nullptr,
       kShuffle,
       kSweep,
       kEval | kAnalyze,
       {{kEval, "g of the shuffled test images"},
        {kAnalyze, "g of the grid signature to single out"},
        {kSweep, "grid sizes g, e.g. 2,4,7,14"}}},
      {"--shuffle",
       "shuffle",
       kTrains | kEval | kShuffle,
       "block shuffling: derange, permute, fixed or none",
       nullptr,
       0,
       kSweep,
       kEval,
       {{kEval, "block shuffling of the test images: derange, permute, fixed or none"},
        {kSweep, "block shuffling modes: derange, permute, fixed"}}},
      {"--mode", "shuffle", kShuffle, "", nullptr, 0, 0, 0, {}, false, "--shuffle"},
      {"--train-on", "train_on", kTrain | kSweep,
       "which training images: original, shuffled, mixed:P or fresh (docs/SWEEPS.md)",
       [](CliParams& p, const std::string& v) { p.train_on = v; }, kTrain, kSweep},
      {"--hidden", "hidden", kTrains, "width of each hidden layer", nullptr, 0, kSweep},
      {"--layers", "layers", kTrains, "number of hidden layers", nullptr, 0, kSweep},
      {"--epochs", "epochs", kTrains, "passes over the training set", nullptr, 0, kSweep},
      {"--batch", "batch", kTrains, "mini-batch size", nullptr, 0, kSweep},
      {"--lr", "learning_rate", kTrains, "Adam's learning rate", nullptr, 0, kSweep},
      {"--seed",
       "seed",
       kReproduce | kTrain | kEval | kShuffle,
       "seed of every random choice (init, order, shuffling)",
       nullptr,
       kShuffle,
       0,
       kEval,
       {{kEval, "seed of the test images' permutations"}, {kShuffle, "seed of the permutations"}}},
      {"--seeds", "seeds", kSweep,
       "number of seeds per configuration (seeds first-seed .. first-seed+N-1)", nullptr, 0,
       kSweep},
      {"--first-seed", "first_seed", kSweep, "the first seed", nullptr, 0, kSweep},
      {"--train-limit", "train_limit", kTrains, "use only the first N training images (0: all)",
       nullptr, 0, kSweep},
      {"--threads",
       "threads",
       kTrains | kEval | kShuffle | kCompare,
       "threads to use (results do not depend on it)",
       nullptr,
       0,
       0,
       0,
       {{kSweep, "jobs run at once, one model per thread (results do not depend on it)"}}},
      {"--engine", "engine", kTrains,
       "training engine: auto (the fastest this CPU runs; $SAVANT_ENGINE), portable or avx512",
       [](CliParams& p, const std::string& v) { p.engine = v; }},
      {"--model", "model", kEval | kAnalyze, "a model file written by savant (.safetensors)",
       [](CliParams& p, const std::string& v) { set_path(p.model, v); }, kEval | kAnalyze},
      {"MODEL_A", "model_a", kCompare,
       "a model file written by savant; its grid, shuffle and seed shuffle the test images",
       [](CliParams& p, const std::string& v) { set_path(p.model_a, v); }, kCompare},
      {"MODEL_B", "model_b", kCompare, "the model file to compare it with",
       [](CliParams& p, const std::string& v) { set_path(p.model_b, v); }, kCompare},
      {"--all-images",
       "all_images",
       kCompare,
       "use every test image, not the first 1000 that reproduce uses",
       [](CliParams& p, const std::string&) { p.all_images = true; },
       0,
       0,
       0,
       {},
       true},
      {"--test-on", "test_on", kEval, "which test images: original, shuffled or both",
       [](CliParams& p, const std::string& v) {
         if (v != "original" && v != "shuffled" && v != "both") {
           throw InvalidSetting("test_on", fmt::format("'{}'", v),
                                "expected original, shuffled or both");
         }
         p.test_on = v;
       }},
      {"--out",
       "out",
       kReproduce | kTrain | kAnalyze | kShuffle | kReport,
       "output directory",
       [](CliParams& p, const std::string& v) { set_path(p.out, v); },
       kTrain | kAnalyze | kShuffle,
       0,
       0,
       {{kReproduce, "output directory (default: savant-out)"},
        {kTrain, "the model file to write (MODEL.safetensors)"},
        {kReport,
         "the HTML file to write (default: RUN_DIR/report.html, or the database's "
         "name with .html)"}}},
      {"--figures", "figures", kReproduce | kAnalyze,
       "formats of the figures, comma-separated: any of png, svg (vector) and pdf (vector)",
       [](CliParams& p, const std::string& v) { p.figures = figure_formats_from(v); }},
      {"--figure-size",
       "figure_size",
       kReproduce | kAnalyze | kReport,
       "the figures' printed size: screen (the default), column (3.3 in wide) or page (7 in), "
       "text 8 to 9 pt; PNG at 300 dpi",
       [](CliParams& p, const std::string& v) { p.figure_size = figure_size_from(v); },
       0,
       0,
       0,
       {{kReport,
         "with --db and --png: the chart's printed size, screen (the default), column (3.3 in "
         "wide) or page (7 in)"}}},
      {"--block-grid",
       "block_grid",
       kReproduce | kAnalyze,
       "draw the borders of the g x g blocks over the heat maps",
       [](CliParams& p, const std::string&) { p.block_grid = true; },
       0,
       0,
       0,
       {},
       true},
      {"RUN_DIR", "run_dir", kReport, "directory written by 'savant reproduce --out'",
       [](CliParams& p, const std::string& v) { set_path(p.run_dir, v); }},
      {"--db",
       "db",
       kSweep | kReport | kSummarize,
       "a database written by savant sweep",
       [](CliParams& p, const std::string& v) { set_path(p.db, v); },
       kSummarize,
       0,
       0,
       {{kSweep, "the SQLite database of results, WAL mode (default: sweep.sqlite)"},
        {kReport, "a database written by 'savant sweep' (instead of RUN_DIR)"}}},
      {"--png", "png", kReport,
       "with --db: also write the headline chart (accuracy against grid size) as a PNG",
       [](CliParams& p, const std::string& v) { set_path(p.png, v); }},
      {"--config", "sweep_file", kSweep,
       "a TOML file with the same keys (values or arrays); flags given win",
       [](CliParams& p, const std::string& v) {
         if (!std::filesystem::exists(v)) {
           throw InvalidSetting("sweep_file", v, "no such file");
         }
         set_path(p.sweep_file, v);
       }},
      {"--shard", "shard", kSweep,
       "run only the K-th of N deterministic slices of the jobs (job arrays)",
       [](CliParams& p, const std::string& v) { p.shard = v; }},
      {"--dry-run",
       "dry_run",
       kSweep,
       "list the jobs that would run, run nothing",
       [](CliParams& p, const std::string&) { p.dry_run = true; },
       0,
       0,
       0,
       {},
       true},
      {"--quiet",
       "quiet",
       kReproduce | kTrain | kAnalyze | kShuffle | kSweep | kReport | kMerge,
       "print no progress and no summary, only warnings and errors (on stderr)",
       [](CliParams& p, const std::string&) { p.quiet = true; },
       0,
       0,
       0,
       {},
       true},
      {"--json",
       "json",
       kEval | kSummarize | kCompare,
       "print JSON on stdout instead of tables",
       [](CliParams& p, const std::string&) { p.json = true; },
       0,
       0,
       0,
       {},
       true},
      {"--csv",
       "csv",
       kSummarize,
       "print CSV on stdout instead of tables: a header row, then one row per configuration "
       "and test set",
       [](CliParams& p, const std::string&) { p.csv = true; },
       0,
       0,
       0,
       {},
       true},
      {"out", "out", kMerge, "the database to write (created if missing)",
       [](CliParams& p, const std::string& v) { set_path(p.out, v); }, kMerge},
      {"inputs",
       "inputs",
       kMerge,
       "databases to read",
       [](CliParams& p, const std::string& v) {
         if (!std::filesystem::exists(v)) throw InvalidSetting("inputs", v, "no such file");
         p.inputs.emplace_back(v);
       },
       kMerge,
       0,
       0,
       {},
       false,
       nullptr,
       true},
  };
  return options;
}

std::string help_for(const OptionSpec& o, Command command) {
  std::string help = o.help;
  for (const auto& [commands, text] : o.help_in) {
    if ((commands & command) != 0) help = text;
  }
  if ((o.from_model & command) != 0 && command != kReport) help += " (default: the model's own)";
  return help;
}

}  // namespace

CliParams::CliParams() {
  config.data = default_data_dir();
  config.threads = default_threads();
}

void add_options(CLI::App& cmd, Command command, CliParams& params) {
  const nlohmann::json defaults = config_json(params.config);
  for (const OptionSpec& o : table()) {
    if ((o.commands & command) == 0) continue;
    const std::string setting = o.setting;
    CLI::Option* option = nullptr;
    if (o.is_flag) {
      option = cmd.add_flag_callback(
          o.flag,
          [&params, setting, set = o.set]() {
            params.given.insert(setting);
            set(params, "");
          },
          help_for(o, command));
    } else if ((o.lists & command) != 0) {
      // The sweep's lists stay text until set_sweep_option parses them.
      option = cmd.add_option(
          o.flag,
          [&params, setting](const CLI::results_t& values) {
            params.given.insert(setting);
            params.lists[setting] = values;
            return true;
          },
          help_for(o, command));
      option->delimiter(',')->expected(1, 1 << 20);
    } else {
      const bool many = o.several;
      const char* deprecated_for = o.deprecated_for;
      const char* flag = o.flag;
      option = cmd.add_option(
          o.flag,
          [&params, setting, set = o.set, deprecated_for, flag](const CLI::results_t& values) {
            if (deprecated_for != nullptr) {
              std::fprintf(stderr, "savant: warning: %s is deprecated; use %s\n", flag,
                           deprecated_for);
            }
            params.given.insert(setting);
            for (const std::string& value : values) {
              if (set != nullptr) {
                set(params, value);
              } else {
                set_field(params.config, setting, value);
              }
            }
            return true;
          },
          help_for(o, command));
      option->type_size(1)->expected(1, many ? 1 << 20 : 1)->allow_extra_args(many);
      if (deprecated_for != nullptr) option->group("");
    }
    if ((o.required & command) != 0) option->required();
    const bool from_model = (o.from_model & command) != 0;
    if (setting == "engine") option->default_str(params.engine);
    if (setting == "figures") option->default_str("png");
    if (setting == "figure_size") option->default_str("screen");
    if (!from_model && defaults.contains(setting) && command != kSweep) {
      const nlohmann::json& d = defaults.at(setting);
      option->default_str(d.is_string() ? d.get<std::string>() : d.dump());
    }
  }
}

std::string flag_of(std::string_view setting) {
  for (const OptionSpec& o : table()) {
    if (o.setting == setting && o.deprecated_for == nullptr) return o.flag;
  }
  std::string flag = "--" + std::string(setting);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

}  // namespace savant::cli
