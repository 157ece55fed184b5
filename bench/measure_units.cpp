// Measures the hidden-unit analyses (docs/SPEC.md, section 10) on the two models of a
// reproduction run, and times each one: not a test, a tool for the numbers in the docs.
//
//   measure_units RUN_DIR [SEED=0] [GRID=4] [THREADS=2]
//
// RUN_DIR holds original_model.safetensors and shuffled_model.safetensors (savant reproduce);
// the data set is the default one ($SAVANT_DATA or Fashion-MNIST). Writes the receptive-field
// galleries next to the models as units_<model>.png and units_delta_<model>.png.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "savant/analysis/cka.hpp"
#include "savant/analysis/invariance.hpp"
#include "savant/analysis/lesions.hpp"
#include "savant/analysis/units.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/figures/unit_gallery.hpp"
#include "savant/formats/model_file.hpp"

namespace {

using namespace savant;

template <typename F>
auto timed(const char* what, double& total, F f) {
  const auto start = std::chrono::steady_clock::now();
  auto result = f();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  total += s;
  fmt::print("  [{:.3f} s] {}\n", s, what);
  return result;
}

void print_map(const std::vector<double>& v, std::size_t g, const char* format) {
  for (std::size_t r = 0; r < g; ++r) {
    fmt::print("    ");
    for (std::size_t c = 0; c < g; ++c) fmt::print(fmt::runtime(format), v[r * g + c]);
    fmt::print("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: measure_units RUN_DIR [SEED] [GRID] [THREADS]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const std::uint64_t seed = argc > 2 ? std::stoull(argv[2]) : 0;
  const int grid = argc > 3 ? std::stoi(argv[3]) : 4;
  const int threads = argc > 4 ? std::stoi(argv[4]) : 2;
  const Dataset data = load_dataset(default_data_dir());
  const Split& test = data.test;
  const ImageSet shuffled_test =
      shuffle_images(test.images, grid, ShuffleMode::kDerange, seed, Stream::kShuffleTest, threads);
  const std::size_t rows = test.images.rows, cols = test.images.cols;
  double total = 0;
  std::vector<HiddenActivations> hidden;
  for (const char* name : {"original_model", "shuffled_model"}) {
    const Network net = load_model(dir / (std::string(name) + ".safetensors")).network;
    const std::size_t N = net.layout.out(0);
    fmt::print("{} (grid {}, seed {}, {} threads)\n", name, grid, seed, threads);
    const auto w = first_layer_weights(net);
    const auto delta =
        timed("first_layer_change", total, [&] { return first_layer_change(net, seed); });
    const auto spec = timed("block_specialisation (trained)", total,
                            [&] { return block_specialisation(w, rows, cols, N, grid); });
    const auto spec_delta = timed("block_specialisation (delta)", total,
                                  [&] { return block_specialisation(delta, rows, cols, N, grid); });
    const auto border = timed("border_discontinuity (trained)", total,
                              [&] { return border_discontinuity(w, rows, cols, N, grid); });
    const auto border_delta = timed("border_discontinuity (delta)", total, [&] {
      return border_discontinuity(delta, rows, cols, N, grid);
    });
    const auto lesion_orig = timed("block_lesions (original test)", total, [&] {
      return block_lesions(net, test.images, test.labels, grid, threads);
    });
    const auto lesion_shuf = timed("block_lesions (shuffled test)", total, [&] {
      return block_lesions(net, shuffled_test, test.labels, grid, threads);
    });
    const auto inv = timed("puzzle_invariance (K = 10)", total, [&] {
      return puzzle_invariance(net, test.images, test.labels, grid, seed, 10, threads);
    });
    // The first 1000 test images: a tenth of the cost.
    ImageSet first = test.images;
    first.count = std::min<std::size_t>(1000, first.count);
    first.pixels.resize(first.count * first.pixels_per_image());
    const auto inv_1000 = timed("puzzle_invariance (K = 10, first 1000 images)", total, [&] {
      return puzzle_invariance(net, first, test.labels, grid, seed, 10, threads);
    });
    hidden.push_back(timed("hidden_activations", total,
                           [&] { return hidden_activations(net, test.images, threads); }));
    double gallery_s = 0;
    timed("unit_gallery_png (x2, not counted)", gallery_s, [&] {
      write_file_atomically(
          dir / fmt::format("units_{}.png", name),
          unit_gallery_png(w, rows, cols, N, grid, fmt::format("{}: first-layer weights", name)));
      write_file_atomically(
          dir / fmt::format("units_delta_{}.png", name),
          unit_gallery_png(delta, rows, cols, N, grid, fmt::format("{}: trained - initial", name)));
      return 0;
    });
    fmt::print("  mean specialisation: trained {:.4f}, delta {:.4f} (uniform 1/g^2 = {:.4f})\n",
               spec.mean, spec_delta.mean, 1.0 / (grid * grid));
    fmt::print("  units owned per block (trained):\n");
    std::vector<double> owned(spec.owned.begin(), spec.owned.end()),
        owned_delta(spec_delta.owned.begin(), spec_delta.owned.end());
    print_map(owned, spec.blocks == 0 ? 0 : static_cast<std::size_t>(grid), "{:4.0f}");
    fmt::print("  units owned per block (delta):\n");
    print_map(owned_delta, static_cast<std::size_t>(grid), "{:4.0f}");
    std::size_t over_half = 0, over_half_delta = 0;
    for (std::size_t j = 0; j < N; ++j) {
      over_half += spec.specialisation[j] > 0.5;
      over_half_delta += spec_delta.specialisation[j] > 0.5;
    }
    fmt::print("  units with > 1/2 of their weight in one block: trained {}, delta {} (of {})\n",
               over_half, over_half_delta, N);
    fmt::print(
        "  border discontinuity: trained mean {:.3f} median {:.3f}; delta mean {:.3f} median "
        "{:.3f}\n",
        border.mean, border.median, border_delta.mean, border_delta.median);
    for (const auto* l : {&lesion_orig, &lesion_shuf}) {
      double worst = 0, sum = 0;
      for (double v : l->lost) worst = std::max(worst, v), sum += v;
      fmt::print(
          "  lesions on the {} test set: baseline {:.4f}, mean loss {:.4f}, largest {:.4f}; "
          "accuracy lost:\n",
          l == &lesion_orig ? "original" : "shuffled", l->baseline,
          sum / static_cast<double>(l->lost.size()), worst);
      print_map(l->lost, static_cast<std::size_t>(grid), " {:7.4f}");
    }
    fmt::print("  puzzle invariance (K = {}): same class for all {:.4f}, accuracy {:.4f}\n",
               inv.puzzles, inv.consistent, inv.accuracy);
    fmt::print("  on the first 1000 images: same class for all {:.4f}, accuracy {:.4f}\n",
               inv_1000.consistent, inv_1000.accuracy);
  }
  const auto cmp = timed("compare_models (linear CKA + agreement)", total,
                         [&] { return compare_models(hidden[0], hidden[1]); });
  fmt::print("original vs shuffled model on the original test set: CKA {:.4f}, agreement {:.4f}\n",
             cmp.cka, cmp.agreement);
  fmt::print("total analysis time (both models): {:.3f} s\n", total);
  return 0;
}
