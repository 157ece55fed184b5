#include "savant/experiment/first_layer.hpp"

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {

std::string pixel_map_reason(Architecture arch) {
  switch (arch) {
    case Architecture::cnn:
    case Architecture::local:
      return fmt::format(
          "The pixel map and the hidden-unit sections are not defined for the {} model: its "
          "first layer is a 3x3 convolution, one small filter shared by every pixel, not one "
          "weight per pixel and unit as a dense layer has.",
          architecture_name(arch));
    case Architecture::mixer:
      return "The pixel map and the hidden-unit sections are not defined for the mixer model: "
             "its first layer embeds every block with the same vectors, one weight per pixel of "
             "a block, not one weight per pixel of the image and unit as a dense layer has.";
    case Architecture::mlp:
      break;
  }
  throw UsageError("the mlp model has a dense first layer: its pixel map is defined");
}

FirstLayerPictures first_layer_pictures(const ArchNetwork& net) {
  const ArchLayout& layout = net.layout;
  FirstLayerPictures pictures;
  if (layout.arch == Architecture::mixer) {
    pictures.tensor = "embed.weight";
    pictures.rows = layout.rows / layout.grid;
    pictures.cols = layout.cols / layout.grid;
  } else {
    pictures.tensor = "conv1.weight";
    pictures.rows = pictures.cols = 3;
  }
  const TensorSpec& spec = layout.tensor(pictures.tensor);
  // PyTorch's layout is picture by picture: conv (OC, 1, 3, 3), nn.Linear (64, pixels of a
  // block).
  pictures.values = torch_layout(spec, net.tensor(pictures.tensor));
  pictures.count = spec.shape[0];
  if (pictures.values.size() != pictures.count * pictures.rows * pictures.cols) {
    throw Error(fmt::format("{}: {} values, expected {} pictures of {}x{}", spec.name,
                            pictures.values.size(), pictures.count, pictures.rows, pictures.cols));
  }
  pictures.what =
      layout.arch == Architecture::mixer
          ? fmt::format("the {} vectors of the patch embedding, each over a {} x {} block",
                        pictures.count, pictures.rows, pictures.cols)
          : fmt::format("the {} filters of conv1 ({} x {})", pictures.count, pictures.rows,
                        pictures.cols);
  return pictures;
}

}  // namespace savant
