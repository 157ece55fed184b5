#pragma once
// The settings of a run, each declared once (settings.cpp): its name, an old name, help, type,
// default, range and which uses take it, with the accessors that parse it from text, check it,
// and write it to and read it from JSON. Everything else is derived from this table: set_field,
// validate, config_json and config_from_json (config.cpp); the command line's options; the
// sweep's axes, job keys, database columns and summaries; Python's keyword arguments.
//
// The name is the setting's one name wherever a user meets it: the JSON key of results.json and
// model metadata, the key of a sweep file, the column of the sweep database, the Python keyword
// (learning_rate=), and, with '-' for '_', the command-line flag (--learning-rate).

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/experiment/config.hpp"

namespace savant {

enum class SettingType {
  kPath,    // a file or directory
  kWhole,   // a whole number
  kNumber,  // a real number
  kChoice,  // one of a few words
};

// What takes a setting, as bits: the front ends map their commands and functions to these.
enum SettingUse : unsigned {
  kTrains = 1u << 0,        // decides how a model is trained (reproduce, train)
  kShufflesTest = 1u << 1,  // decides the shuffled test images (eval, shuffle)
  kAnalyzes = 1u << 2,      // decides the analysis of a saved model (analyze: the grid)
  kNamesData = 1u << 3,     // where the data set is (every command that reads one)
  kParallel = 1u << 4,      // how many threads; results do not depend on it
  kSweepAxis = 1u << 5,     // a sweep takes a list of values; part of a job's identity
  kSweepOnce = 1u << 6,     // a sweep takes one value, the same for every job
  kIdentity = 1u << 7,      // part of a sweep job's identity (job_key, a database column)
  kRecorded = 1u << 8,      // written to results.json's and model files' "config"
  // In every file and database savant has written: required when a file is read back, and
  // always named in a job's key. A setting added later lacks the bit: a file or database
  // without it reads as its default, and a job key names it only when it differs from it, so
  // that the keys of databases written before it stay those of the same jobs.
  kFromFirstVersion = 1u << 9,
};

struct Setting {
  std::string name;      // snake_case, e.g. "train_limit"
  std::string old_name;  // what files of earlier versions call it ("lr"), or empty
  std::string help;
  SettingType type = SettingType::kWhole;
  std::vector<std::string> choices;  // kChoice: the words it takes
  unsigned uses = 0;                 // SettingUse bits
  // Sets the field from text as typed: the type only (a whole number, a number, a choice).
  // Throws InvalidSetting naming the setting.
  std::function<void(ExperimentConfig&, std::string_view)> parse;
  // Checks the field's range on its own. Throws InvalidSetting naming the setting.
  std::function<void(const ExperimentConfig&)> check;
  std::function<nlohmann::json(const ExperimentConfig&)> to_json;
  // Sets the field from a JSON value; throws Error (the caller names the file) for a value of
  // the wrong type or range.
  std::function<void(ExperimentConfig&, const nlohmann::json&)> from_json;
  // The value as text, as parse takes it (job keys, defaults in help).
  std::function<std::string(const ExperimentConfig&)> text;
  // A number that orders values of this setting (summaries): the value, or a choice's index.
  std::function<double(const ExperimentConfig&)> rank;

  bool has(unsigned use) const { return (uses & use) != 0; }
  // What a sweep database's column holds: INTEGER, REAL or TEXT.
  const char* sql_type() const;
};

// The table in effect: every setting, in the order files, keys and help list them.
std::span<const Setting> settings();

// The setting named `name` (or its old name), or nullptr.
const Setting* find_setting(std::string_view name);

// The table as declared in settings.cpp, to copy (tests).
const std::vector<Setting>& default_settings();

// Puts `table` in effect instead of the declared one until destroyed: for tests that add a
// setting to a copy of the table and check that it appears wherever settings are derived.
// Not for use while another thread reads settings.
class SettingsOverride {
 public:
  explicit SettingsOverride(std::vector<Setting> table);
  ~SettingsOverride();
  SettingsOverride(const SettingsOverride&) = delete;
  SettingsOverride& operator=(const SettingsOverride&) = delete;

 private:
  std::vector<Setting> table_;
  std::span<const Setting> previous_;
};

// Accessors of a whole-number field `T ExperimentConfig::*field` in [lo, hi], for tables built
// elsewhere (tests); settings.cpp builds its own entries with it.
Setting whole_setting(std::string name, std::string help, unsigned uses,
                      std::size_t ExperimentConfig::*field, std::size_t lo, std::size_t hi);

}  // namespace savant
