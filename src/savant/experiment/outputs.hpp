#pragma once
// The files of a run directory.

#include <filesystem>
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
// (written by whoever asks for the report, after the others).
std::vector<std::string> run_output_names(std::span<const FigureFormat> formats);
// Every format a figure may be written in: with run_output_names, every name a run may write,
// what may be replaced when a run is written over an earlier one (core/output_set.hpp).
inline constexpr FigureFormat kAllFigureFormats[] = {FigureFormat::kPng, FigureFormat::kSvg,
                                                     FigureFormat::kPdf};

// The files of run_output_names but report.html, each written atomically: results.json last,
// so that its presence means the others are complete. `block_grid`: the borders of the run's
// grid drawn over the heat maps; `size`: the figures' printed size (figures/figure.hpp).
void write_reproduce_outputs(ReproduceResult& result, const std::filesystem::path& out_dir,
                             std::span<const FigureFormat> formats = kDefaultFigureFormats,
                             bool block_grid = false, FigureSize size = FigureSize::kScreen);

// The run directory `out` opened for writing as a whole (core/output_set.hpp): locked, and
// refused when it holds what a run does not write or is or holds the run's data. Open it before
// the run, so that a run that cannot be written is refused before it trains.
OutputSet open_run_directory(const std::filesystem::path& out, const ExperimentConfig& config);

}  // namespace savant
