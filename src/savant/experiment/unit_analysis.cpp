#include "savant/experiment/unit_analysis.hpp"

#include <algorithm>
#include <span>
#include <vector>

#include "savant/data/grid.hpp"

namespace savant {

ModelUnits weight_units(const Network& net, std::size_t rows, std::size_t cols, int grid,
                        std::optional<std::uint64_t> seed) {
  const std::size_t hidden = net.layout.out(0);
  const bool borders = has_border_pairs(grid, rows, cols);
  ModelUnits units;
  const std::vector<double> trained = first_layer_weights(net);
  units.specialisation = block_specialisation(trained, rows, cols, hidden, grid);
  if (borders) units.discontinuity = border_discontinuity(trained, rows, cols, hidden, grid);
  if (seed) {
    const std::vector<double> change = first_layer_change(net, *seed);
    units.specialisation_change = block_specialisation(change, rows, cols, hidden, grid);
    if (borders)
      units.discontinuity_change = border_discontinuity(change, rows, cols, hidden, grid);
  }
  return units;
}

bool has_border_pairs(int grid, std::size_t rows, std::size_t cols) {
  const Grid geometry(grid, rows, cols);
  return geometry.blocks() >= 2 && geometry.block_rows() * geometry.block_cols() >= 2;
}

ModelUnitPart model_unit_part(const Network& net, bool shuffled_model, const Split& test,
                              const ImageSet& shuffled_test, const ExperimentConfig& config,
                              int threads) {
  const std::size_t rows = test.images.rows, cols = test.images.cols;
  threads = std::max(threads, 1);
  const ImageSet plain = first_images(test.images, kUnitTestImages);
  const ImageSet puzzled = first_images(shuffled_test, kUnitTestImages);
  const std::span<const std::uint8_t> labels(test.labels.data(), plain.count);

  ModelUnitPart part;
  part.units = weight_units(net, rows, cols, config.grid, config.seed);
  // Each analysis splits its images over the threads in fixed chunks (SPEC section 10.6).
  part.units.lesions =
      block_lesions(net, shuffled_model ? puzzled : plain, labels, config.grid, threads);
  if (config.grid >= 2) {
    part.units.invariance =
        puzzle_invariance(net, plain, labels, config.grid, config.seed, kUnitPuzzles, threads);
  }
  part.on_original_test = hidden_activations(net, plain, threads);
  part.on_shuffled_test = hidden_activations(net, puzzled, threads);
  return part;
}

UnitAnalysis combine_unit_parts(ModelUnitPart original, ModelUnitPart shuffled) {
  UnitAnalysis out;
  out.images = original.on_original_test.images;
  out.on_original_test = compare_models(original.on_original_test, shuffled.on_original_test);
  out.on_shuffled_test = compare_models(original.on_shuffled_test, shuffled.on_shuffled_test);
  out.original = std::move(original.units);
  out.shuffled = std::move(shuffled.units);
  return out;
}

UnitAnalysis analyze_units(const Network& original, const Network& shuffled, const Split& test,
                           const ImageSet& shuffled_test, const ExperimentConfig& config) {
  const int threads = std::max(config.threads, 1);
  return combine_unit_parts(model_unit_part(original, false, test, shuffled_test, config, threads),
                            model_unit_part(shuffled, true, test, shuffled_test, config, threads));
}

}  // namespace savant
