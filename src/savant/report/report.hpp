#pragma once
// The interactive report (issue 4): one self-contained HTML file made from a run's directory.
// It opens from disk with no network: the charting libraries (Vega, Vega-Lite, vega-embed) are
// inlined, and the data (results.json, the correlation matrices recomputed from the model
// files, a gallery of test images with both models' predictions) is one JSON blob in the page.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/data/shuffle.hpp"

namespace savant {

inline constexpr std::size_t kReportGalleryImages = 12;

// What a run's results.json says, every key the report uses checked for presence, type and
// range (an error names the key as a JSON pointer, /accuracy/original_model/original_test).
// Reads only `text`; `path` names the file in errors. Throws savant::Error.
struct RunResults {
  nlohmann::json page;  // the parts the page shows as they are
  std::size_t rows = 0, cols = 0, classes = 0;
  int grid = 0;
  ShuffleMode mode = ShuffleMode::kDerange;
  std::uint64_t seed = 0;
  std::filesystem::path data;  // config.data: the data set on the machine it ran on
  nlohmann::json machine;      // /machine when recorded, else null
};
RunResults parse_results_json(std::string_view text, const std::filesystem::path& path);

// Everything the page shows, as the JSON object its script reads. Reads RUN_DIR/results.json
// (every key it uses is checked; an error names the key), RUN_DIR/original_model.safetensors,
// RUN_DIR/shuffled_model.safetensors and the run's test set: from `data_dir`, or when that is
// empty from results.json's `config.data` (which names the directory of the machine it ran on).
nlohmann::json report_data(const std::filesystem::path& run_dir,
                           const std::filesystem::path& data_dir = {});

// The page itself: the template with styles, libraries, data and script inlined.
std::string render_report(const nlohmann::json& data);

// report_data + render_report, written atomically to `out` (nothing is written on an error).
void write_report(const std::filesystem::path& run_dir, const std::filesystem::path& out,
                  const std::filesystem::path& data_dir = {});

// A correlation matrix R (P, P) packed for the page: the upper triangle with the diagonal, row
// by row (P (P + 1) / 2 bytes), each value r in [-1, 1] as round((r + 1) * 127) (so 127 is 0
// exactly, steps of 1/127), and 255 for NaN.
inline constexpr std::uint8_t kQuantisedNaN = 255;
std::vector<std::uint8_t> quantise_upper_triangle(std::span<const double> R, std::size_t pixels);

// <script> elements holding Vega, Vega-Lite and vega-embed (compiled into savant), safe to put
// into a page as they are: the run report and the sweep report share them.
std::string chart_library_scripts();

// JSON as the text of a script element: nothing in the data can close the element.
std::string json_script_text(const nlohmann::json& data);

// RFC 4648 base64 with padding.
std::string base64_encode(std::span<const std::uint8_t> bytes);

}  // namespace savant
