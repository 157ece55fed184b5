#include "savant/analysis/invariance.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "savant/analysis/forward_parts.hpp"
#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/model/arch_train.hpp"
#include "savant/model/evaluate.hpp"

namespace savant {

PuzzleInvariance puzzle_invariance(const Network& net, const ImageSet& images,
                                   std::span<const std::uint8_t> labels, int grid,
                                   std::uint64_t seed, std::size_t puzzles, int threads) {
  check_analysis_inputs(net, images, &labels);
  const Grid geometry = validate_grid(grid, images.rows, images.cols, ShuffleMode::kDerange);
  if (puzzles == 0) throw InvalidSetting("puzzles", "0", "needs at least one puzzle per image");
  const std::size_t P = images.pixels_per_image(), N = net.layout.out(0),
                    chunks = (images.count + kAnalysisChunk - 1) / kAnalysisChunk;
  // Per chunk: images with one class for every puzzle, and correctly classified puzzles.
  std::vector<std::size_t> consistent(chunks, 0), correct(chunks, 0);
  for_each_chunk(images.count, threads, [&](std::size_t begin, std::size_t end) {
    const std::size_t rows = end - begin, chunk = begin / kAnalysisChunk;
    std::vector<std::uint8_t> shuffled(rows * P), predicted(rows), first(rows);
    std::vector<bool> same(rows, true);
    std::vector<float> x(rows * P), h(rows * N);
    NetworkTail tail(net, rows);
    std::vector<CounterRng> rng;
    for (std::size_t r = 0; r < rows; ++r) rng.emplace_back(seed, Stream::kInvariance, begin + r);
    for (std::size_t i = 0; i < puzzles; ++i) {
      for (std::size_t r = 0; r < rows; ++r) {
        const BlockPermutation perm = random_derangement(rng[r], geometry.blocks());
        apply_block_permutation(images.image(begin + r), std::span(shuffled).subspan(r * P, P),
                                images.rows, images.cols, grid, perm);
      }
      scale_pixels_fast(x.data(), shuffled.data(), rows * P);
      dense_forward_fast(h.data(), x.data(), net.kernel(0).data(), net.bias(0).data(), rows, P, N,
                         true);
      tail.classify(h.data(), rows, predicted.data());
      for (std::size_t r = 0; r < rows; ++r) {
        if (i == 0) first[r] = predicted[r];
        same[r] = same[r] && predicted[r] == first[r];
        correct[chunk] += predicted[r] == labels[begin + r];
      }
    }
    for (std::size_t r = 0; r < rows; ++r) consistent[chunk] += same[r];
  });
  PuzzleInvariance out;
  out.images = images.count;
  out.puzzles = puzzles;
  std::size_t n_consistent = 0, n_correct = 0;
  for (std::size_t c = 0; c < chunks; ++c) n_consistent += consistent[c], n_correct += correct[c];
  if (images.count > 0) {
    out.consistent = static_cast<double>(n_consistent) / static_cast<double>(images.count);
    out.accuracy = static_cast<double>(n_correct) / static_cast<double>(images.count * puzzles);
  }
  return out;
}

PuzzleInvariance puzzle_invariance(const ArchNetwork& net, const ImageSet& images,
                                   std::span<const std::uint8_t> labels, int grid,
                                   std::uint64_t seed, std::size_t puzzles, int threads) {
  if (labels.size() < images.count) {
    throw InputError(
        fmt::format("puzzle_invariance: {} images but {} labels", images.count, labels.size()));
  }
  const Grid geometry = validate_grid(grid, images.rows, images.cols, ShuffleMode::kDerange);
  if (puzzles == 0) throw InvalidSetting("puzzles", "0", "needs at least one puzzle per image");
  const std::size_t n = images.count, K = net.layout.classes;
  // Image k's puzzles come from its own stream, one derangement after another, as above.
  std::vector<CounterRng> rng;
  rng.reserve(n);
  for (std::size_t k = 0; k < n; ++k) rng.emplace_back(seed, Stream::kInvariance, k);
  ImageSet puzzled{n, images.rows, images.cols, std::vector<std::uint8_t>(images.pixels.size())};
  std::vector<std::uint8_t> first(n);
  std::vector<bool> same(n, true);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < puzzles; ++i) {
    for (std::size_t k = 0; k < n; ++k) {
      const BlockPermutation perm = random_derangement(rng[k], geometry.blocks());
      apply_block_permutation(images.image(k), puzzled.image(k), images.rows, images.cols, grid,
                              perm);
    }
    const std::vector<float> logits = arch_predict(net, puzzled, threads);
    for (std::size_t k = 0; k < n; ++k) {
      const auto predicted = static_cast<std::uint8_t>(best_class(logits.data() + k * K, K));
      if (i == 0) first[k] = predicted;
      same[k] = same[k] && predicted == first[k];
      correct += predicted == labels[k];
    }
  }
  PuzzleInvariance out;
  out.images = n;
  out.puzzles = puzzles;
  if (n > 0) {
    out.consistent =
        static_cast<double>(std::count(same.begin(), same.end(), true)) / static_cast<double>(n);
    out.accuracy = static_cast<double>(correct) / static_cast<double>(n * puzzles);
  }
  return out;
}

}  // namespace savant
