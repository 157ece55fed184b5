#include "savant/data/regime.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {

Regime parse_regime(std::string_view text) {
  if (text == "original") return {RegimeKind::kOriginal, 0};
  if (text == "shuffled") return {RegimeKind::kShuffled, 0};
  if (text == "fresh") return {RegimeKind::kFresh, 0};
  if (text == "gaussian") return {RegimeKind::kGaussian, 0};
  if (text.starts_with("mixed:")) {
    const std::string_view p_text = text.substr(6);
    double p = 0;
    auto [ptr, ec] = std::from_chars(p_text.data(), p_text.data() + p_text.size(), p);
    if (ec == std::errc{} && ptr == p_text.data() + p_text.size() && !p_text.empty() && p >= 0 &&
        p <= 1) {
      return {RegimeKind::kMixed, p};
    }
    throw InvalidSetting("train_on", std::string(text),
                         "P of mixed:P must be a number from 0 to 1, e.g. mixed:0.5");
  }
  throw InvalidSetting("train_on", std::string(text),
                       "unknown training regime; expected original, shuffled, mixed:P "
                       "(0 <= P <= 1), fresh or gaussian");
}

std::string to_string(RegimeKind kind) {
  switch (kind) {
    case RegimeKind::kOriginal:
      return "original";
    case RegimeKind::kShuffled:
      return "shuffled";
    case RegimeKind::kMixed:
      return "mixed";
    case RegimeKind::kFresh:
      return "fresh";
    case RegimeKind::kGaussian:
      return "gaussian";
  }
  return "?";
}

std::string to_string(const Regime& regime) {
  if (regime.kind == RegimeKind::kMixed) return fmt::format("mixed:{}", regime.mix);
  return to_string(regime.kind);
}

ImageSet mixed_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                      double p) {
  validate_grid(grid, images.rows, images.cols, mode);
  ImageSet out = images;
  for (std::size_t k = 0; k < images.count; ++k) {
    CounterRng coin(seed, Stream::kMix, k);
    if (!(static_cast<double>(coin.uniform_float()) < p)) continue;
    const BlockPermutation perm = block_permutation(mode, grid, seed, Stream::kShuffleTrain, k);
    apply_block_permutation(images.image(k), out.image(k), images.rows, images.cols, grid, perm);
  }
  return out;
}

ImageSet gaussian_images(const ImageSet& images, std::uint64_t seed) {
  double sum = 0, sum_squares = 0;
  for (const std::uint8_t v : images.pixels) {
    sum += v;
    sum_squares += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(std::max<std::size_t>(images.pixels.size(), 1));
  const double mean = sum / n;
  const double sd = std::sqrt(std::max(0.0, sum_squares / n - mean * mean));
  ImageSet out = images;
  for (std::size_t k = 0; k < images.count; ++k) {
    CounterRng rng(seed, Stream::kGaussian, k);
    for (std::uint8_t& v : out.image(k)) {
      const double x = std::round(mean + sd * rng.normal());
      v = static_cast<std::uint8_t>(std::clamp(x, 0.0, 255.0));
    }
  }
  return out;
}

std::vector<std::uint8_t> noisy_labels(std::span<const std::uint8_t> labels, std::size_t classes,
                                       std::uint64_t seed, double p) {
  std::vector<std::uint8_t> out(labels.begin(), labels.end());
  if (p <= 0 || classes == 0) return out;
  for (std::size_t k = 0; k < out.size(); ++k) {
    CounterRng rng(seed, Stream::kLabelNoise, k);
    if (!(static_cast<double>(rng.uniform_float()) < p)) continue;
    out[k] = static_cast<std::uint8_t>(rng.uniform_below(static_cast<std::uint32_t>(classes)));
  }
  return out;
}

void fresh_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                  std::size_t epoch, ImageSet& out) {
  validate_grid(grid, images.rows, images.cols, mode);
  out.count = images.count;
  out.rows = images.rows;
  out.cols = images.cols;
  out.pixels.resize(images.pixels.size());
  const std::uint64_t base = static_cast<std::uint64_t>(epoch - 1) * images.count;
  for (std::size_t k = 0; k < images.count; ++k) {
    const BlockPermutation perm = block_permutation(mode, grid, seed, Stream::kFresh, base + k);
    apply_block_permutation(images.image(k), out.image(k), images.rows, images.cols, grid, perm);
  }
}

TrainingImages::TrainingImages(const ImageSet& original, Regime regime, int grid, ShuffleMode mode,
                               std::uint64_t seed, int threads)
    : original_(original), regime_(regime), grid_(grid), mode_(mode), seed_(seed) {
  switch (regime.kind) {
    case RegimeKind::kOriginal:
    case RegimeKind::kFresh:
      break;
    case RegimeKind::kShuffled:
      made_ = shuffle_images(original, grid, mode, seed, Stream::kShuffleTrain, threads);
      break;
    case RegimeKind::kMixed:
      made_ = mixed_images(original, grid, mode, seed, regime.mix);
      break;
    case RegimeKind::kGaussian:
      made_ = gaussian_images(original, seed);
      break;
  }
}

const ImageSet& TrainingImages::images() const {
  const bool own = regime_.kind == RegimeKind::kShuffled || regime_.kind == RegimeKind::kMixed ||
                   regime_.kind == RegimeKind::kGaussian;
  return own ? made_ : original_;
}

const ImageSet& TrainingImages::epoch(std::size_t epoch) {
  if (!changes_every_epoch()) return images();
  fresh_images(original_, grid_, mode_, seed_, epoch, made_);
  return made_;
}

}  // namespace savant
