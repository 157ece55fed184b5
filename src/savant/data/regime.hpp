#pragma once
// Training regimes (docs/SWEEPS.md): what a model is trained on, and the training images each
// regime gives, epoch by epoch. The shuffled images always use the run's grid and shuffle mode.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "savant/data/image_set.hpp"
#include "savant/data/shuffle.hpp"

namespace savant {

enum class RegimeKind {
  kOriginal,  // the original images
  kShuffled,  // one shuffled copy of the training set, as in the article
  kMixed,     // image k shuffled with probability P, decided once from (seed, kMix, k)
  kFresh,     // a new permutation of every image in every epoch (augmentation)
  // Every image replaced by Gaussian noise with the training set's pixel mean and standard
  // deviation, clipped to 0..255, drawn once from (seed, kGaussian, k): inputs that carry
  // nothing about the label (Zhang et al. 2017's "Gaussian" corruption).
  kGaussian,
};

struct Regime {
  RegimeKind kind = RegimeKind::kOriginal;
  double mix = 0;  // P of `mixed:P`, in [0, 1]; 0 for the others
  bool operator==(const Regime&) const = default;
};

// "original", "shuffled", "mixed:P" (0 <= P <= 1), "fresh" or "gaussian"; throws InvalidSetting
// naming the field train_on.
Regime parse_regime(std::string_view text);
// Canonical text: parse_regime(to_string(r)) == r, and "mixed:0.50" prints as "mixed:0.5".
std::string to_string(const Regime& regime);
// The kind alone: "original", "shuffled", "mixed", "fresh" or "gaussian".
std::string to_string(RegimeKind kind);

// The training images of the `mixed:P` regime: image k shuffled with its kShuffleTrain
// permutation when CounterRng(seed, kMix, k) draws below P.
ImageSet mixed_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                      double p);
// The training images of the `gaussian` regime: image k is noise drawn from
// CounterRng(seed, kGaussian, k), a normal with the mean and standard deviation of all the
// pixels of `images`, rounded and clipped to 0..255.
ImageSet gaussian_images(const ImageSet& images, std::uint64_t seed);

// The labels a model trains on under label noise P (Zhang et al. 2017): label k is replaced,
// when CounterRng(seed, kLabelNoise, k) first draws below P, by a class drawn uniformly from
// 0..classes-1 (which may be its own). P = 0 returns the labels; P = 1 gives random labels.
std::vector<std::uint8_t> noisy_labels(std::span<const std::uint8_t> labels, std::size_t classes,
                                       std::uint64_t seed, double p);

// The training images of epoch `epoch` (1-based) of the `fresh` regime: image k gets the
// permutation drawn from (seed, kFresh, (epoch - 1) * count + k). Written into `out`.
void fresh_images(const ImageSet& images, int grid, ShuffleMode mode, std::uint64_t seed,
                  std::size_t epoch, ImageSet& out);

// The training images a regime gives a model. `original` must outlive it. The shuffled copies
// are made on up to `threads` threads; the images do not depend on the count.
class TrainingImages {
 public:
  TrainingImages(const ImageSet& original, Regime regime, int grid, ShuffleMode mode,
                 std::uint64_t seed, int threads);

  // The images every epoch trains on, unless changes_every_epoch().
  const ImageSet& images() const;
  // True for `fresh`: epoch e (1-based) trains on epoch(e) instead.
  bool changes_every_epoch() const { return regime_.kind == RegimeKind::kFresh; }
  const ImageSet& epoch(std::size_t epoch);

 private:
  const ImageSet& original_;
  Regime regime_;
  int grid_;
  ShuffleMode mode_;
  std::uint64_t seed_;
  ImageSet made_;  // the regime's own images, when they are not the original ones
};

}  // namespace savant
