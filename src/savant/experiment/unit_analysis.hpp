#pragma once
// The hidden units of the two models of a run (docs/SPEC.md, section 10): what each unit of the
// first layer looks at, what each block position is worth to a model, whether a model keeps its
// answer under new puzzles, and how alike the two models' hidden layers are.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "savant/analysis/cka.hpp"
#include "savant/analysis/invariance.hpp"
#include "savant/analysis/lesions.hpp"
#include "savant/analysis/units.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/config.hpp"

namespace savant {

// Test images the image-based measures of a run use: the first ones of the test set (all of
// it when it is smaller). SPEC section 10 says why this many.
inline constexpr std::size_t kUnitTestImages = 1000;
// Puzzles per image for the puzzle invariance (SPEC section 10.5).
inline constexpr std::size_t kUnitPuzzles = 10;

// One model's units.
struct ModelUnits {
  // On the trained first kernel and on what training added to it (the change).
  BlockSpecialisation specialisation, specialisation_change;
  // Absent when the grid has no pairs inside blocks or none across borders (SPEC 10.3).
  std::optional<BorderDiscontinuity> discontinuity, discontinuity_change;
  // On the model's own kind of test set: the original model on original images, the shuffled
  // model on shuffled ones.
  LesionMap lesions;
  // On the original test images, puzzled anew (kUnitPuzzles per image); absent for a grid of
  // one block, which has no derangement (SPEC 10.5).
  std::optional<PuzzleInvariance> invariance;
};

struct UnitAnalysis {
  std::size_t images = 0;  // test images used by the lesions, invariance and comparisons
  ModelUnits original, shuffled;
  // The two models compared on the original and on the shuffled test images.
  ModelComparison on_original_test, on_shuffled_test;
};

// What one model contributes to the analysis, computed from it alone: its units, and its hidden
// layer on the original and on the shuffled test images for the comparison of the two models.
// A run computes each model's on the thread that trained it, as soon as it has trained.
struct ModelUnitPart {
  ModelUnits units;
  HiddenActivations on_original_test, on_shuffled_test;
};

// `test` and `shuffled_test` are the run's test split and its shuffled copy; the seed (the
// Glorot start, the invariance puzzles) and the grid are the configuration's; `shuffled_model`
// says which test images are the model's own kind (its lesions'). The numbers do not depend on
// `threads`.
ModelUnitPart model_unit_part(const Network& net, bool shuffled_model, const Split& test,
                              const ImageSet& shuffled_test, const ExperimentConfig& config,
                              int threads);

// The analysis of both models from their parts: the comparisons of their hidden layers.
UnitAnalysis combine_unit_parts(ModelUnitPart original, ModelUnitPart shuffled);

// Both parts and their combination, on config.threads threads; the numbers do not depend on
// them.
UnitAnalysis analyze_units(const Network& original, const Network& shuffled, const Split& test,
                           const ImageSet& shuffled_test, const ExperimentConfig& config);

// The measures of one model's first kernel alone (SPEC 10.2, 10.3), on the trained weights and,
// given the seed it started from, on the change; without a seed the change's are left empty
// (no units). Lesions and invariance are left empty.
ModelUnits weight_units(const Network& net, std::size_t rows, std::size_t cols, int grid,
                        std::optional<std::uint64_t> seed);

// Whether border_discontinuity is defined for the grid on rows x cols images.
bool has_border_pairs(int grid, std::size_t rows, std::size_t cols);

}  // namespace savant
