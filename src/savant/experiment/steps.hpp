#pragma once
// Each step of the experiment on its own, on saved models and data sets: what `savant eval`,
// `savant analyze` and `savant shuffle` compute. They call the functions run_reproduce calls
// (experiment.hpp), so that a step gives the numbers the whole experiment gives.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/experiment/experiment.hpp"
#include "savant/experiment/unit_analysis.hpp"
#include "savant/figures/figure.hpp"

namespace savant {

// A model file and what its metadata says about how it was made (nothing for a file that
// savant did not write).
struct SavedModel {
  std::filesystem::path path;
  Network network;                  // an mlp model's; empty for the others
  std::optional<ArchNetwork> arch;  // a cnn, local or mixer model's (its metadata's "model")
  std::optional<ModelProvenance> provenance;
  std::map<std::string, std::string> metadata;  // every key of the file's __metadata__
};

// Reads and validates the file (safetensors layout, chain of dense layers, finite weights,
// metadata that agrees with the tensors); throws Error naming the file.
SavedModel load_saved_model(const std::filesystem::path& path);
// Throws UsageError "<file> is a cnn model: <reason>" when the model is not a dense network
// (mlp); `reason` says what needs one, as "the pixel-correlation map needs a dense first layer".
void require_dense(const SavedModel& model, std::string_view reason);
// A network and its metadata as load_saved_model checks them; `source` names it in errors.
SavedModel saved_model(const std::filesystem::path& source, Network network,
                       std::map<std::string, std::string> metadata);

// The grid for a model that records none (no savant metadata) on rows x cols images: the
// article's 4 when it divides both sides, else the largest of 3 and 2 that does, else 1.
int default_grid(std::size_t rows, std::size_t cols);

// What the model file says about its training, for the JSON outputs: {"train_on", "config",
// "image_rows", "image_cols", "train_crc32", "savant_version"}; null when it says nothing.
nlohmann::json trained_json(const SavedModel& model);

// The training data's CRC-32 as JSON and messages write it: eight hex digits.
std::string crc_text(std::uint32_t crc);

struct EvalOptions {
  std::filesystem::path data;
  bool original_test = true, shuffled_test = true;
  // How to shuffle the test images; unset: as the model's metadata says, else the article's.
  std::optional<int> grid;
  std::optional<ShuffleMode> shuffle;
  std::optional<std::uint64_t> seed;
  int threads = 1;
};

// The options of a configuration: its data and threads, and its grid, shuffle and seed where
// `given(setting)` says they were set (the others stay the model's).
EvalOptions eval_options(const ExperimentConfig& config,
                         const std::function<bool(std::string_view)>& given);

struct EvalReport {
  ExperimentConfig test;  // data, grid, shuffle and seed used for the test images
  std::size_t rows = 0, cols = 0;
  std::vector<std::string> class_names;
  // CRC-32 of the training split of `test.data`, cut as the model's training was; compared
  // with the model's own when the metadata is there.
  std::uint32_t train_crc32 = 0;
  std::optional<Evaluation> original_test, shuffled_test;
  // Reasons to distrust the numbers (another grid than the model's, other training data).
  std::vector<std::string> warnings;
};

EvalReport run_eval(const SavedModel& model, const EvalOptions& options);
// {"model", "trained", "test", "accuracy": {"original_test", "shuffled_test"},
//  "per_class_accuracy", "confusion", "warnings"}, a key per test set asked for.
nlohmann::json eval_json(const SavedModel& model, const EvalReport& report);

struct AnalyzeReport {
  ModelReport model;  // correlation, adjacent map and signature at `grid`
  int grid = 4;
  std::size_t rows = 0, cols = 0;
  // The signature at every grid that divides the image (1 and the image size included).
  std::vector<std::pair<int, GridSignature>> signatures;
  // Specialisation and border discontinuity at `grid` (SPEC 10.2, 10.3); the change's only for a
  // model whose file says its seed (`units_change`).
  ModelUnits units;
  bool units_change = false;
  std::vector<std::string> warnings;
};

// `grid` unset: the grid the model was trained with, else default_grid. A model without
// metadata must have a square number of inputs (its image size is unknown otherwise).
AnalyzeReport run_analyze(const SavedModel& model, std::optional<int> grid);
// `formats`: those of the heat map, as analysis.json lists its files.
nlohmann::json analysis_json(const SavedModel& model, const AnalyzeReport& report,
                             std::span<const FigureFormat> formats = kDefaultFigureFormats);
// analysis.json, the heat map in each format (heatmap.png, heatmap.svg, heatmap.pdf) and
// correlation.safetensors (R as float32 [pixels, pixels]). `block_grid`: the borders of the
// report's grid drawn over the heat map; `size`: its printed size (figures/figure.hpp).
void write_analysis_outputs(const SavedModel& model, const AnalyzeReport& report,
                            const std::filesystem::path& out_dir,
                            std::span<const FigureFormat> formats = kDefaultFigureFormats,
                            bool block_grid = false, FigureSize size = FigureSize::kScreen);

struct ShuffleReport {
  std::size_t train_count = 0, test_count = 0, rows = 0, cols = 0;
  std::vector<std::filesystem::path> files;
};

// Writes the four IDX files (gzip) of `config.data` with every image block-shuffled as
// run_reproduce shuffles it for the same grid, shuffle and seed, labels unchanged, and
// shuffle.json saying how. Only data, grid, shuffle, seed and threads play a part.
ShuffleReport run_shuffle(const ExperimentConfig& config, const std::filesystem::path& out_dir);

}  // namespace savant
