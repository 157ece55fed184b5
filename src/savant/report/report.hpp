#pragma once
// The interactive report: one self-contained HTML page of a run, made from memory. It opens
// from disk with no network: the charting libraries (Vega, Vega-Lite, vega-embed) are inlined,
// and the data (results.json's numbers, both correlation matrices, a gallery of test images
// with both models' predictions, each hidden unit) is one JSON blob in the page. The numbers it
// shows are described in docs/REPORT.md. A run just made is shown as it is in memory; a run
// directory is read back by store/run_reader.hpp.

#include <array>
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "savant/data/image_set.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/experiment/results_schema.hpp"
#include "savant/model/network.hpp"

namespace savant {

inline constexpr std::size_t kReportGalleryImages = kShownTestImages;

// Everything the page is drawn from, in memory. The pointers and spans refer to what the caller
// keeps alive while report_data runs.
struct RunPage {
  RunResults results;  // results.json as the page reads it
  // The models of kRunModels: dense networks (mlp) with their R (pixels, pixels), or a cnn,
  // local or mixer model's networks (`arch`, null for mlp), whose first layer the page shows
  // instead of R (experiment/first_layer.hpp).
  std::array<const Network*, 2> networks{};
  std::array<std::span<const double>, 2> correlations;
  std::array<const ArchNetwork*, 2> arch{};
  // The first test images (at most kReportGalleryImages), as the run shuffled them, and the
  // test labels (at least as many).
  const ImageSet* shown_original = nullptr;
  const ImageSet* shown_shuffled = nullptr;
  std::span<const std::uint8_t> test_labels;
  std::filesystem::path run_dir;  // the directory the page names as the run's
};

// The page of a run just made: `results` is results_json(result) (with its manifest).
RunPage run_page(const ReproduceResult& result, const nlohmann::json& results,
                 const std::filesystem::path& run_dir);

// Everything the page shows, as the JSON object its script reads; with `threads` of 2 or more,
// its two biggest parts are made at the same time (the same object).
nlohmann::json report_data(const RunPage& run, int threads = 1);

// The page itself: the template with styles, libraries, data and script inlined.
std::string render_report(const nlohmann::json& data);

}  // namespace savant
