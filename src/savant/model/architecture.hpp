#pragma once
// The models beyond the dense network (issue 23): `cnn`, `local` (a bag of local features) and
// `mixer`, each a fixed list of layers from kernels/conv.hpp, pool.hpp and tokens.hpp over one
// flat float32 parameter buffer, as model/network.hpp keeps the dense one (`mlp`, which stays
// there). docs/ARCHITECTURE.md describes them:
//   cnn    conv 3x3 (1->16) ReLU, max-pool 2; conv 3x3 (16->32) ReLU, max-pool 2; flatten
//          (32x7x7 = 1568, channel-major as PyTorch flattens) -> dense 128 ReLU -> dense 10
//   local  conv 3x3 (1->32) ReLU; conv 3x3 (32->32) ReLU; conv 1x1 (32->10); the mean of each
//          class map over the image is its logit (receptive field 5x5)
//   mixer  the g x g blocks of the grid, each ((28/g)^2 pixels) embedded by one shared dense
//          layer to 64; h += token MLP (g*g -> 64 ReLU -> g*g, per channel); h += channel MLP
//          (64 -> 128 ReLU -> 64, per token); the mean over tokens; dense 10
// Parameters are named as the same model's PyTorch module names them (conv1.weight, fc1.bias,
// token_mlp.0.weight ...); each tensor is stored in the layout its kernel wants, which
// torch_layout() turns into PyTorch's.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace savant {

enum class Architecture { mlp, cnn, local, mixer };

// "mlp", "cnn", "local" or "mixer".
std::string_view architecture_name(Architecture arch);
// The architecture named `name`; throws InvalidSetting("model", ...) for another name.
Architecture parse_architecture(std::string_view name);

// How a tensor is stored here, and so how it becomes PyTorch's layout.
enum class TensorKind {
  bias,        // (n), as PyTorch
  conv,        // (K, K, C, OC); PyTorch (OC, C, K, K)
  dense,       // (in, out); PyTorch nn.Linear (out, in)
  token_dense  // (out, in), as PyTorch nn.Linear
};

struct TensorSpec {
  std::string name;  // PyTorch's state_dict key
  TensorKind kind;
  std::vector<std::size_t> shape;  // PyTorch's shape
  std::size_t offset = 0, size = 0;
  std::size_t fan_in = 0, fan_out = 0;  // Glorot's, for a weight
};

// The images are rows x cols (28 x 28); `grid` is the mixer's g (a divisor of both, at least 2)
// and ignored by the other models.
struct ArchLayout {
  Architecture arch = Architecture::cnn;
  std::size_t rows = 28, cols = 28, grid = 4, classes = 10;
  std::vector<TensorSpec> tensors;
  std::size_t total = 0;

  const TensorSpec& tensor(std::string_view name) const;
  std::size_t offset(std::string_view name) const { return tensor(name).offset; }
};

// The layout of `arch` (not mlp: model/network.hpp) for rows x cols images and `classes`
// classes. Throws InvalidSetting when the images or the grid do not fit the model.
ArchLayout architecture_layout(Architecture arch, std::size_t rows, std::size_t cols,
                               std::size_t grid, std::size_t classes);

struct ArchNetwork {
  ArchLayout layout;
  std::vector<float> params;  // (layout.total)

  ArchNetwork() = default;
  explicit ArchNetwork(ArchLayout l) : layout(std::move(l)), params(layout.total, 0.0f) {}
  std::span<const float> tensor(std::string_view name) const {
    const TensorSpec& t = layout.tensor(name);
    return {params.data() + t.offset, t.size};
  }
};

// Glorot-uniform weights, U(-l, l) with l = sqrt(6 / (fan_in + fan_out)) (a convolution's fans
// count the kernel's area), zero biases; drawn from the seed's kInit stream, one counter per
// tensor in layout order.
void glorot_uniform_init(ArchNetwork& net, std::uint64_t seed);

// The tensor `spec` of `params` in PyTorch's layout and shape (spec.shape), and back.
std::vector<float> torch_layout(const TensorSpec& spec, std::span<const float> params);
void from_torch_layout(const TensorSpec& spec, std::span<const float> torch,
                       std::span<float> params);

}  // namespace savant
