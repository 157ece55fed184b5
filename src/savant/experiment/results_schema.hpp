#pragma once
// results.json's schema, the one description of the file that its writer (results_file.hpp)
// and its reader share: a table of every key the file holds, with its type, whether files of
// earlier versions may lack it, and the length of each array. The reader checks a file against
// the table and names a bad key as a JSON pointer (/accuracy/original_model/original_test); a
// test checks that the writer writes no key the table does not describe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/data/shuffle.hpp"
#include "savant/experiment/results_keys.hpp"
#include "savant/model/architecture.hpp"

namespace savant {

// Ends an error about a run directory: what the user can do about it.
inline constexpr std::string_view kRunDirectoryHint =
    "the directory must be a complete run directory, as a reproduction writes it; rerun the "
    "reproduction to get one";

// What the report needs of results.json, taken from a checked file or from a run just made.
struct RunResults {
  nlohmann::json page;  // the parts the page shows as they are
  std::size_t rows = 0, cols = 0, classes = 0;
  int grid = 0;
  ShuffleMode mode = ShuffleMode::kDerange;
  std::uint64_t seed = 0;
  Architecture model = Architecture::mlp;  // config.model; files of earlier versions: mlp
  std::filesystem::path data;              // config.data: the data set on the machine it ran on
  nlohmann::json machine;                  // /machine when recorded, else null
  // /run and /manifest, what check_manifest reads (experiment/run_set.hpp); null in files of
  // versions that wrote no manifest.
  nlohmann::json run_set;
};

// Throws Error naming `path` and the first key of `results` that the schema does not accept.
void check_results_json(const nlohmann::json& results, const std::filesystem::path& path);

// RunResults of `results`, which the schema accepts (check_results_json, or results_json's own).
RunResults run_results_of(const nlohmann::json& results);

// Parses `text` and checks it; `path` names the file in errors. Throws savant::Error.
RunResults parse_results_json(std::string_view text, const std::filesystem::path& path);

// The JSON pointers of `results`' values (leaves, empty objects and arrays) that no key of the
// schema describes: empty for a file whose every key the schema knows.
std::vector<std::string> keys_outside_schema(const nlohmann::json& results);

}  // namespace savant
