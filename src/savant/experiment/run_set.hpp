#pragma once
// A run directory is a set of files that belong together (docs/RELIABILITY.md): results.json
// names the run (a random id) and lists every other file of the set with its size and SHA-256,
// so a reader can tell a complete set from one mixed by hand or by an older savant.
//
//   "run": {"id": "3f9c0e...", ...},
//   "manifest": [{"file": "original_model.safetensors", "bytes": 407848, "sha256": "ab12..."}, ...]
//
// report.html is not listed: `savant report` rewrites it from the others.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/core/output_set.hpp"

namespace savant {

// Every name `analyze` may write into its directory, whatever its options: what may be replaced
// when it is written over an earlier one (OutputSet). every_run_output_name (outputs.hpp) is
// `reproduce`'s.
std::vector<std::string> analyze_file_names();
// The same for `shuffle`.
std::vector<std::string> shuffle_file_names();

// What a command reads when it reads the model file `model`: the file and, when it lies in a run
// directory (one with a results.json, which check_file_in_run reads too), the whole directory:
// an output written into it would mix the run's set (refuse_output_over_inputs).
std::vector<CommandInput> model_inputs(const std::filesystem::path& model);

// 32 hex digits from the system's random source.
std::string new_run_id();

// The manifest of the files of `dir` among `names` that exist, in the order of `names`.
nlohmann::json file_manifest(const std::filesystem::path& dir, std::span<const std::string> names);

// Throws Error naming the first file of `results`' manifest that is missing from `dir` or
// differs from what the manifest records. A results.json without a manifest (written before
// savant 0.9) passes: it has nothing to check against.
void check_manifest(const std::filesystem::path& dir, const nlohmann::json& results);

// The largest results.json read. The largest savant writes, for 256 classes, 10,000 epochs and
// 64x64 images in 4096 blocks, is under 10 MB (its confusion matrices, history and per-block
// measures grow with those); Fashion-MNIST's runs write about 70 KB.
inline constexpr std::uint64_t kMaxResultsJson = std::uint64_t{64} << 20;

// The text of the results.json at `path`: a regular file of at most kMaxResultsJson bytes
// (core/input_file.hpp), else Error naming it.
std::string read_results_json(const std::filesystem::path& path);

// When `file` lies in a run directory whose results.json lists it, checks it against the
// manifest (throws Error as above); otherwise does nothing.
void check_file_in_run(const std::filesystem::path& file);

}  // namespace savant
