#pragma once
// A network as a safetensors file in Keras' layout: dense1.kernel [in, hidden], dense1.bias
// [hidden], ..., denseN.kernel [hidden, classes], denseN.bias [classes]; float32.

#include <filesystem>
#include <map>
#include <string>

#include "savant/formats/safetensors.hpp"
#include "savant/model/network.hpp"

namespace savant {

struct ModelFile {
  Network network;
  std::map<std::string, std::string> metadata;
};

// Labels are bytes (IDX files, model/evaluate.hpp's predictions): a model has at most 256
// classes.
inline constexpr std::size_t kMaxClasses = 256;

TensorFile network_to_tensors(const Network& net, std::map<std::string, std::string> metadata);
// Checks that the tensors form a chain of dense layers: names dense1..denseN, shapes that fit,
// at most kMaxClasses classes, finite values.
ModelFile network_from_tensors(TensorFile file, std::string_view source);

// The first parameter of `net` that is NaN or infinite, as "'dense1.kernel' element 3 is nan";
// empty when every one is finite.
std::string first_non_finite(const Network& net);

// The bytes of the model's safetensors file; `path` names it in errors. Throws Error when a
// weight is not finite.
std::string model_file_bytes(const std::filesystem::path& path, const Network& net,
                             std::map<std::string, std::string> metadata);
// model_file_bytes written atomically to `path`.
void save_model(const std::filesystem::path& path, const Network& net,
                std::map<std::string, std::string> metadata);
ModelFile load_model(const std::filesystem::path& path);

}  // namespace savant
