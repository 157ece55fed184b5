#include "savant/analysis/forward_parts.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/parallel.hpp"
#include "savant/kernels/dense.hpp"

namespace savant {

void check_analysis_inputs(const Network& net, const ImageSet& images,
                           const std::span<const std::uint8_t>* labels) {
  if (net.layout.layers() < 2) {
    throw InputError("the hidden-unit analyses need a network with at least one hidden layer");
  }
  if (images.pixels_per_image() != net.layout.in(0) ||
      images.pixels.size() != images.count * images.pixels_per_image()) {
    throw InputError(fmt::format(
        "the network takes {} inputs but the images are {}x{} ({} bytes for {})", net.layout.in(0),
        images.rows, images.cols, images.pixels.size(), images.count));
  }
  if (labels != nullptr && labels->size() < images.count) {
    throw InputError(fmt::format("{} labels for {} images", labels->size(), images.count));
  }
}

void for_each_chunk(std::size_t count, int threads,
                    const std::function<void(std::size_t, std::size_t)>& body) {
  const std::size_t chunks = (count + kAnalysisChunk - 1) / kAnalysisChunk;
  parallel_for(chunks, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t c = first; c < last; ++c) {
      body(c * kAnalysisChunk, std::min(count, (c + 1) * kAnalysisChunk));
    }
  });
}

void scale_images(const ImageSet& images, std::size_t begin, std::size_t rows, float* out) {
  const std::size_t n = images.pixels_per_image();
  scale_pixels_fast(out, images.pixels.data() + begin * n, rows * n);
}

NetworkTail::NetworkTail(const Network& net, std::size_t batch) : net_(net) {
  if (net.layout.layers() < 2) {
    throw InputError("the hidden-unit analyses need a network with at least one hidden layer");
  }
  for (std::size_t l = 1; l < net.layout.layers(); ++l) {
    activations_.emplace_back(batch * net.layout.out(l));
  }
}

void NetworkTail::classify(const float* hidden, std::size_t rows, std::uint8_t* predicted) {
  const ParameterLayout& layout = net_.layout;
  const float* x = hidden;
  for (std::size_t l = 1; l < layout.layers(); ++l) {
    dense_forward_fast(activations_[l - 1].data(), x, net_.kernel(l).data(), net_.bias(l).data(),
                       rows, layout.in(l), layout.out(l), l + 1 < layout.layers());
    x = activations_[l - 1].data();
  }
  const std::size_t classes = layout.sizes().back();
  for (std::size_t r = 0; r < rows; ++r) {
    const float* z = x + r * classes;
    predicted[r] = static_cast<std::uint8_t>(std::max_element(z, z + classes) - z);
  }
}

}  // namespace savant
