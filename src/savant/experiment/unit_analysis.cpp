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

UnitAnalysis analyze_units(const Network& original, const Network& shuffled, const Split& test,
                           const ImageSet& shuffled_test, const ExperimentConfig& config) {
  const std::size_t rows = test.images.rows, cols = test.images.cols;
  const int threads = std::max(config.threads, 1);
  const ImageSet plain = first_images(test.images, kUnitTestImages);
  const ImageSet puzzled = first_images(shuffled_test, kUnitTestImages);
  const std::span<const std::uint8_t> labels(test.labels.data(), plain.count);

  UnitAnalysis out;
  out.images = plain.count;
  out.original = weight_units(original, rows, cols, config.grid, config.seed);
  out.shuffled = weight_units(shuffled, rows, cols, config.grid, config.seed);
  // Each analysis splits its images over the threads in fixed chunks (SPEC section 10.6).
  out.original.lesions = block_lesions(original, plain, labels, config.grid, threads);
  out.shuffled.lesions = block_lesions(shuffled, puzzled, labels, config.grid, threads);
  for (auto [net, units] : {std::pair{&original, &out.original}, {&shuffled, &out.shuffled}}) {
    if (config.grid < 2) break;
    units->invariance =
        puzzle_invariance(*net, plain, labels, config.grid, config.seed, kUnitPuzzles, threads);
  }
  out.on_original_test = compare_models(hidden_activations(original, plain, threads),
                                        hidden_activations(shuffled, plain, threads));
  out.on_shuffled_test = compare_models(hidden_activations(original, puzzled, threads),
                                        hidden_activations(shuffled, puzzled, threads));
  return out;
}

}  // namespace savant
