#pragma once
// safetensors (https://huggingface.co/docs/safetensors): an 8-byte little-endian header size N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}},
// then the tensors' bytes. savant writes and reads float32 tensors.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace savant {

struct Tensor {
  std::string name;
  std::vector<std::size_t> shape;
  std::vector<float> values;
};

struct TensorFile {
  std::map<std::string, std::string> metadata;
  std::vector<Tensor> tensors;  // in the order of their data offsets

  const Tensor* find(std::string_view name) const;
};

// The file's bytes: tensors in the given order, header padded with spaces to 8 bytes.
std::string encode_safetensors(const TensorFile& file);

// Parses and validates: header size against the file size, JSON, every entry's dtype (F32),
// shape against its byte length, offsets inside the data and neither overlapping nor leaving
// gaps. `source` names the file in errors.
TensorFile decode_safetensors(std::string_view bytes, std::string_view source);

// Throws savant::Error, naming the file, for anything but a regular file (core/input_file.hpp) and
// for a file of more than kMaxModelFile bytes, besides decode_safetensors' errors.
TensorFile read_safetensors(const std::filesystem::path& path);
void write_safetensors(const std::filesystem::path& path, const TensorFile& file);

// Largest header accepted. The format's own limit is 100 MB, for files of thousands of tensors;
// a savant model has two per layer (at most 17 layers) and its metadata, about 2 KB in all.
inline constexpr std::uint64_t kMaxSafetensorsHeader = 1 << 20;

// Largest model file read (it is read whole, and loading a model holds about three copies of its
// weights). The article's models are 400 KB; the largest first layer savant takes (4096 pixels
// into 65536 hidden units) is 1 GiB of float32 weights.
inline constexpr std::uint64_t kMaxModelFile = std::uint64_t{4} << 30;

}  // namespace savant
