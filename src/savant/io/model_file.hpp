#pragma once
// A network as a safetensors file in Keras' layout: dense1.kernel [in, hidden], dense1.bias
// [hidden], ..., denseN.kernel [hidden, classes], denseN.bias [classes]; float32.

#include <filesystem>
#include <map>
#include <string>

#include "savant/io/safetensors.hpp"
#include "savant/model/network.hpp"

namespace savant {

struct ModelFile {
  Network network;
  std::map<std::string, std::string> metadata;
};

TensorFile network_to_tensors(const Network& net, std::map<std::string, std::string> metadata);
// Checks that the tensors form a chain of dense layers: names dense1..denseN, shapes that fit.
ModelFile network_from_tensors(TensorFile file, std::string_view source);

void save_model(const std::filesystem::path& path, const Network& net,
                std::map<std::string, std::string> metadata);
ModelFile load_model(const std::filesystem::path& path);

}  // namespace savant
