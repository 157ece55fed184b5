#include "savant/experiment/settings.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/typed_number.hpp"
#include "savant/data/named_dataset.hpp"
#include "savant/experiment/setting_values.hpp"
#include "savant/model/engine_choice.hpp"
#include "savant/model/train.hpp"

namespace savant {
namespace {

Setting make(std::string name, std::string help, SettingType type, unsigned uses) {
  Setting s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.type = type;
  s.uses = uses;
  return s;
}

// A whole number of type T from JSON, range-checked: nlohmann's get<> would wrap -1 into
// 2^64 - 1.
template <typename T>
T whole_from_json(const std::string& name, const nlohmann::json& v) {
  bool fits = false;
  if (v.is_number_unsigned()) {
    fits = std::in_range<T>(v.get<std::uint64_t>());
  } else if (v.is_number_integer()) {
    fits = std::in_range<T>(v.get<std::int64_t>());
  }
  if (!fits) {
    throw Error(
        fmt::format("'{}' has the wrong type or range: {}, expected a whole number from "
                    "{} to {}",
                    name, v.dump(), std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  }
  return v.get<T>();
}

template <typename T>
Setting whole(std::string name, std::string help, unsigned uses, T ExperimentConfig::*field, T lo,
              T hi) {
  Setting s = make(name, std::move(help), SettingType::kWhole, uses);
  s.parse = [name, field](ExperimentConfig& c, std::string_view text) {
    c.*field = parse_whole<T>(name, text);
  };
  s.check = [name, field, lo, hi](const ExperimentConfig& c) {
    if (c.*field < lo || c.*field > hi) {
      throw InvalidSetting(name, fmt::format("{}", c.*field),
                           fmt::format("out of range; use {} to {}", lo, hi));
    }
  };
  s.to_json = [field](const ExperimentConfig& c) { return nlohmann::json(c.*field); };
  s.from_json = [name, field](ExperimentConfig& c, const nlohmann::json& v) {
    c.*field = whole_from_json<T>(name, v);
  };
  s.text = [field](const ExperimentConfig& c) { return fmt::format("{}", c.*field); };
  s.rank = [field](const ExperimentConfig& c) { return static_cast<double>(c.*field); };
  return s;
}

Setting float_number(std::string name, std::string old_name, std::string help, unsigned uses,
                     float ExperimentConfig::*field) {
  Setting s = make(name, std::move(help), SettingType::kNumber, uses);
  s.old_name = std::move(old_name);
  s.parse = [name, field](ExperimentConfig& c, std::string_view text) {
    c.*field = parse_float(name, text);
  };
  s.check = [name, field](const ExperimentConfig& c) {
    if (!(c.*field > 0.0f) || !std::isfinite(c.*field)) {
      throw InvalidSetting(name, fmt::format("{}", c.*field),
                           "must be a positive number (e.g. 0.001)");
    }
  };
  // As typed: 0.001, not the float's 0.0010000000474974513 (core/typed_number.hpp).
  s.to_json = [field](const ExperimentConfig& c) { return nlohmann::json(as_typed(c.*field)); };
  s.from_json = [name, field](ExperimentConfig& c, const nlohmann::json& v) {
    if (!v.is_number()) {
      throw Error(fmt::format("'{}' has the wrong type: {}, expected a number", name, v.dump()));
    }
    c.*field = static_cast<float>(v.get<double>());
  };
  s.text = [field](const ExperimentConfig& c) { return fmt::format("{}", c.*field); };
  s.rank = [field](const ExperimentConfig& c) { return static_cast<double>(c.*field); };
  return s;
}

// A fraction in [0, 1], or in (0, 1] when not `zero`.
Setting fraction(std::string name, std::string help, unsigned uses, float ExperimentConfig::*field,
                 bool zero) {
  Setting s = float_number(name, "", std::move(help), uses, field);
  s.check = [name, field, zero](const ExperimentConfig& c) {
    const float v = c.*field;
    if (v <= 1.0f && (zero ? v >= 0.0f : v > 0.0f)) return;
    throw InvalidSetting(name, fmt::format("{}", v),
                         zero ? "must be a fraction from 0 to 1 (e.g. 0.5)"
                              : "must be a fraction above 0 and at most 1 (e.g. 0.99)");
  };
  return s;
}

// A choice stored as an enum or a string: `to_text` and `from_text` convert (from_text throws
// InvalidSetting naming the setting for a word it does not take).
template <typename T>
Setting choice(std::string name, std::string help, unsigned uses, std::vector<std::string> words,
               T ExperimentConfig::*field, std::function<T(std::string_view)> from_text,
               std::function<std::string(const T&)> to_text) {
  Setting s = make(name, std::move(help), SettingType::kChoice, uses);
  s.choices = words;
  s.parse = [field, from_text](ExperimentConfig& c, std::string_view text) {
    c.*field = from_text(text);
  };
  s.check = [](const ExperimentConfig&) {};
  s.to_json = [field, to_text](const ExperimentConfig& c) {
    return nlohmann::json(to_text(c.*field));
  };
  s.from_json = [name, field, from_text](ExperimentConfig& c, const nlohmann::json& v) {
    if (!v.is_string()) {
      throw Error(fmt::format("'{}' has the wrong type: {}, expected a string", name, v.dump()));
    }
    c.*field = from_text(v.get<std::string>());
  };
  s.text = [field, to_text](const ExperimentConfig& c) { return to_text(c.*field); };
  s.rank = [field, to_text, words](const ExperimentConfig& c) {
    const std::string word = to_text(c.*field);
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (words[i] == word) return static_cast<double>(i);
    }
    return static_cast<double>(words.size());
  };
  return s;
}

Setting data_setting() {
  Setting s =
      make("data",
           "directory with the four IDX files, raw or .gz, or a data set by name: fashion-mnist "
           "or mnist (default: $SAVANT_DATA, else Debian's Fashion-MNIST)",
           SettingType::kPath,
           kTrains | kShufflesTest | kNamesData | kSweepOnce | kRecorded | kFromFirstVersion);
  // A name is the directory it is installed in (data/named_dataset.hpp), which files record.
  s.parse = [](ExperimentConfig& c, std::string_view text) {
    const std::optional<std::filesystem::path> named = named_data_dir(text);
    c.data = named ? *named : std::filesystem::path(std::string(text));
  };
  s.check = [](const ExperimentConfig&) {};  // validate() checks the path's text
  // Absolute, so that a results file read from another directory still names the data.
  s.to_json = [](const ExperimentConfig& c) {
    return nlohmann::json(absolute_path(c.data).string());
  };
  s.from_json = [](ExperimentConfig& c, const nlohmann::json& v) {
    if (!v.is_string()) {
      throw Error(fmt::format("'data' has the wrong type: {}, expected a string", v.dump()));
    }
    c.data = v.get<std::string>();
  };
  s.text = [](const ExperimentConfig& c) { return c.data.string(); };
  s.rank = [](const ExperimentConfig&) { return 0.0; };
  return s;
}

constexpr unsigned kModel = kTrains | kSweepAxis | kIdentity | kRecorded | kFromFirstVersion;

std::vector<Setting> declared() {
  std::vector<Setting> table;
  table.push_back(data_setting());
  table.push_back(whole<int>("grid", "g: cut each image into a g x g grid of blocks",
                             kModel | kShufflesTest | kAnalyzes, &ExperimentConfig::grid, 1, 255));
  // The grid's range depends on the images (validate_grid); 1 to 255 is what any image allows.
  table.back().check = [](const ExperimentConfig& c) {
    if (c.grid < 1 || c.grid > 255) {
      throw InvalidSetting("grid", std::to_string(c.grid),
                           "out of range; use a divisor of the image size");
    }
  };
  table.push_back(choice<ShuffleMode>(
      "shuffle", "block shuffling: derange, permute, fixed or none", kModel | kShufflesTest,
      {"derange", "permute", "fixed", "none"}, &ExperimentConfig::shuffle, parse_shuffle_mode,
      [](const ShuffleMode& m) { return to_string(m); }));
  // Added after the first version: files and sweep databases without it hold mlp models.
  table.push_back(choice<Architecture>(
      "model",
      "network: mlp (dense: hidden, layers), cnn, local (a bag of local features) or mixer "
      "(patches = the grid's blocks)",
      kTrains | kSweepAxis | kIdentity | kRecorded, {"mlp", "cnn", "local", "mixer"},
      &ExperimentConfig::model, parse_architecture,
      [](const Architecture& a) { return std::string(architecture_name(a)); }));
  table.push_back(whole<std::size_t>("hidden", "width of each hidden layer (mlp)", kModel,
                                     &ExperimentConfig::hidden, 1, 65536));
  table.push_back(whole<std::size_t>("layers", "number of hidden layers (mlp)", kModel,
                                     &ExperimentConfig::layers, 1, 16));
  table.push_back(whole<std::size_t>("epochs", "passes over the training set", kModel,
                                     &ExperimentConfig::epochs, 1, 10000));
  table.push_back(
      whole<std::size_t>("batch", "mini-batch size", kModel, &ExperimentConfig::batch, 1, 65536));
  table.push_back(float_number(kLearningRateSetting, "lr", "Adam's learning rate", kModel,
                               &ExperimentConfig::learning_rate));
  table.push_back(
      whole<std::uint64_t>("seed", "seed of every random choice (init, order, shuffling)",
                           kTrains | kShufflesTest | kIdentity | kRecorded | kFromFirstVersion,
                           &ExperimentConfig::seed, 0, std::numeric_limits<std::uint64_t>::max()));
  table.push_back(
      whole<int>("threads", "threads to use (results do not depend on it)",
                 kTrains | kShufflesTest | kParallel | kSweepOnce | kRecorded | kFromFirstVersion,
                 &ExperimentConfig::threads, 1, 1024));
  table.push_back(whole<std::size_t>(
      "train_limit", "use only the first N training images (0: all)",
      kTrains | kSweepOnce | kIdentity | kRecorded | kFromFirstVersion,
      &ExperimentConfig::train_limit, 0, std::numeric_limits<std::size_t>::max()));
  // Not recorded as chosen: results.json and model files name the engine that trained
  // (active_engine_name), which "auto" does not say.
  table.push_back(choice<std::string>(
      "engine",
      "training engine: auto (the fastest this CPU runs; $SAVANT_ENGINE), portable or avx512",
      kTrains | kSweepOnce, {"auto", "portable", "avx512"}, &ExperimentConfig::engine,
      [](std::string_view text) {
        check_engine(text);
        return std::string(text);
      },
      [](const std::string& s) { return s; }));
  table.push_back(fraction("label_noise",
                           "fraction of training labels replaced by a random class (1: random "
                           "labels); the test labels stay true",
                           kTrains | kSweepAxis | kIdentity | kRecorded,
                           &ExperimentConfig::label_noise, true));
  table.push_back(choice<std::string>(
      "epoch_eval",
      "per-epoch curves on the test images: test (original and shuffled test loss and "
      "accuracy after every epoch) or none (faster)",
      kTrains | kSweepOnce | kRecorded, {"test", "none"}, &ExperimentConfig::epoch_eval,
      [](std::string_view t) {
        if (t == "test" || t == "none") return std::string(t);
        throw InvalidSetting("epoch_eval", fmt::format("'{}'", t), "expected test or none");
      },
      [](const std::string& s) { return s; }));
  table.push_back(fraction(
      "fit_threshold", "training accuracy at which a model counts as fitted (epochs_to_fit)",
      kTrains | kSweepOnce | kRecorded, &ExperimentConfig::fit_threshold, false));
  return table;
}

std::span<const Setting> g_active;

}  // namespace

const char* Setting::sql_type() const {
  switch (type) {
    case SettingType::kWhole:
      return "INTEGER";
    case SettingType::kNumber:
      return "REAL";
    default:
      return "TEXT";
  }
}

const std::vector<Setting>& default_settings() {
  static const std::vector<Setting> table = declared();
  return table;
}

std::span<const Setting> settings() {
  if (g_active.empty()) return default_settings();
  return g_active;
}

const Setting* find_setting(std::string_view name) {
  for (const Setting& s : settings()) {
    if (s.name == name || (!s.old_name.empty() && s.old_name == name)) return &s;
  }
  return nullptr;
}

SettingsOverride::SettingsOverride(std::vector<Setting> table)
    : table_(std::move(table)), previous_(g_active) {
  g_active = table_;
}

SettingsOverride::~SettingsOverride() {
  g_active = previous_;
}

Setting whole_setting(std::string name, std::string help, unsigned uses,
                      std::size_t ExperimentConfig::*field, std::size_t lo, std::size_t hi) {
  return whole<std::size_t>(std::move(name), std::move(help), uses, field, lo, hi);
}

// The configuration's functions (config.hpp), over the table.
void set_field(ExperimentConfig& c, std::string_view field, std::string_view text) {
  const Setting* setting = find_setting(field);
  if (setting == nullptr) {
    throw InvalidSetting(std::string(field), fmt::format("'{}'", text),
                         "not a setting of the configuration");
  }
  setting->parse(c, text);
}

void validate(const ExperimentConfig& config) {
  for (const Setting& s : settings()) s.check(config);
  if (!is_utf8(config.data.native()) || !is_utf8(absolute_path(config.data).native())) {
    throw InvalidSetting("data",
                         fmt::format("'{}'", printable(absolute_path(config.data).native())),
                         "is not UTF-8 text (the bytes shown as \\x..): savant names the data "
                         "set's path in results.json and model metadata, which are UTF-8 text, "
                         "and does not alter a path; rename the directory");
  }
  validate_combination(config);
}

void validate_combination(const ExperimentConfig& config) {
  if (config.grid == 1 &&
      (config.shuffle == ShuffleMode::kDerange || config.shuffle == ShuffleMode::kFixed)) {
    throw InvalidSetting("grid", "1",
                         fmt::format("a single block has no derangement; use a grid of 2 or "
                                     "more with shuffle {}",
                                     to_string(config.shuffle)));
  }
}

std::filesystem::path absolute_path(const std::filesystem::path& path) {
  if (path.empty()) return path;
  return kernel_path(path);
}

nlohmann::json config_json(const ExperimentConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const Setting& s : settings()) {
    if (s.has(kRecorded)) j[s.name] = s.to_json(c);
  }
  return j;
}

ExperimentConfig config_from_json(const nlohmann::json& j, std::string_view source) {
  if (!j.is_object())
    throw Error(fmt::format("{}: the configuration is not a JSON object", source));
  ExperimentConfig c;
  try {
    for (const Setting& s : settings()) {
      if (!s.has(kRecorded)) continue;
      auto it = j.find(s.name);
      if (it == j.end() && !s.old_name.empty()) it = j.find(s.old_name);
      if (it == j.end()) {
        if (!s.has(kFromFirstVersion)) continue;  // a file from before it: the default
        throw Error(fmt::format("{}: the configuration has no '{}'", source, s.name));
      }
      try {
        s.from_json(c, *it);
      } catch (const Error& e) {
        throw Error(fmt::format("{}: {}", source, e.what()));
      }
    }
    validate(c);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: a configuration field has the wrong type: {}", source, e.what()));
  } catch (const UsageError& e) {
    throw Error(fmt::format("{}: {}", source, e.what()));
  }
  return c;
}

}  // namespace savant
