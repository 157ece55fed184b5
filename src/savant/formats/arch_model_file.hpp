#pragma once
// A cnn, local or mixer model (model/architecture.hpp) as a safetensors file that PyTorch
// reads: its tensors under the names and in the shapes of the same model's state_dict
// (conv1.weight [out, in, kh, kw], fc1.weight [out, in], token_mlp.0.weight [out, in], ...),
// float32, and the metadata "model" (cnn, local or mixer), "grid", "rows", "cols", "classes"
// that say which architecture the tensors fill. The dense network's file is
// formats/model_file.hpp (Keras' layout). `bench/pytorch_peer.py --load FILE` loads such a
// file into the same PyTorch module with load_state_dict and evaluates it on the test set.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "savant/formats/safetensors.hpp"
#include "savant/model/architecture.hpp"

namespace savant {

struct ArchModelFile {
  ArchNetwork network;
  std::map<std::string, std::string> metadata;
};

// The tensors in PyTorch's layout, with `metadata` and the architecture's own keys added.
TensorFile arch_to_tensors(const ArchNetwork& net, std::map<std::string, std::string> metadata);
// The model the metadata names, filled from the tensors; throws InputError naming `source`
// for a missing key or tensor, a shape that does not fit, or a value that is not finite.
ArchModelFile arch_from_tensors(TensorFile file, std::string_view source);

// The bytes of arch_to_tensors' file; `path` names it in errors. Throws InputError when a
// weight is not finite.
std::string arch_model_file_bytes(const std::filesystem::path& path, const ArchNetwork& net,
                                  std::map<std::string, std::string> metadata);
// arch_model_file_bytes written atomically to `path`.
void save_arch_model(const std::filesystem::path& path, const ArchNetwork& net,
                     std::map<std::string, std::string> metadata);
ArchModelFile load_arch_model(const std::filesystem::path& path);

}  // namespace savant
