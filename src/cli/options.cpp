#include "cli/options.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/machine.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/unit_analysis.hpp"
#include "savant/model/architecture.hpp"

namespace savant::cli {
namespace {

using Setter = void (*)(CliParams&, const std::string&);

// One option. `setting` is the field it writes: a field of ExperimentConfig (set by set_field,
// so `set` is null) or of CliParams; the library's InvalidSetting names it, flag_of turns it
// back into `flag`.
struct OptionSpec {
  std::string flag;  // "--grid", or the name of a positional argument ("RUN_DIR")
  std::string setting;
  unsigned commands;  // Command bits: who takes it
  std::string help;
  Setter set = nullptr;
  unsigned required = 0;    // the commands in which it must be given
  unsigned lists = 0;       // ... in which it takes a comma-separated list (kept as text)
  unsigned from_model = 0;  // ... in which, unset, it is what the model's metadata says
  std::vector<std::pair<unsigned, const char*>> help_in = {};  // help for some commands
  bool is_flag = false;                                        // takes no value
  std::string deprecated_for = {};  // a hidden old name of this flag: the flag to use
  bool several = false;             // takes one or more values, each passed to `set`
};

// The commands that take a library setting, from what it is used for (experiment/settings.hpp).
unsigned commands_of(const Setting& s) {
  unsigned commands = 0;
  if (s.has(kTrains)) commands |= kReproduce | kTrain;
  if (s.has(kShufflesTest)) commands |= kEval | kShuffle;
  if (s.has(kAnalyzes)) commands |= kAnalyze;
  if (s.has(kNamesData)) commands |= kReport | kCompare;
  if (s.has(kParallel)) commands |= kCompare;
  if (s.has(kSweepAxis | kSweepOnce)) commands |= kSweep;
  return commands;
}

// What the command line adds to a library setting: the commands in which it is required or
// defaults to the model's, and help for some commands.
struct SettingOnCommandLine {
  std::string setting;
  unsigned required = 0;
  unsigned from_model = 0;
  std::vector<std::pair<unsigned, const char*>> help_in = {};
};

const std::vector<SettingOnCommandLine>& command_line_of_settings() {
  static const std::vector<SettingOnCommandLine> adjustments = {
      {"data",
       0,
       kReport,
       {{kReport,
         "the run's data set, for the gallery of test images (default: config.data "
         "in results.json)"}}},
      {"grid",
       kShuffle,
       kEval | kAnalyze,
       {{kEval, "g of the shuffled test images"},
        {kAnalyze, "g of the grid signature to single out"},
        {kSweep, "grid sizes g, e.g. 2,4,7,14"}}},
      {"shuffle",
       0,
       kEval,
       {{kEval, "block shuffling of the test images: derange, permute, fixed or none"},
        {kSweep, "block shuffling modes: derange, permute, fixed"}}},
      {"seed",
       kShuffle,
       kEval,
       {{kEval, "seed of the test images' permutations"}, {kShuffle, "seed of the permutations"}}},
      {"threads",
       0,
       0,
       {{kSweep, "jobs run at once, one model per thread (results do not depend on it)"}}},
  };
  return adjustments;
}

// The library's settings as options: the flag is the name with '-' for '_'; an old name of the
// setting stays as a hidden flag that warns.
std::vector<OptionSpec> setting_options() {
  std::vector<OptionSpec> out;
  for (const Setting& s : settings()) {
    OptionSpec o{flag_for(s.name), s.name, commands_of(s), s.help};
    o.lists = s.has(kSweepAxis | kSweepOnce) ? unsigned{kSweep} : 0u;
    for (const SettingOnCommandLine& a : command_line_of_settings()) {
      if (a.setting != s.name) continue;
      o.required = a.required;
      o.from_model = a.from_model;
      o.help_in = a.help_in;
    }
    out.push_back(o);
    if (!s.old_name.empty()) {
      OptionSpec old{flag_for(s.old_name), s.name, o.commands, ""};
      old.lists = o.lists;
      old.deprecated_for = o.flag;
      out.push_back(old);
    }
  }
  return out;
}
static_assert(kUnitTestImages == 1000, "--all-images' help says 1000");

void set_path(std::filesystem::path& to, const std::string& text) {
  to = text;
}

// The command line's own options: where inputs and outputs are, how to print, and what a
// command adds to the configuration (a sweep's seeds, train's regime).
const std::vector<OptionSpec>& own_options() {
  static const std::vector<OptionSpec> options = {
      {"--mode", "shuffle", kShuffle, "", nullptr, 0, 0, 0, {}, false, "--shuffle"},
      {"--train-on", "train_on", kTrain | kSweep,
       "which training images: original, shuffled, mixed:P, fresh or gaussian (docs/SWEEPS.md)",
       [](CliParams& p, const std::string& v) { p.train_on = v; }, kTrain, kSweep},
      {"--seeds", "seeds", kSweep,
       "number of seeds per configuration (seeds first-seed .. first-seed+N-1)", nullptr, 0,
       kSweep},
      {"--first-seed", "first_seed", kSweep, "the first seed", nullptr, 0, kSweep},
      // Not the library's "model" setting (the architecture), whose default it would show.
      {"--model", "model_file", kEval | kAnalyze, "a model file written by savant (.safetensors)",
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
      {"--keep-models",
       "keep_models",
       kSweep,
       "keep each job's model beside the database, in DB.models/ (for analyze and eval)",
       [](CliParams& p, const std::string&) { p.keep_models = true; },
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
      {"--where", "where", kSummarize,
       "only the jobs this filter takes, e.g. \"grid in (2,4) and shuffle != none\": settings "
       "compared (= != < <= > >=, in (...)) and joined with and, or, not (docs/SWEEPS.md)",
       [](CliParams& p, const std::string& v) { p.where = v; }},
      {"--by", "by", kSummarize,
       "group the jobs by these settings, comma-separated, e.g. grid,train_on (default: "
       "every setting but the seed)",
       [](CliParams& p, const std::string& v) { p.by = v; }},
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
       "",
       true},
  };
  return options;
}

// Every option: the library's settings, then the command line's own.
std::vector<OptionSpec> table() {
  std::vector<OptionSpec> options = setting_options();
  const std::vector<OptionSpec>& own = own_options();
  options.insert(options.end(), own.begin(), own.end());
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
  for (const OptionSpec& o : table()) {
    if ((o.commands & command) == 0) continue;
    const std::string setting = o.setting;
    const std::string flag = o.flag, deprecated_for = o.deprecated_for;
    auto warn_if_deprecated = [flag, deprecated_for] {
      if (!deprecated_for.empty()) {
        std::fprintf(stderr, "savant: warning: %s is deprecated; use %s\n", flag.c_str(),
                     deprecated_for.c_str());
      }
    };
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
          [&params, setting, warn_if_deprecated](const CLI::results_t& values) {
            warn_if_deprecated();
            params.given.insert(setting);
            params.lists[setting] = values;
            return true;
          },
          help_for(o, command));
      option->delimiter(',')->expected(1, 1 << 20);
    } else {
      const bool many = o.several;
      option = cmd.add_option(
          o.flag,
          [&params, setting, set = o.set, warn_if_deprecated](const CLI::results_t& values) {
            warn_if_deprecated();
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
    }
    if (!deprecated_for.empty()) option->group("");
    if ((o.required & command) != 0) option->required();
    const bool from_model = (o.from_model & command) != 0;
    if (setting == "figures") option->default_str("png");
    if (setting == "figure_size") option->default_str("screen");
    const Setting* library_setting = find_setting(setting);
    if (!from_model && library_setting != nullptr && command != kSweep) {
      std::string shown = library_setting->text(params.config);
      if (library_setting->type == SettingType::kPath) shown = absolute_path(shown).string();
      option->default_str(shown);
    }
  }
}

void check_model_file(const std::filesystem::path& model) {
  std::error_code error;
  if (std::filesystem::exists(model, error) || error) return;
  Architecture arch{};
  try {
    arch = parse_architecture(model.native());
  } catch (const InvalidSetting&) {
    return;  // not an architecture's name: loading it says the file is not there
  }
  throw UsageError(fmt::format(
      "--model {0}: this command takes a model file (.safetensors), not an architecture, and "
      "there is no file named '{0}'; train one with 'savant train --model {0} --train-on "
      "original --out MODEL.safetensors' (the file records its architecture)",
      architecture_name(arch)));
}

std::string flag_for(std::string_view name) {
  std::string flag = "--" + std::string(name);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string flag_of(std::string_view setting) {
  for (const OptionSpec& o : table()) {
    if (o.setting == setting && o.deprecated_for.empty()) return o.flag;
  }
  return flag_for(setting);
}

}  // namespace savant::cli
