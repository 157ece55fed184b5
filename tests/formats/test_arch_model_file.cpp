// The cnn, local and mixer models' files (formats/arch_model_file.hpp): PyTorch's names and
// shapes, a round trip through the bytes, and clear refusals of files that do not fit.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "savant/core/error.hpp"
#include "savant/formats/arch_model_file.hpp"

namespace savant {
namespace {

ArchNetwork trained_like(Architecture arch, std::size_t grid) {
  ArchNetwork net(architecture_layout(arch, 28, 28, grid, 10));
  glorot_uniform_init(net, 7);
  for (std::size_t i = 0; i < net.params.size(); i += 3) net.params[i] += 0.125f;
  return net;
}

TEST(ArchModelFile, PyTorchNamesShapesAndLayout) {
  const ArchNetwork net = trained_like(Architecture::cnn, 4);
  const TensorFile file = arch_to_tensors(net, {{"seed", "7"}});
  EXPECT_EQ(file.metadata.at("model"), "cnn");
  EXPECT_EQ(file.metadata.at("seed"), "7");
  const Tensor* conv = file.find("conv1.weight");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->shape, (std::vector<std::size_t>{16, 1, 3, 3}));
  // PyTorch's conv1.weight[5][0][1][2] is savant's (ky=1, kx=2, c=0, o=5).
  const TensorSpec& spec = net.layout.tensor("conv1.weight");
  EXPECT_EQ(conv->values[5 * 9 + 1 * 3 + 2], net.params[spec.offset + (1 * 3 + 2) * 16 + 5]);
  const Tensor* fc2 = file.find("fc2.weight");
  ASSERT_NE(fc2, nullptr);
  EXPECT_EQ(fc2->shape, (std::vector<std::size_t>{10, 128}));
}

TEST(ArchModelFile, RoundTripThroughBytes) {
  for (const auto& [arch, grid] : {std::pair{Architecture::cnn, std::size_t{4}},
                                   {Architecture::local, std::size_t{4}},
                                   {Architecture::mixer, std::size_t{7}}}) {
    const ArchNetwork net = trained_like(arch, grid);
    const std::string bytes = encode_safetensors(arch_to_tensors(net, {}));
    const ArchModelFile back = arch_from_tensors(decode_safetensors(bytes, "m"), "m");
    EXPECT_EQ(back.network.layout.arch, arch);
    EXPECT_EQ(back.network.layout.grid, grid);
    EXPECT_EQ(back.network.params, net.params) << architecture_name(arch);
  }
}

TEST(ArchModelFile, RefusesWhatDoesNotFit) {
  const ArchNetwork net = trained_like(Architecture::mixer, 4);
  TensorFile missing = arch_to_tensors(net, {});
  missing.tensors.pop_back();
  EXPECT_THROW(arch_from_tensors(missing, "m"), InputError);
  TensorFile wrong_grid = arch_to_tensors(net, {});
  wrong_grid.metadata["grid"] = "7";  // the token MLP's shapes are those of g = 4
  EXPECT_THROW(arch_from_tensors(wrong_grid, "m"), InputError);
  TensorFile no_grid = arch_to_tensors(net, {});
  no_grid.metadata["grid"] = "3";  // 28 is no multiple of 3
  EXPECT_THROW(arch_from_tensors(no_grid, "m"), InputError);
  TensorFile dense = arch_to_tensors(net, {});
  dense.metadata["model"] = "mlp";
  EXPECT_THROW(arch_from_tensors(dense, "m"), InputError);
  TensorFile nan = arch_to_tensors(net, {});
  nan.tensors[0].values[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(arch_from_tensors(nan, "m"), InputError);
}

}  // namespace
}  // namespace savant
