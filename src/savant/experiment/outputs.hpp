#pragma once
// The files of a run directory.

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "savant/core/output_set.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/figures/figure.hpp"

namespace savant {

// The name of every file a reproduce run writes into its directory, in the order it is written,
// each figure once per format of `formats` (heatmap_original_model.png, .svg, ...):
// the figures, both models, predictions.csv (per test image: its label and each model's
// prediction on the original and the shuffled test set), results.json and, last, report.html
// (written by whoever asks for the report, after the others). A run of `model` without a dense
// first layer (first_layer.hpp) writes its first layer's pictures (first_layer_<model>) and the
// samples instead of the heat maps and unit galleries.
std::vector<std::string> run_output_names(std::span<const FigureFormat> formats,
                                          Architecture model = Architecture::mlp);
// Every name a run of any model may write in any format: what may be replaced when a run is
// written over an earlier one (core/output_set.hpp).
std::vector<std::string> every_run_output_name();
// Every format a figure may be written in.
inline constexpr FigureFormat kAllFigureFormats[] = {FigureFormat::kPng, FigureFormat::kSvg,
                                                     FigureFormat::kPdf};

// One file of a run: its name in the run directory and how to make its bytes.
struct RunFile {
  std::string name;
  std::function<std::string()> bytes;
};

// The files of run_output_names but results.json and report.html (which need the others'
// manifest: store/run_store.hpp), in that order, made from memory when asked. `block_grid`: the
// borders of the run's grid drawn over the heat maps; `size`: the figures' printed size
// (figures/figure.hpp). The models' metadata names
// `result.run_id`: set it before making them.
std::vector<RunFile> run_files(const ReproduceResult& result,
                               std::span<const FigureFormat> formats = kDefaultFigureFormats,
                               bool block_grid = false, FigureSize size = FigureSize::kScreen);

// The run directory `out` opened for writing as a whole (core/output_set.hpp): locked, and
// refused when it holds what a run does not write or is or holds the run's data. Open it before
// the run, so that a run that cannot be written is refused before it trains.
OutputSet open_run_directory(const std::filesystem::path& out, const ExperimentConfig& config);

}  // namespace savant
