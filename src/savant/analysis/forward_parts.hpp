#pragma once
// The forward pass of model/network.hpp in two parts, for the analyses that change the first
// layer's pre-activations (lesions) or read its output (CKA): the first layer, and the layers
// after it. Images are processed in chunks of kChunk, each chunk on one thread, so that results
// never depend on the number of threads.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "savant/data/image_set.hpp"
#include "savant/model/network.hpp"

namespace savant {

inline constexpr std::size_t kAnalysisChunk = 500;

// Throws Error unless `net` has a hidden layer (the analyses read its output), takes the images'
// pixels as inputs, and `labels` (when given) has a label for every image.
void check_analysis_inputs(const Network& net, const ImageSet& images,
                           const std::span<const std::uint8_t>* labels = nullptr);

// Calls body(begin, end) for the chunks [begin, end) of `count` images, on up to `threads`
// threads; each chunk is whole and on one thread.
void for_each_chunk(std::size_t count, int threads,
                    const std::function<void(std::size_t, std::size_t)>& body);

// out (rows, P): images [begin, begin + rows) scaled to [0, 1].
void scale_images(const ImageSet& images, std::size_t begin, std::size_t rows, float* out);

// The layers after the first, for up to `batch` rows at a time.
class NetworkTail {
 public:
  NetworkTail(const Network& net, std::size_t batch);
  // hidden (rows, N) is the first layer's output after its ReLU; predicted (rows) receives the
  // class of the largest logit (the first one on a tie), as model/evaluate.hpp's predict.
  void classify(const float* hidden, std::size_t rows, std::uint8_t* predicted);

 private:
  const Network& net_;
  std::vector<std::vector<float>> activations_;  // activations_[l - 1]: output of layer l
};

}  // namespace savant
