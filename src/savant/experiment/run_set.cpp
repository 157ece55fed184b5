#include "savant/experiment/run_set.hpp"

#include <random>

#include <fmt/format.h>

#include "savant/core/checksum.hpp"
#include "savant/core/error.hpp"
#include "savant/core/input_file.hpp"
#include "savant/core/json_input.hpp"

namespace savant {
namespace fs = std::filesystem;
namespace {

// Each figure may be written as PNG, SVG or PDF.
void add_figure(std::vector<std::string>& names, const std::string& stem) {
  for (const char* extension : {".png", ".svg", ".pdf"}) names.push_back(stem + extension);
}

std::string run_id_of(const nlohmann::json& results) {
  const nlohmann::json* run = results.contains("run") ? &results.at("run") : nullptr;
  if (run != nullptr && run->is_object() && run->contains("id") && run->at("id").is_string()) {
    return run->at("id").get<std::string>();
  }
  return "?";
}

constexpr const char* kMixedSetHelp =
    "the directory mixes files of different runs or was changed by hand: rerun the command that "
    "wrote it (savant reproduce, say, into a new directory)";

// Throws Error unless `dir` holds the file of one manifest `entry` of run `run` as recorded.
void check_entry(const fs::path& dir, const nlohmann::json& entry, const std::string& run) {
  if (!entry.is_object() || !entry.contains("file") || !entry["file"].is_string() ||
      !entry.contains("bytes") || !entry["bytes"].is_number_unsigned() ||
      !entry.contains("sha256") || !entry["sha256"].is_string()) {
    throw Error(fmt::format("{}: a manifest entry is not {{file, bytes, sha256}}; {}",
                            (dir / "results.json").string(), kMixedSetHelp));
  }
  const fs::path file = dir / entry["file"].get<std::string>();
  std::error_code ec;
  const auto bytes = fs::file_size(file, ec);
  if (ec) {
    throw Error(fmt::format("'{}' is missing: results.json (run {}) lists it; {}", file.string(),
                            run, kMixedSetHelp));
  }
  const bool same_size = bytes == entry["bytes"].get<std::uintmax_t>();
  if (!same_size || file_sha256(file) != entry["sha256"].get<std::string>()) {
    throw Error(fmt::format(
        "'{}' does not belong to run {} of results.json: its {} differs from the manifest's; {}",
        file.string(), run, same_size ? "SHA-256" : "size", kMixedSetHelp));
  }
}

}  // namespace

std::vector<std::string> analyze_file_names() {
  std::vector<std::string> names;
  add_figure(names, "heatmap");
  names.push_back("correlation.safetensors");
  names.push_back("analysis.json");
  return names;
}

std::vector<std::string> shuffle_file_names() {
  std::vector<std::string> names;
  for (const char* split : {"train", "t10k"}) {
    names.push_back(fmt::format("{}-images-idx3-ubyte.gz", split));
    names.push_back(fmt::format("{}-labels-idx1-ubyte.gz", split));
  }
  names.push_back("shuffle.json");
  return names;
}

std::vector<CommandInput> model_inputs(const fs::path& model) {
  std::vector<CommandInput> inputs = {{model, "model"}};
  const fs::path dir = model.has_parent_path() ? model.parent_path() : fs::path(".");
  std::error_code ec;
  if (fs::is_regular_file(dir / "results.json", ec)) inputs.push_back({dir, "run directory"});
  return inputs;
}

std::string new_run_id() {
  std::random_device device;
  std::string id;
  for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", device());
  return id;
}

nlohmann::json file_manifest(const fs::path& dir, std::span<const std::string> names) {
  nlohmann::json manifest = nlohmann::json::array();
  for (const std::string& name : names) {
    std::error_code ec;
    const auto bytes = fs::file_size(dir / name, ec);
    if (ec) continue;
    manifest.push_back({{"file", name}, {"bytes", bytes}, {"sha256", file_sha256(dir / name)}});
  }
  return manifest;
}

void check_manifest(const fs::path& dir, const nlohmann::json& results) {
  if (!results.is_object() || !results.contains("manifest")) return;
  const nlohmann::json& manifest = results.at("manifest");
  if (!manifest.is_array()) {
    throw Error(fmt::format("{}: 'manifest' is not a list; {}", (dir / "results.json").string(),
                            kMixedSetHelp));
  }
  for (const nlohmann::json& entry : manifest) check_entry(dir, entry, run_id_of(results));
}

std::string read_results_json(const fs::path& path) {
  return read_input_file(path, "a run's results.json", kMaxResultsJson);
}

void check_file_in_run(const fs::path& file) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::exists(dir / "results.json", ec)) return;
  // A results.json that is not JSON (or not savant's) makes no claim about the file; one that
  // cannot be read safely (a FIFO, a device, too large) is an error.
  nlohmann::json results;
  try {
    results = parse_json(read_results_json(dir / "results.json"), (dir / "results.json").string());
  } catch (const JsonError&) {
    return;
  }
  if (!results.is_object() || !results.contains("manifest") || !results["manifest"].is_array()) {
    return;
  }
  const std::string name = file.filename().string();
  for (const nlohmann::json& entry : results["manifest"]) {
    if (entry.is_object() && entry.value("file", "") == name) {
      check_entry(dir, entry, run_id_of(results));
      return;
    }
  }
}

}  // namespace savant
