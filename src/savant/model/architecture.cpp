#include "savant/model/architecture.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/names.hpp"
#include "savant/core/random.hpp"

namespace savant {

std::string_view architecture_name(Architecture arch) {
  switch (arch) {
    case Architecture::mlp:
      return "mlp";
    case Architecture::cnn:
      return "cnn";
    case Architecture::local:
      return "local";
    case Architecture::mixer:
      return "mixer";
  }
  return "?";
}

Architecture parse_architecture(std::string_view name) {
  for (Architecture a :
       {Architecture::mlp, Architecture::cnn, Architecture::local, Architecture::mixer}) {
    if (architecture_name(a) == name) return a;
  }
  const std::string guess = closest_name(name, {"mlp", "cnn", "local", "mixer"});
  throw InvalidSetting(
      "model", fmt::format("'{}'", name),
      fmt::format("not a model; {}expected mlp, cnn, local or mixer",
                  guess.empty() ? std::string() : fmt::format("did you mean '{}'? ", guess)));
}

const TensorSpec& ArchLayout::tensor(std::string_view name) const {
  for (const TensorSpec& t : tensors) {
    if (t.name == name) return t;
  }
  throw UsageError(fmt::format("the {} model has no tensor {}", architecture_name(arch), name));
}

namespace {

// Appends a weight and its bias.
struct LayoutBuilder {
  ArchLayout& layout;

  void add(std::string name, TensorKind kind, std::vector<std::size_t> shape, std::size_t fan_in,
           std::size_t fan_out) {
    TensorSpec t{std::move(name), kind, std::move(shape), layout.total, 1, fan_in, fan_out};
    for (std::size_t d : t.shape) t.size *= d;
    layout.total += t.size;
    layout.tensors.push_back(std::move(t));
  }
  void conv(const std::string& name, std::size_t C, std::size_t OC, std::size_t K) {
    add(name + ".weight", TensorKind::conv, {OC, C, K, K}, C * K * K, OC * K * K);
    add(name + ".bias", TensorKind::bias, {OC}, 0, 0);
  }
  void dense(const std::string& name, std::size_t in, std::size_t out) {
    add(name + ".weight", TensorKind::dense, {out, in}, in, out);
    add(name + ".bias", TensorKind::bias, {out}, 0, 0);
  }
  void token_dense(const std::string& name, std::size_t in, std::size_t out) {
    add(name + ".weight", TensorKind::token_dense, {out, in}, in, out);
    add(name + ".bias", TensorKind::bias, {out}, 0, 0);
  }
};

}  // namespace

ArchLayout architecture_layout(Architecture arch, std::size_t rows, std::size_t cols,
                               std::size_t grid, std::size_t classes) {
  ArchLayout layout;
  layout.arch = arch;
  layout.rows = rows;
  layout.cols = cols;
  layout.grid = grid;
  layout.classes = classes;
  LayoutBuilder b{layout};
  switch (arch) {
    case Architecture::mlp:
      throw UsageError("the mlp model is the dense network (model/network.hpp)");
    case Architecture::cnn:
      if (rows % 4 != 0 || cols % 4 != 0) {
        throw InvalidSetting("model", "cnn",
                             fmt::format("its two 2x2 poolings need images whose sides are "
                                         "multiples of 4, not {}x{}",
                                         rows, cols));
      }
      b.conv("conv1", 1, 16, 3);
      b.conv("conv2", 16, 32, 3);
      b.dense("fc1", 32 * (rows / 4) * (cols / 4), 128);
      b.dense("fc2", 128, classes);
      break;
    case Architecture::local:
      b.conv("conv1", 1, 32, 3);
      b.conv("conv2", 32, 32, 3);
      b.conv("conv3", 32, classes, 1);
      break;
    case Architecture::mixer: {
      if (grid < 2 || rows % grid != 0 || cols % grid != 0) {
        throw InvalidSetting("grid", std::to_string(grid),
                             fmt::format("the mixer's tokens are the grid's blocks: it needs at "
                                         "least 2 blocks a side dividing the {}x{} image",
                                         rows, cols));
      }
      const std::size_t tokens = grid * grid, patch = (rows / grid) * (cols / grid);
      b.dense("embed", patch, 64);
      b.token_dense("token_mlp.0", tokens, 64);
      b.token_dense("token_mlp.2", 64, tokens);
      b.dense("channel_mlp.0", 64, 128);
      b.dense("channel_mlp.2", 128, 64);
      b.dense("head", 64, classes);
      break;
    }
  }
  return layout;
}

void glorot_uniform_init(ArchNetwork& net, std::uint64_t seed) {
  std::fill(net.params.begin(), net.params.end(), 0.0f);
  for (std::size_t i = 0; i < net.layout.tensors.size(); ++i) {
    const TensorSpec& t = net.layout.tensors[i];
    if (t.kind == TensorKind::bias) continue;
    const float limit = std::sqrt(6.0f / static_cast<float>(t.fan_in + t.fan_out));
    CounterRng rng(seed, Stream::kInit, i);
    for (std::size_t k = 0; k < t.size; ++k) {
      net.params[t.offset + k] = (2.0f * rng.uniform_float() - 1.0f) * limit;
    }
  }
}

namespace {

// Calls f(here, torch) for every entry: its index in savant's layout and in PyTorch's.
template <typename F>
void for_each_entry(const TensorSpec& spec, F&& f) {
  switch (spec.kind) {
    case TensorKind::bias:
    case TensorKind::token_dense:
      for (std::size_t i = 0; i < spec.size; ++i) f(i, i);
      return;
    case TensorKind::dense: {  // here (in, out), torch (out, in)
      const std::size_t out = spec.shape[0], in = spec.shape[1];
      for (std::size_t i = 0; i < in; ++i) {
        for (std::size_t o = 0; o < out; ++o) f(i * out + o, o * in + i);
      }
      return;
    }
    case TensorKind::conv: {  // here (K, K, C, OC), torch (OC, C, K, K)
      const std::size_t OC = spec.shape[0], C = spec.shape[1], K = spec.shape[2];
      for (std::size_t ky = 0; ky < K; ++ky) {
        for (std::size_t kx = 0; kx < K; ++kx) {
          for (std::size_t c = 0; c < C; ++c) {
            for (std::size_t o = 0; o < OC; ++o) {
              f(((ky * K + kx) * C + c) * OC + o, ((o * C + c) * K + ky) * K + kx);
            }
          }
        }
      }
      return;
    }
  }
}

}  // namespace

std::vector<float> torch_layout(const TensorSpec& spec, std::span<const float> params) {
  std::vector<float> out(spec.size);
  const float* here = params.data() + spec.offset;
  for_each_entry(spec, [&](std::size_t h, std::size_t t) { out[t] = here[h]; });
  return out;
}

void from_torch_layout(const TensorSpec& spec, std::span<const float> torch,
                       std::span<float> params) {
  if (torch.size() != spec.size) {
    throw InputError(
        fmt::format("tensor {}: {} values, expected {}", spec.name, torch.size(), spec.size));
  }
  float* here = params.data() + spec.offset;
  for_each_entry(spec, [&](std::size_t h, std::size_t t) { here[h] = torch[t]; });
}

}  // namespace savant
