#include "savant/experiment/results_schema.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/json_input.hpp"
#include "savant/data/image_limits.hpp"
#include "savant/experiment/results_keys.hpp"
#include "savant/model/train.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace results_keys;

struct Sizes {
  std::size_t classes = 0, grid = 0, rows = 0, cols = 0;
};

class Checker {
 public:
  Checker(const fs::path& path, Sizes sizes) : path_(path), sizes_(sizes) {}

  void check(const json& root, const Key& key) const {
    const std::vector<std::string_view> segments = segments_of(key.pointer);
    walk(root, key, segments, 0, "", "");
  }

 private:
  [[noreturn]] void fail(const std::string& at, std::string_view what) const {
    throw Error(fmt::format("{}: the key '{}' {}; {}", path_.string(), at, what, kKeyHint));
  }

  // `value` is at `at` in the file, where the key's pattern has reached `pattern`.
  void walk(const json& value, const Key& key, const std::vector<std::string_view>& segments,
            std::size_t i, const std::string& at, const std::string& pattern) const {
    if (i == segments.size()) {
      check_value(value, key, at);
      return;
    }
    if (value.is_null()) {
      // A parent that may be null holds nothing when it is.
      if (const Key* parent = key_at(pattern); parent && parent->kind == Kind::kObjectOrNull) {
        return;
      }
    }
    const std::string_view segment = segments[i];
    const std::string next = pattern + "/" + std::string(segment);
    if (segment == "*") {
      if (value.is_array()) {
        for (std::size_t k = 0; k < value.size(); ++k) {
          walk(value[k], key, segments, i + 1, fmt::format("{}/{}", at, k), next);
        }
      } else if (value.is_object()) {
        for (const auto& [name, member] : value.items()) {
          walk(member, key, segments, i + 1, at + "/" + escaped(name), next);
        }
      } else {
        fail(at, fmt::format("is of type {} (expected an object or an array)", value.type_name()));
      }
      return;
    }
    if (!value.is_object()) {
      fail(at, fmt::format("is of type {} (expected an object)", value.type_name()));
    }
    for (const std::string& name : names_of(segment)) {
      const std::string child_at = at + "/" + escaped(name);
      if (!value.contains(name)) {
        const Key* own = i + 1 == segments.size() ? &key : key_at(next);
        if (own != nullptr && own->presence == Presence::kIfPresent) continue;
        fail(child_at, fmt::format("is missing (expected {})",
                                   describe(own != nullptr ? own->kind : Kind::kObject)));
      }
      walk(value.at(name), key, segments, i + 1, child_at, next);
    }
  }

  void check_value(const json& value, const Key& key, const std::string& at) const {
    if (!matches(value, key.kind)) {
      fail(at, fmt::format("is of type {} (expected {})", value.type_name(), describe(key.kind)));
    }
    const auto [length, per] = expected_length(key.length);
    if (per != nullptr && value.size() != length) {
      fail(at, fmt::format("has {} entries (expected {}, {})", value.size(), length, per));
    }
  }

  std::pair<std::size_t, const char*> expected_length(Length length) const {
    switch (length) {
      case Length::kAny:
        return {0, nullptr};
      case Length::kClasses:
        return {sizes_.classes, "one per class"};
      case Length::kGrid:
        return {sizes_.grid, "one per block of a grid row or column"};
      case Length::kRows:
        return {sizes_.rows, "one per image row"};
      case Length::kCols:
        return {sizes_.cols, "one per image column"};
    }
    return {0, nullptr};
  }

  const fs::path& path_;
  Sizes sizes_;
};

void collect_outside(const json& value, std::vector<std::string>& at,
                     std::vector<std::string>& outside) {
  const bool leaf = !value.is_structured() || value.empty();
  if (leaf) {
    for (const Key& key : kResultsKeys) {
      if (describes(key.pointer, at)) return;
    }
    std::string pointer;
    for (const std::string& name : at) {
      pointer += '/';
      pointer += escaped(name);
    }
    outside.push_back(pointer);
    return;
  }
  if (value.is_array()) {
    for (std::size_t k = 0; k < value.size(); ++k) {
      at.push_back(std::to_string(k));
      collect_outside(value[k], at, outside);
      at.pop_back();
    }
    return;
  }
  for (const auto& [name, member] : value.items()) {
    at.push_back(name);
    collect_outside(member, at, outside);
    at.pop_back();
  }
}

// `key` of the schema, checked before the sizes the others depend on are known.
void check_key(const json& results, const fs::path& path, std::string_view pointer) {
  Checker(path, {}).check(results, *key_at(pointer));
}

}  // namespace

void check_results_json(const json& results, const fs::path& path) {
  if (!results.is_object()) {
    throw Error(fmt::format("{}: the key '' is of type {} (expected an object); {}", path.string(),
                            results.type_name(), kKeyHint));
  }
  for (const char* pointer :
       {"/data", "/data/image_rows", "/data/image_cols", "/data/class_names", "/data/class_names/*",
        "/config", "/config/grid", "/config/shuffle"}) {
    check_key(results, path, pointer);
  }
  Sizes sizes;
  sizes.rows = results["data"]["image_rows"].get<std::size_t>();
  sizes.cols = results["data"]["image_cols"].get<std::size_t>();
  sizes.classes = results["data"]["class_names"].size();
  // Before anything of the images' size is allocated: R is pixels x pixels doubles per model.
  check_image_shape(sizes.rows, sizes.cols,
                    path.string() + ": /data/image_rows x /data/image_cols");
  if (sizes.classes < 2 || sizes.classes > 256) {
    throw Error(fmt::format("{}: {}x{} images with {} classes is not a run savant makes; {}",
                            path.string(), sizes.rows, sizes.cols, sizes.classes,
                            kRunDirectoryHint));
  }
  const auto grid = results["config"]["grid"].get<std::uint64_t>();
  if (grid > 255) {
    throw Error(fmt::format("{}: '/config/grid' is {}, larger than any grid savant makes; {}",
                            path.string(), grid, kRunDirectoryHint));
  }
  sizes.grid = grid;
  try {
    validate_grid(static_cast<int>(grid), sizes.rows, sizes.cols,
                  parse_shuffle_mode(results["config"]["shuffle"].get<std::string>()));
  } catch (const Error& e) {
    throw Error(
        fmt::format("{}: '/config/shuffle' and '/config/grid' do not describe a "
                    "shuffling of {}x{} images: {}",
                    path.string(), sizes.rows, sizes.cols, e.what()));
  }
  const Checker checker(path, sizes);
  for (const Key& key : kResultsKeys) checker.check(results, key);
  // results.json of earlier versions call the learning rate "lr".
  const json& config = results["config"];
  if (config.contains("model")) {
    try {
      if (!config["model"].is_string()) throw InvalidSetting("model", config["model"].dump(), "");
      parse_architecture(config["model"].get<std::string>());
    } catch (const InvalidSetting&) {
      throw Error(
          fmt::format("{}: the key '/config/model' is {}, expected mlp, cnn, local or "
                      "mixer; {}",
                      path.string(), config["model"].dump(), kKeyHint));
    }
  }
  const char* rate = config.contains("lr") ? "lr" : kLearningRateSetting;
  if (!config.contains(rate) || !config[rate].is_number()) {
    throw Error(fmt::format(
        "{}: the key '/config/{}' is {} (expected a number); {}", path.string(), rate,
        config.contains(rate) ? fmt::format("of type {}", config[rate].type_name()) : "missing",
        kKeyHint));
  }
}

RunResults run_results_of(const json& results) {
  RunResults r;
  const json& data = results.at("data");
  r.rows = data.at("image_rows").get<std::size_t>();
  r.cols = data.at("image_cols").get<std::size_t>();
  r.classes = data.at("class_names").size();
  const json& config = results.at("config");
  r.grid = config.at("grid").get<int>();
  r.mode = parse_shuffle_mode(config.at("shuffle").get<std::string>());
  r.seed = config.at("seed").get<std::uint64_t>();
  r.data = fs::path(config.at("data").get<std::string>());
  if (config.contains("model")) r.model = parse_architecture(config.at("model").get<std::string>());
  for (const char* key :
       {"savant_version", "config", "data", "accuracy", "article", "confusion", "grid_signature",
        "history", "epochs_to_fit", "timing_seconds", "run", "units", "warnings"}) {
    if (results.contains(key)) r.page[key] = results.at(key);
  }
  if (results.contains("machine")) r.machine = results.at("machine");
  if (results.contains("manifest")) {
    r.run_set = {{"run", results.value("run", json::object())},
                 {"manifest", results.at("manifest")}};
  }
  return r;
}

RunResults parse_results_json(std::string_view text, const fs::path& path) {
  json results;
  try {
    results = parse_json(text, path.string());
  } catch (const JsonError& e) {
    throw Error(fmt::format("{}; {}", e.what(), kRunDirectoryHint));
  }
  check_results_json(results, path);
  return run_results_of(results);
}

std::vector<std::string> keys_outside_schema(const json& results) {
  std::vector<std::string> at, outside;
  collect_outside(results, at, outside);
  return outside;
}

}  // namespace savant
