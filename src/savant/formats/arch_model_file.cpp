#include "savant/formats/arch_model_file.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"

namespace savant {

namespace {

std::size_t metadata_size(const std::map<std::string, std::string>& metadata,
                          const std::string& key, std::string_view source) {
  const auto it = metadata.find(key);
  std::size_t value = 0;
  if (it == metadata.end()) {
    throw InputError(fmt::format("{}: not a savant model: metadata '{}' is missing", source, key));
  }
  const char* end = it->second.data() + it->second.size();
  const auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  if (ec != std::errc() || ptr != end || value == 0 || value > 4096) {
    throw InputError(
        fmt::format("{}: not a savant model: metadata '{}' is '{}', expected a "
                    "whole number from 1 to 4096",
                    source, key, it->second));
  }
  return value;
}

}  // namespace

TensorFile arch_to_tensors(const ArchNetwork& net, std::map<std::string, std::string> metadata) {
  TensorFile file;
  file.metadata = std::move(metadata);
  const ArchLayout& l = net.layout;
  file.metadata["model"] = std::string(architecture_name(l.arch));
  file.metadata["grid"] = std::to_string(l.grid);
  file.metadata["rows"] = std::to_string(l.rows);
  file.metadata["cols"] = std::to_string(l.cols);
  file.metadata["classes"] = std::to_string(l.classes);
  for (const TensorSpec& t : l.tensors) {
    file.tensors.push_back({t.name, t.shape, torch_layout(t, net.params)});
  }
  return file;
}

ArchModelFile arch_from_tensors(TensorFile file, std::string_view source) {
  const auto model = file.metadata.find("model");
  if (model == file.metadata.end()) {
    throw InputError(fmt::format("{}: not a savant model: metadata 'model' is missing", source));
  }
  if (model->second != "cnn" && model->second != "local" && model->second != "mixer") {
    throw InputError(fmt::format("{}: metadata 'model' is '{}', expected cnn, local or mixer",
                                 source, model->second));
  }
  const std::size_t rows = metadata_size(file.metadata, "rows", source),
                    cols = metadata_size(file.metadata, "cols", source),
                    grid = metadata_size(file.metadata, "grid", source),
                    classes = metadata_size(file.metadata, "classes", source);
  ArchLayout layout;
  try {
    layout = architecture_layout(parse_architecture(model->second), rows, cols, grid, classes);
  } catch (const InvalidSetting& e) {
    throw InputError(fmt::format("{}: the metadata describe no model: {}", source, e.what()));
  }
  ArchNetwork net(std::move(layout));
  for (const TensorSpec& t : net.layout.tensors) {
    const Tensor* tensor = file.find(t.name);
    if (tensor == nullptr) {
      throw InputError(
          fmt::format("{}: not a {} model: tensor '{}' is missing", source, model->second, t.name));
    }
    if (tensor->shape != t.shape) {
      throw InputError(fmt::format("{}: tensor '{}' has shape [{}], expected [{}]", source, t.name,
                                   fmt::join(tensor->shape, ", "), fmt::join(t.shape, ", ")));
    }
    for (std::size_t i = 0; i < tensor->values.size(); ++i) {
      if (!std::isfinite(tensor->values[i])) {
        throw InputError(fmt::format("{}: '{}' element {} is {}: the weights are not finite",
                                     source, t.name, i, tensor->values[i]));
      }
    }
    from_torch_layout(t, tensor->values, net.params);
  }
  if (file.tensors.size() != net.layout.tensors.size()) {
    throw InputError(fmt::format("{}: {} tensors, but a {} model has {}", source,
                                 file.tensors.size(), model->second, net.layout.tensors.size()));
  }
  return {std::move(net), std::move(file.metadata)};
}

std::string arch_model_file_bytes(const std::filesystem::path& path, const ArchNetwork& net,
                                  std::map<std::string, std::string> metadata) {
  for (std::size_t i = 0; i < net.params.size(); ++i) {
    if (!std::isfinite(net.params[i])) {
      throw InputError(
          fmt::format("{}: refusing to save a model whose weights are not finite "
                      "(parameter {} is {}); the training diverged",
                      path.string(), i, net.params[i]));
    }
  }
  return encode_safetensors(arch_to_tensors(net, std::move(metadata)));
}

void save_arch_model(const std::filesystem::path& path, const ArchNetwork& net,
                     std::map<std::string, std::string> metadata) {
  write_file_atomically(path, arch_model_file_bytes(path, net, std::move(metadata)));
}

ArchModelFile load_arch_model(const std::filesystem::path& path) {
  return arch_from_tensors(read_safetensors(path), path.string());
}

}  // namespace savant
