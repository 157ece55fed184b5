#pragma once
// The one writer of a run's set of files (docs/RELIABILITY.md, docs/ARCHITECTURE.md "One run"):
// the files made from the in-memory result (experiment/outputs.hpp), results.json with the
// manifest of the others, hashed as they are written (set_writer.hpp), and the report drawn from
// memory (report/report.hpp), all into the staging directory of an OutputSet, then swapped in
// whole. Nothing of the run is read back.

#include <span>

#include "savant/core/output_set.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/figures/figure.hpp"

namespace savant {

// Writes the run into `set` (open_run_directory, experiment/outputs.hpp) and commits it. Sets
// `result.run_id` and its write and total timings. `page`: with report.html; `figure_size`: the
// figures' printed size (figures/figure.hpp).
void commit_run(ReproduceResult& result, OutputSet& set,
                std::span<const FigureFormat> formats = kDefaultFigureFormats,
                bool block_grid = false, bool page = true,
                FigureSize figure_size = FigureSize::kScreen);

}  // namespace savant
