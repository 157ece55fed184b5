#include "savant/formats/model_file.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/data/image_limits.hpp"

namespace savant {

TensorFile network_to_tensors(const Network& net, std::map<std::string, std::string> metadata) {
  TensorFile file;
  file.metadata = std::move(metadata);
  for (std::size_t l = 0; l < net.layout.layers(); ++l) {
    auto kernel = net.kernel(l);
    auto bias = net.bias(l);
    file.tensors.push_back({fmt::format("dense{}.kernel", l + 1),
                            {net.layout.in(l), net.layout.out(l)},
                            {kernel.begin(), kernel.end()}});
    file.tensors.push_back(
        {fmt::format("dense{}.bias", l + 1), {net.layout.out(l)}, {bias.begin(), bias.end()}});
  }
  return file;
}

ModelFile network_from_tensors(TensorFile file, std::string_view source) {
  auto fail = [&](const std::string& what) -> InputError {
    return InputError(fmt::format("{}: not a savant model: {}", source, what));
  };
  const std::size_t layers = file.tensors.size() / 2;
  if (layers == 0 || file.tensors.size() % 2 != 0) {
    throw fail(
        fmt::format("expected pairs of tensors dense1.kernel, dense1.bias, ...; found {} "
                    "tensor(s)",
                    file.tensors.size()));
  }
  std::vector<std::size_t> sizes;
  for (std::size_t l = 0; l < layers; ++l) {
    const std::string kname = fmt::format("dense{}.kernel", l + 1);
    const std::string bname = fmt::format("dense{}.bias", l + 1);
    const Tensor* k = file.find(kname);
    const Tensor* b = file.find(bname);
    if (k == nullptr) throw fail(fmt::format("tensor '{}' is missing", kname));
    if (b == nullptr) throw fail(fmt::format("tensor '{}' is missing", bname));
    if (k->shape.size() != 2 || k->shape[0] == 0 || k->shape[1] == 0) {
      throw fail(fmt::format("'{}' must have a shape [in, out] with both positive", kname));
    }
    if (b->shape.size() != 1 || b->shape[0] != k->shape[1]) {
      throw fail(fmt::format("'{}' must have shape [{}] to match '{}'", bname, k->shape[1], kname));
    }
    if (l == 0) sizes.push_back(k->shape[0]);
    if (k->shape[0] != sizes.back()) {
      throw fail(fmt::format("'{}' takes {} inputs but the layer before gives {}", kname,
                             k->shape[0], sizes.back()));
    }
    sizes.push_back(k->shape[1]);
  }
  // The first layer's inputs are an image's pixels: the analysis of a model holds R, pixels^2.
  check_image_pixels(sizes.front(), source);
  if (sizes.back() > kMaxClasses) {
    throw fail(
        fmt::format("'dense{}.kernel' gives {} classes; labels are bytes, so a model has "
                    "at most {} classes",
                    layers, sizes.back(), kMaxClasses));
  }
  ModelFile model{Network(ParameterLayout(sizes)), std::move(file.metadata)};
  for (std::size_t l = 0; l < layers; ++l) {
    const Tensor* k = file.find(fmt::format("dense{}.kernel", l + 1));
    const Tensor* b = file.find(fmt::format("dense{}.bias", l + 1));
    std::copy(k->values.begin(), k->values.end(), model.network.kernel(l).begin());
    std::copy(b->values.begin(), b->values.end(), model.network.bias(l).begin());
  }
  // A NaN or infinite weight makes every prediction meaningless; better to say so on load.
  if (const std::string bad = first_non_finite(model.network); !bad.empty()) {
    throw fail(fmt::format("{}: the weights are not finite", bad));
  }
  return model;
}

std::string first_non_finite(const Network& net) {
  for (std::size_t l = 0; l < net.layout.layers(); ++l) {
    for (const auto& [kind, values] : {std::pair{"kernel", net.kernel(l)}, {"bias", net.bias(l)}}) {
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
          return fmt::format("'dense{}.{}' element {} is {}", l + 1, kind, i, values[i]);
        }
      }
    }
  }
  return {};
}

std::string model_file_bytes(const std::filesystem::path& path, const Network& net,
                             std::map<std::string, std::string> metadata) {
  // Training stops on a non-finite loss, but whatever the path that got here, a model file
  // with NaN or infinite weights is never a result anyone wants to find on disk.
  if (const std::string bad = first_non_finite(net); !bad.empty()) {
    throw InputError(
        fmt::format("{}: refusing to save a model whose weights are not finite ({}); the "
                    "training diverged: use a lower learning rate",
                    path.string(), bad));
  }
  return encode_safetensors(network_to_tensors(net, std::move(metadata)));
}

void save_model(const std::filesystem::path& path, const Network& net,
                std::map<std::string, std::string> metadata) {
  write_file_atomically(path, model_file_bytes(path, net, std::move(metadata)));
}

ModelFile load_model(const std::filesystem::path& path) {
  return network_from_tensors(read_safetensors(path), path.string());
}

}  // namespace savant
