#pragma once
// A run directory read back, for `savant report RUN` (the one command given a run to read):
// results.json through its schema (experiment/results_schema.hpp), every file of its manifest
// checked against its SHA-256, both models, and the first test images of the run's data set,
// shuffled as the run shuffled them. A reproduction never reads its own files: its page is
// drawn from memory (run_store.hpp).

#include <array>
#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/data/image_set.hpp"
#include "savant/experiment/results_schema.hpp"
#include "savant/model/architecture.hpp"
#include "savant/model/network.hpp"
#include "savant/report/report.hpp"

namespace savant {

struct StoredRun {
  std::filesystem::path dir;
  RunResults results;
  // The models of kRunModels: dense networks (mlp) and their R (pixels, pixels), or a cnn,
  // local or mixer run's (results.model, config.model) models, whose R is not defined.
  std::array<Network, 2> networks;
  std::array<std::vector<double>, 2> correlations;
  std::array<std::optional<ArchNetwork>, 2> arch;
  ImageSet shown_original, shown_shuffled;  // the first kReportGalleryImages
  std::vector<std::uint8_t> test_labels;
  std::filesystem::path data;  // the data set read: `data_dir`, else results.json's config.data
};

// Reads RUN_DIR and the run's test set: from `data_dir`, or when that is empty from
// results.json's `config.data` (which names the directory of the machine it ran on). Throws
// Error naming the file and what to do.
StoredRun read_run(const std::filesystem::path& run_dir,
                   const std::filesystem::path& data_dir = {});

// What the page is drawn from; `run` must outlive it.
RunPage run_page(const StoredRun& run);

// report_data of the run directory (read_run). `data_read`, when given, receives the data set's
// directory it read.
nlohmann::json report_data(const std::filesystem::path& run_dir,
                           const std::filesystem::path& data_dir = {},
                           std::filesystem::path* data_read = nullptr);

// The page of RUN_DIR written atomically to `out` (nothing is written on an error, nor over or
// into the data set the page was drawn from: refuse_output_over_inputs).
void write_report(const std::filesystem::path& run_dir, const std::filesystem::path& out,
                  const std::filesystem::path& data_dir = {});

}  // namespace savant
