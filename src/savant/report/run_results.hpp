#pragma once
// A run's results.json as the report reads it: every key the report uses is checked for
// presence, type and range, and an error names the key as a JSON pointer
// (/accuracy/original_model/original_test).

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "savant/data/shuffle.hpp"

namespace savant {

// The two models of a run and the two test sets each is evaluated on, as results.json names them.
inline const std::array<std::string, 2> kRunModels = {"original_model", "shuffled_model"};
inline const std::array<std::string, 2> kRunTests = {"original_test", "shuffled_test"};

// Ends an error about a run directory: what the user can do about it.
inline constexpr std::string_view kRunDirectoryHint =
    "the directory must be a complete run directory, as a reproduction writes it; rerun the "
    "reproduction to get one";

struct RunResults {
  nlohmann::json page;  // the parts the page shows as they are
  std::size_t rows = 0, cols = 0, classes = 0;
  int grid = 0;
  ShuffleMode mode = ShuffleMode::kDerange;
  std::uint64_t seed = 0;
  std::filesystem::path data;  // config.data: the data set on the machine it ran on
  nlohmann::json machine;      // /machine when recorded, else null
  // /run and /manifest, what check_manifest reads (experiment/run_set.hpp); null in files of
  // versions that wrote no manifest.
  nlohmann::json run_set;
};

// Reads only `text`; `path` names the file in errors. Throws savant::Error.
RunResults parse_results_json(std::string_view text, const std::filesystem::path& path);

// RUN_DIR/results.json, read and parsed. Throws savant::Error, naming the file.
RunResults read_run_results(const std::filesystem::path& run_dir);

}  // namespace savant
