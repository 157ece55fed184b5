#pragma once
// The hidden units of one job's model (docs/SWEEP_SCHEMA.md, table `units`; the measures are
// defined in docs/SPEC.md, section 10): seven numbers per job, NaN (NULL in the database) where
// a measure is undefined.

#include <array>
#include <limits>

#include "savant/data/dataset.hpp"
#include "savant/data/regime.hpp"
#include "savant/experiment/config.hpp"
#include "savant/model/architecture.hpp"
#include "savant/model/network.hpp"

namespace savant {

struct JobUnits {
  static constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();
  // Mean block specialisation of the first layer's units, on the trained weights and on what
  // training added to them (SPEC 10.2).
  double specialisation = kUndefined, specialisation_change = kUndefined;
  // Mean of the finite per-unit border discontinuities of the trained weights (SPEC 10.3);
  // undefined when the grid has no pairs across borders or none inside blocks (g = 1, g = 28).
  double border_discontinuity = kUndefined;
  // Population standard deviation, over the g x g block positions, of the accuracy lost when
  // one position is zeroed (SPEC 10.4), on the job's own kind of test images (original images
  // for train_on = original, shuffled ones otherwise); undefined for g = 1.
  double lesion_spread = kUndefined;
  // Puzzle invariance on the original test images (SPEC 10.5): the fraction of images given one
  // class for all kUnitPuzzles puzzles, and the accuracy over the puzzles; undefined for g = 1.
  double invariance = kUndefined, invariance_accuracy = kUndefined;
  // Linear CKA of the first hidden layer against the original model of the same seed and
  // settings, on the original test images (SPEC 10.6).
  double cka_original = kUndefined;
};

// The measures by their database column names, in the table's order. `percent`: a fraction of
// images (or of accuracy) that summaries print in percent, as they print accuracies.
struct UnitColumn {
  const char* name;
  double JobUnits::*field;
  bool percent;
};
inline constexpr std::array<UnitColumn, 7> kUnitColumns{{
    {"specialisation", &JobUnits::specialisation, false},
    {"specialisation_change", &JobUnits::specialisation_change, false},
    {"border_discontinuity", &JobUnits::border_discontinuity, false},
    {"lesion_spread", &JobUnits::lesion_spread, true},
    {"invariance", &JobUnits::invariance, true},
    {"invariance_accuracy", &JobUnits::invariance_accuracy, true},
    {"cka_original", &JobUnits::cka_original, false},
}};

// The measures of `net`, trained in `regime` with `config` (its seed and grid), against
// `original`, the model trained on original images from the same seed and settings. The image
// measures use the first kUnitTestImages images of `test` and of `shuffled_test` (its shuffled
// copy), on one thread.
JobUnits measure_units(const Network& net, const Network& original, const ExperimentConfig& config,
                       RegimeKind regime, const Split& test, const ImageSet& shuffled_test);

// The measures of a cnn, local or mixer model: the puzzle invariance (as above, through the
// model's predictions) and cka_original (of the last hidden representations, model/arch_passes.hpp
// arch_hidden). The others look at a dense first layer's weights or lesion it: undefined.
JobUnits measure_units(const ArchNetwork& net, const ArchNetwork& original,
                       const ExperimentConfig& config, const Split& test);

}  // namespace savant
