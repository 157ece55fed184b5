#pragma once
// What a run shows of a model whose first layer is not dense (cnn, local, mixer; issue 23).
// The pixel-correlation analysis (R, the adjacent map, the grid signature) and the hidden-unit
// measures read one weight per pixel and hidden unit, which only the dense network (mlp) has:
// a convolution shares one small filter over every position, and the mixer's patch embedding
// one vector per pixel of a block over every block. What replaces them is the first layer
// itself, as pictures: the conv1 filters (3x3), or each of the patch embedding's 64 vectors as
// the block it reads ((28/g) x (28/g)).

#include <cstddef>
#include <string>
#include <vector>

#include "savant/model/architecture.hpp"

namespace savant {

// Whether the model's first layer is dense (mlp): then the run analyses its pixels' weights
// and its hidden units; otherwise it shows first_layer_pictures.
inline bool has_dense_first_layer(Architecture arch) {
  return arch == Architecture::mlp;
}

// One line: why the pixel map and the unit measures are not defined for `arch` (not mlp).
std::string pixel_map_reason(Architecture arch);

// The first layer of a model as `count` pictures of rows x cols weights each.
struct FirstLayerPictures {
  std::string tensor;  // PyTorch's name of the weights shown: "conv1.weight", "embed.weight"
  std::string what;    // "the 16 filters of conv1 (3 x 3)", for captions and titles
  std::size_t count = 0, rows = 0, cols = 0;
  std::vector<float> values;  // (count, rows, cols), picture by picture, row-major
};

// The pictures of `net`'s first layer: cnn and local, conv1's filters (out channel by out
// channel, the one input channel's 3x3 kernel); mixer, the patch embedding's vectors (one per
// embedding channel, its weights over a block's pixels in the block's row-major order).
FirstLayerPictures first_layer_pictures(const ArchNetwork& net);

}  // namespace savant
