#pragma once
// Counter-based randomness (Philox4x32-10, Salmon et al., SC'11). A draw is a pure function of
// (seed, stream, index, position), so work can be split over threads in any order and the
// numbers stay the same. One scheme for everything random in savant.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace savant {

// Independent uses of the seed. Values are part of the file format of results: never renumber.
enum class Stream : std::uint32_t {
  kInit = 1,          // weight initialisation
  kEpochOrder = 2,    // training order, index = epoch
  kShuffleTrain = 3,  // block permutation of training image k
  kShuffleTest = 4,   // block permutation of test image k
  kFixed = 5,         // the one derangement of mode `fixed`
  kMix = 6,           // which training images a `mixed:P` regime shuffles
  kFresh = 7,         // per-epoch permutations of the `fresh` regime, index = epoch * n + k
  kInvariance = 8,    // the K derangements of test image k in the puzzle-invariance analysis
  kLabelNoise = 9,    // whether training label k is replaced, and by which class
  kGaussian = 10,     // the Gaussian noise image that replaces training image k
};

std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter,
                                        std::array<std::uint32_t, 2> key);

class CounterRng {
 public:
  CounterRng(std::uint64_t seed, Stream stream, std::uint64_t index);

  std::uint32_t next_u32();
  // Uniform on {0, ..., n - 1}, without modulo bias (Lemire's multiply-and-reject).
  std::uint32_t uniform_below(std::uint32_t n);
  // Uniform on [0, 1) with 24 random bits.
  float uniform_float();
  // Standard normal (Box-Muller on two 32-bit uniforms; two u32 draws per call).
  double normal();

  // Fisher-Yates: a uniformly random permutation written into `out` (0 .. size-1).
  template <typename T>
  void permutation(std::span<T> out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(i);
    for (std::size_t i = out.size(); i > 1; --i) {
      std::size_t j = uniform_below(static_cast<std::uint32_t>(i));
      T tmp = out[i - 1];
      out[i - 1] = out[j];
      out[j] = tmp;
    }
  }

 private:
  std::array<std::uint32_t, 4> counter_;
  std::array<std::uint32_t, 2> key_;
  std::array<std::uint32_t, 4> buffer_{};
  int used_ = 4;
};

}  // namespace savant
