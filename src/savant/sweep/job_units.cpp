#include "savant/sweep/job_units.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "savant/experiment/unit_analysis.hpp"

namespace savant {
namespace {

double population_std(const std::vector<double>& values) {
  if (values.empty()) return JobUnits::kUndefined;
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(values.size()));
}

// What every model has, whatever its first layer: puzzle invariance on `plain` (from a grid of
// 2) and the CKA of its last hidden representation with the original model's.
template <class Net>
void measure_behaviour(JobUnits& out, const Net& net, const Net& original,
                       const ExperimentConfig& config, const ImageSet& plain,
                       std::span<const std::uint8_t> labels) {
  if (config.grid >= 2) {
    const PuzzleInvariance invariance =
        puzzle_invariance(net, plain, labels, config.grid, config.seed, kUnitPuzzles);
    out.invariance = invariance.consistent;
    out.invariance_accuracy = invariance.accuracy;
  }
  out.cka_original =
      compare_models(hidden_activations(net, plain), hidden_activations(original, plain)).cka;
}

}  // namespace

JobUnits measure_units(const Network& net, const Network& original, const ExperimentConfig& config,
                       RegimeKind regime, const Split& test, const ImageSet& shuffled_test) {
  const std::size_t rows = test.images.rows, cols = test.images.cols;
  const ImageSet plain = first_images(test.images, kUnitTestImages);
  const std::span<const std::uint8_t> labels(test.labels.data(), plain.count);
  JobUnits out;

  const ModelUnits weights = weight_units(net, rows, cols, config.grid, config.seed);
  out.specialisation = weights.specialisation.mean;
  out.specialisation_change = weights.specialisation_change.mean;
  if (weights.discontinuity) out.border_discontinuity = weights.discontinuity->mean;

  if (config.grid >= 2) {
    const bool on_original = regime == RegimeKind::kOriginal;
    const ImageSet puzzled =
        on_original ? ImageSet{} : first_images(shuffled_test, kUnitTestImages);
    const LesionMap lesions =
        block_lesions(net, on_original ? plain : puzzled, labels, config.grid);
    out.lesion_spread = population_std(lesions.lost);
  }
  measure_behaviour(out, net, original, config, plain, labels);
  return out;
}

JobUnits measure_units(const ArchNetwork& net, const ArchNetwork& original,
                       const ExperimentConfig& config, const Split& test) {
  const ImageSet plain = first_images(test.images, kUnitTestImages);
  const std::span<const std::uint8_t> labels(test.labels.data(), plain.count);
  JobUnits out;
  measure_behaviour(out, net, original, config, plain, labels);
  return out;
}

}  // namespace savant
