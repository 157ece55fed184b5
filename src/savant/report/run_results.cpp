#include "savant/report/run_results.hpp"

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/json_input.hpp"
#include "savant/data/image_limits.hpp"
#include "savant/experiment/run_set.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// results.json is read through here: every key the report uses is checked for presence and type,
// and an error names the key as a JSON pointer (/accuracy/original_model/original_test).
class ResultsFile {
 public:
  enum class Kind { kObject, kObjectOrNull, kArray, kString, kNumber, kNumberOrNull, kUnsigned };

  // `text` is the file's contents; `path` names it in errors.
  ResultsFile(std::string_view text, fs::path path) : path_(std::move(path)) {
    try {
      root_ = parse_json(text, path_.string());
    } catch (const JsonError& e) {
      throw Error(fmt::format("{}; {}", e.what(), kRunDirectoryHint));
    }
    require("", Kind::kObject);
  }

  const fs::path& path() const { return path_; }

  const json& require(const std::string& pointer, Kind kind) const {
    return require_in(root_, pointer, kind);
  }

  // `pointer` is relative to `base`, which lies inside the file at `base_pointer`.
  const json& require_in(const json& base, const std::string& pointer, Kind kind,
                         const std::string& base_pointer = "") const {
    const std::string full = base_pointer + pointer;
    const json::json_pointer ptr(pointer);
    if (!base.contains(ptr)) {
      throw Error(fmt::format("{}: the key '{}' is missing (expected {}); {}", path_.string(), full,
                              describe(kind), kKeyHint));
    }
    const json& value = base.at(ptr);
    if (!matches(value, kind)) {
      throw Error(fmt::format("{}: the key '{}' is of type {} (expected {}); {}", path_.string(),
                              full, value.type_name(), describe(kind), kKeyHint));
    }
    return value;
  }

  // An array of `length` numbers (or nulls when `nullable`), at `pointer`.
  const json& require_numbers(const std::string& pointer, std::size_t length, bool nullable,
                              bool integers = false) const {
    const json& array = require(pointer, Kind::kArray);
    if (array.size() != length) {
      throw Error(fmt::format("{}: the key '{}' has {} entries (expected {}); {}", path_.string(),
                              pointer, array.size(), length, kKeyHint));
    }
    const Kind kind = integers ? Kind::kUnsigned : (nullable ? Kind::kNumberOrNull : Kind::kNumber);
    for (std::size_t i = 0; i < length; ++i) require(fmt::format("{}/{}", pointer, i), kind);
    return array;
  }

 private:
  static constexpr std::string_view kKeyHint =
      "results.json is damaged or from another program; rerun the reproduction";

  static bool matches(const json& v, Kind kind) {
    switch (kind) {
      case Kind::kObject:
        return v.is_object();
      case Kind::kObjectOrNull:
        return v.is_object() || v.is_null();
      case Kind::kArray:
        return v.is_array();
      case Kind::kString:
        return v.is_string();
      case Kind::kNumber:
        return v.is_number();
      case Kind::kNumberOrNull:
        return v.is_number() || v.is_null();
      case Kind::kUnsigned:
        return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
    }
    return false;
  }

  static std::string_view describe(Kind kind) {
    switch (kind) {
      case Kind::kObject:
        return "an object";
      case Kind::kObjectOrNull:
        return "an object or null";
      case Kind::kArray:
        return "an array";
      case Kind::kString:
        return "a string";
      case Kind::kNumber:
        return "a number";
      case Kind::kNumberOrNull:
        return "a number or null";
      case Kind::kUnsigned:
        return "a non-negative integer";
    }
    return "?";
  }

  fs::path path_;
  json root_;
};

using Kind = ResultsFile::Kind;

// The parts of results.json the page shows as they are, after checking their shapes.
json checked_results(const ResultsFile& f, std::size_t classes) {
  json out;
  for (const char* key : {"/savant_version", "/config/data", "/config/shuffle"}) {
    f.require(key, Kind::kString);
  }
  for (const char* key :
       {"/config/grid", "/config/hidden", "/config/epochs", "/config/batch", "/config/seed",
        "/config/threads", "/config/train_limit", "/data/train_images", "/data/test_images"}) {
    f.require(key, Kind::kUnsigned);
  }
  // results.json of earlier versions call the learning rate "lr".
  f.require(
      f.require("/config", Kind::kObject).contains("lr") ? "/config/lr" : "/config/learning_rate",
      Kind::kNumber);
  for (const std::string& m : kRunModels) {
    for (const std::string& t : kRunTests) {
      f.require(fmt::format("/accuracy/{}/{}", m, t), Kind::kNumber);
      f.require(fmt::format("/article/{}/{}", m, t), Kind::kNumber);
      const json& rows = f.require(fmt::format("/confusion/{}/{}", m, t), Kind::kArray);
      if (rows.size() != classes) {
        throw Error(fmt::format("{}: '/confusion/{}/{}' has {} rows, expected one per class ({})",
                                f.path().string(), m, t, rows.size(), classes));
      }
      for (std::size_t r = 0; r < classes; ++r) {
        f.require_numbers(fmt::format("/confusion/{}/{}/{}", m, t, r), classes, false, true);
      }
    }
    for (const char* key : {"within", "across", "contrast"}) {
      f.require(fmt::format("/grid_signature/{}/{}", m, key), Kind::kNumberOrNull);
    }
    const json& history = f.require(fmt::format("/history/{}", m), Kind::kArray);
    for (std::size_t e = 0; e < history.size(); ++e) {
      const std::string at = fmt::format("/history/{}/{}", m, e);
      f.require(at + "/epoch", Kind::kUnsigned);
      f.require(at + "/loss", Kind::kNumberOrNull);
      f.require(at + "/train_accuracy", Kind::kNumber);
    }
    out["history"][m] = history;
  }
  const json& timings = f.require("/timing_seconds", Kind::kObject);
  // Checked directly, not through a pointer: a key may hold '/' or '~'.
  for (const auto& [key, value] : timings.items()) {
    if (!value.is_number()) {
      throw Error(fmt::format("{}: '/timing_seconds' has '{}' of type {} (expected a number); {}",
                              f.path().string(), key, value.type_name(), kRunDirectoryHint));
    }
  }
  out["savant_version"] = f.require("/savant_version", Kind::kString);
  for (const char* key :
       {"config", "accuracy", "article", "confusion", "grid_signature", "timing_seconds"}) {
    out[key] = f.require(std::string("/") + key, Kind::kObject);
  }
  out["data"] = f.require("/data", Kind::kObject);
  // Where, when and how the run was made: results.json of earlier versions do not say.
  const json& root = f.require("", Kind::kObject);
  if (root.contains("run")) {
    f.require("/run/started", Kind::kString);
    const json& command_line = f.require("/run/command_line", Kind::kArray);
    for (std::size_t i = 0; i < command_line.size(); ++i) {
      f.require(fmt::format("/run/command_line/{}", i), Kind::kString);
    }
    out["run"] = f.require("/run", Kind::kObject);
  }
  if (root.contains("machine")) {
    for (const char* key : {"/machine/host", "/machine/cpu", "/machine/system"}) {
      if (root.contains(json::json_pointer(key))) f.require(key, Kind::kString);
    }
    if (root.contains(json::json_pointer("/machine/hardware_threads"))) {
      f.require("/machine/hardware_threads", Kind::kUnsigned);
    }
  }
  return out;
}

// A g x g map of numbers (or nulls when `nullable`; non-negative integers when `integers`).
void check_grid_map(const ResultsFile& f, const std::string& pointer, std::size_t g, bool nullable,
                    bool integers) {
  const json& rows = f.require(pointer, Kind::kArray);
  if (rows.size() != g) {
    throw Error(fmt::format("{}: '{}' has {} rows, expected one per grid row ({}); {}",
                            f.path().string(), pointer, rows.size(), g, kRunDirectoryHint));
  }
  for (std::size_t r = 0; r < g; ++r) {
    f.require_numbers(fmt::format("{}/{}", pointer, r), g, nullable, integers);
  }
}

// "/units" (docs/SPEC.md, section 10), when there: results.json of earlier versions have none.
// Null when absent.
json checked_units(const ResultsFile& f, int grid) {
  const json& root = f.require("", Kind::kObject);
  if (!root.contains("units")) return nullptr;
  const auto g = static_cast<std::size_t>(grid);
  for (const char* key : {"/units/test_images", "/units/puzzles"}) f.require(key, Kind::kUnsigned);
  for (const std::string& m : kRunModels) {
    const std::string at = "/units/" + m;
    for (const char* w : {"trained", "change"}) {
      f.require(fmt::format("{}/specialisation/{}/mean", at, w), Kind::kNumberOrNull);
      check_grid_map(f, fmt::format("{}/specialisation/{}/owned", at, w), g, false, true);
      // Null when the grid has no pairs inside blocks or none across borders.
      const std::string border = fmt::format("{}/border_discontinuity/{}", at, w);
      if (!f.require(border, Kind::kObjectOrNull).is_null()) {
        f.require(border + "/mean", Kind::kNumberOrNull);
        f.require(border + "/median", Kind::kNumberOrNull);
      }
    }
    f.require(at + "/lesions/test", Kind::kString);
    f.require(at + "/lesions/baseline", Kind::kNumber);
    check_grid_map(f, at + "/lesions/accuracy", g, true, false);
    check_grid_map(f, at + "/lesions/lost", g, true, false);
    // Null for a grid of one block, which has no puzzles.
    if (!f.require(at + "/invariance", Kind::kObjectOrNull).is_null()) {
      f.require(at + "/invariance/consistent", Kind::kNumber);
      f.require(at + "/invariance/accuracy", Kind::kNumber);
    }
  }
  for (const std::string& t : kRunTests) {
    f.require(fmt::format("/units/comparison/{}/cka", t), Kind::kNumberOrNull);
    f.require(fmt::format("/units/comparison/{}/agreement", t), Kind::kNumber);
  }
  return root.at("units");
}

ShuffleMode checked_shuffle_mode(const ResultsFile& f, int grid, std::size_t rows,
                                 std::size_t cols) {
  try {
    const ShuffleMode mode =
        parse_shuffle_mode(f.require("/config/shuffle", Kind::kString).get<std::string>());
    validate_grid(grid, rows, cols, mode);
    return mode;
  } catch (const Error& e) {
    throw Error(
        fmt::format("{}: '/config/shuffle' and '/config/grid' do not describe a "
                    "shuffling of {}x{} images: {}",
                    f.path().string(), rows, cols, e.what()));
  }
}

}  // namespace

RunResults parse_results_json(std::string_view text, const fs::path& path) {
  const ResultsFile f(text, path);
  RunResults r;
  r.rows = f.require("/data/image_rows", Kind::kUnsigned).get<std::size_t>();
  r.cols = f.require("/data/image_cols", Kind::kUnsigned).get<std::size_t>();
  const json& names = f.require("/data/class_names", Kind::kArray);
  for (std::size_t c = 0; c < names.size(); ++c) {
    f.require(fmt::format("/data/class_names/{}", c), Kind::kString);
  }
  r.classes = names.size();
  // Before anything of the images' size is allocated: R is pixels x pixels doubles per model.
  check_image_shape(r.rows, r.cols, f.path().string() + ": /data/image_rows x /data/image_cols");
  if (r.classes < 2 || r.classes > 256) {
    throw Error(fmt::format("{}: {}x{} images with {} classes is not a run savant makes; {}",
                            f.path().string(), r.rows, r.cols, r.classes, kRunDirectoryHint));
  }
  r.page = checked_results(f, r.classes);

  const auto grid = f.require("/config/grid", Kind::kUnsigned).get<std::uint64_t>();
  if (grid > 255) {
    throw Error(fmt::format("{}: '/config/grid' is {}, larger than any grid savant makes; {}",
                            f.path().string(), grid, kRunDirectoryHint));
  }
  r.grid = static_cast<int>(grid);
  r.mode = checked_shuffle_mode(f, r.grid, r.rows, r.cols);
  if (json units = checked_units(f, r.grid); !units.is_null()) r.page["units"] = std::move(units);
  r.seed = f.require("/config/seed", Kind::kUnsigned).get<std::uint64_t>();
  r.data = fs::path(f.require("/config/data", Kind::kString).get<std::string>());
  const json& root = f.require("", Kind::kObject);
  if (root.contains("machine")) r.machine = f.require("/machine", Kind::kObject);
  if (root.contains("manifest")) {
    r.run_set = {{"run", root.value("run", json::object())}, {"manifest", root.at("manifest")}};
  }
  // Files of savant 0.8 and earlier have no warnings.
  if (root.contains("warnings")) {
    const json& warnings = f.require("/warnings", Kind::kArray);
    for (std::size_t w = 0; w < warnings.size(); ++w) {
      f.require(fmt::format("/warnings/{}", w), Kind::kString);
    }
    r.page["warnings"] = warnings;
  }
  return r;
}

RunResults read_run_results(const fs::path& run_dir) {
  const fs::path results_path = run_dir / "results.json";
  std::error_code ec;
  if (!fs::exists(results_path, ec)) {
    throw Error(fmt::format("{} not found: {}", results_path.string(), kRunDirectoryHint));
  }
  RunResults run = parse_results_json(read_results_json(results_path), results_path);
  // The files the page reads must be the run's own (run_set.hpp), not another run's.
  check_manifest(run_dir, run.run_set);
  return run;
}

}  // namespace savant
