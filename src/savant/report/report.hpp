#pragma once
// The interactive report: one self-contained HTML file made from a run's directory. It opens
// from disk with no network: the charting libraries (Vega, Vega-Lite, vega-embed) are inlined,
// and the data (results.json, the correlation matrices recomputed from the model files, a
// gallery of test images with both models' predictions) is one JSON blob in the page. The
// numbers it shows are described in docs/REPORT.md.

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "savant/experiment/outputs.hpp"

namespace savant {

inline constexpr std::size_t kReportGalleryImages = 12;

// Everything the page shows, as the JSON object its script reads. Reads RUN_DIR/results.json
// (report/run_results.hpp), RUN_DIR/original_model.safetensors,
// RUN_DIR/shuffled_model.safetensors and the run's test set: from `data_dir`, or when that is
// empty from results.json's `config.data` (which names the directory of the machine it ran on).
// `data_read`, when given, receives the data set's directory it read.
nlohmann::json report_data(const std::filesystem::path& run_dir,
                           const std::filesystem::path& data_dir = {},
                           std::filesystem::path* data_read = nullptr);

// The page itself: the template with styles, libraries, data and script inlined.
std::string render_report(const nlohmann::json& data);

// report_data + render_report, written atomically to `out` (nothing is written on an error, nor
// over or into the data set the page was drawn from: refuse_output_over_inputs).
// `shown_dir`: the directory the page names as the run's, when the files are read from another
// (a run's staging directory, core/output_set.hpp); empty: `run_dir`.
void write_report(const std::filesystem::path& run_dir, const std::filesystem::path& out,
                  const std::filesystem::path& data_dir = {},
                  const std::filesystem::path& shown_dir = {});

// The run's files (write_reproduce_outputs) and, with `page`, its report.html written into the
// staging directory of `set` (open_run_directory), then swapped in whole.
void commit_run(ReproduceResult& result, OutputSet& set,
                std::span<const FigureFormat> formats = kDefaultFigureFormats,
                bool block_grid = false, bool page = true,
                FigureSize figure_size = FigureSize::kScreen);

}  // namespace savant
