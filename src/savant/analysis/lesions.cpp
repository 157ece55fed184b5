#include "savant/analysis/lesions.hpp"

#include <algorithm>

#include "savant/analysis/forward_parts.hpp"
#include "savant/data/grid.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/model/evaluate.hpp"

namespace savant {
namespace {

LesionMap from_counts(const Grid& geometry, std::size_t images, std::size_t baseline_correct,
                      std::span<const std::size_t> correct) {
  LesionMap map;
  map.grid = geometry.size();
  const double n = static_cast<double>(std::max<std::size_t>(images, 1));
  map.baseline = static_cast<double>(baseline_correct) / n;
  for (std::size_t b = 0; b < geometry.blocks(); ++b) {
    map.accuracy.push_back(static_cast<double>(correct[b]) / n);
    map.lost.push_back(map.baseline - map.accuracy.back());
  }
  return map;
}

// The pixel indices of each block, row-major inside the block.
std::vector<std::vector<std::size_t>> block_pixels(const Grid& geometry, std::size_t cols) {
  std::vector<std::vector<std::size_t>> pixels(geometry.blocks());
  for (std::size_t b = 0; b < geometry.blocks(); ++b) {
    for (std::size_t r = 0; r < geometry.block_rows(); ++r) {
      for (std::size_t c = 0; c < geometry.block_cols(); ++c) {
        pixels[b].push_back((geometry.first_row(b) + r) * cols + geometry.first_col(b) + c);
      }
    }
  }
  return pixels;
}

}  // namespace

LesionMap block_lesions(const Network& net, const ImageSet& images,
                        std::span<const std::uint8_t> labels, int grid, int threads) {
  check_analysis_inputs(net, images, &labels);
  const Grid geometry(grid, images.rows, images.cols);
  const std::size_t P = images.pixels_per_image(), N = net.layout.out(0),
                    blocks = geometry.blocks();
  const std::vector<std::vector<std::size_t>> pixels = block_pixels(geometry, images.cols);
  const std::size_t block_size = pixels[0].size();
  // kernels[b] (block_size, N): the first kernel's rows of block b's pixels.
  std::vector<std::vector<float>> kernels(blocks);
  std::span<const float> W = net.kernel(0);
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t p : pixels[b]) {
      kernels[b].insert(kernels[b].end(), W.begin() + static_cast<std::ptrdiff_t>(p * N),
                        W.begin() + static_cast<std::ptrdiff_t>((p + 1) * N));
    }
  }
  const std::vector<float> no_bias(N, 0.0f);
  std::span<const float> bias = net.bias(0);
  const std::size_t chunks = (images.count + kAnalysisChunk - 1) / kAnalysisChunk;
  // correct[chunk * (blocks + 1) + b]: images of the chunk classified correctly with block b
  // zeroed, b = blocks for none.
  std::vector<std::size_t> correct(chunks * (blocks + 1), 0);
  for_each_chunk(images.count, threads, [&](std::size_t begin, std::size_t end) {
    const std::size_t rows = end - begin;
    std::vector<float> x(rows * P), z(rows * N), xb(rows * block_size), h(rows * N);
    // contribution[b] (rows, N): block b's pixels times their kernel rows. Their sum plus the
    // bias is the first layer's pre-activation, so no separate pass over the whole image.
    std::vector<std::vector<float>> contribution(blocks, std::vector<float>(rows * N));
    std::vector<std::uint8_t> predicted(rows);
    NetworkTail tail(net, rows);
    std::size_t* count = correct.data() + (begin / kAnalysisChunk) * (blocks + 1);
    // Classifies the pre-activations z minus block `lesion`'s contribution (none when
    // lesion == blocks) and counts the correct answers in count[lesion].
    auto classify = [&](std::size_t lesion) {
      const float* minus = lesion < blocks ? contribution[lesion].data() : nullptr;
      for (std::size_t i = 0; i < rows * N; ++i) {
        h[i] = std::max(minus ? z[i] - minus[i] : z[i], 0.0f);
      }
      tail.classify(h.data(), rows, predicted.data());
      for (std::size_t r = 0; r < rows; ++r) count[lesion] += predicted[r] == labels[begin + r];
    };
    scale_images(images, begin, rows, x.data());
    for (std::size_t r = 0; r < rows; ++r) std::copy(bias.begin(), bias.end(), z.begin() + r * N);
    for (std::size_t b = 0; b < blocks; ++b) {
      for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t i = 0; i < block_size; ++i) {
          xb[r * block_size + i] = x[r * P + pixels[b][i]];
        }
      }
      dense_forward_fast(contribution[b].data(), xb.data(), kernels[b].data(), no_bias.data(), rows,
                         block_size, N, false);
      for (std::size_t i = 0; i < rows * N; ++i) z[i] += contribution[b][i];
    }
    for (std::size_t b = 0; b <= blocks; ++b) classify(b);
  });
  std::vector<std::size_t> total(blocks + 1, 0);
  for (std::size_t c = 0; c < chunks; ++c) {
    for (std::size_t b = 0; b <= blocks; ++b) total[b] += correct[c * (blocks + 1) + b];
  }
  return from_counts(geometry, images.count, total[blocks], total);
}

LesionMap block_lesions_recomputed(const Network& net, const ImageSet& images,
                                   std::span<const std::uint8_t> labels, int grid) {
  const Grid geometry(grid, images.rows, images.cols);
  const std::vector<std::vector<std::size_t>> pixels = block_pixels(geometry, images.cols);
  std::vector<std::size_t> correct(geometry.blocks());
  for (std::size_t b = 0; b < geometry.blocks(); ++b) {
    ImageSet lesioned = images;
    for (std::size_t k = 0; k < images.count; ++k) {
      for (std::size_t p : pixels[b]) lesioned.image(k)[p] = 0;
    }
    correct[b] = evaluate(net, lesioned, labels).correct;
  }
  return from_counts(geometry, images.count, evaluate(net, images, labels).correct, correct);
}

}  // namespace savant
