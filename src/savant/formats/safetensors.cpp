#include "savant/formats/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/input_file.hpp"
#include "savant/core/json_input.hpp"

namespace savant {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

[[noreturn]] void fail(std::string_view source, std::string_view what) {
  throw InputError(fmt::format("{}: not a valid safetensors model file: {}", source, what));
}

}  // namespace

const Tensor* TensorFile::find(std::string_view name) const {
  for (const Tensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string encode_safetensors(const TensorFile& file) {
  // An object even when there is nothing to put in it: a default json is null, and a file
  // whose header is "null" is not a safetensors file (found by fuzz_safetensors' round trip).
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::size_t offset = 0;
  for (const Tensor& t : file.tensors) {
    const std::size_t bytes = t.values.size() * sizeof(float);
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  std::uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  out += json;
  for (const Tensor& t : file.tensors) {
    out.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * sizeof(float));
  }
  return out;
}

TensorFile decode_safetensors(std::string_view bytes, std::string_view source) {
  if (bytes.size() < 8)
    fail(source, fmt::format("{} bytes is too short for the 8-byte header size", bytes.size()));
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  if (header_size > kMaxSafetensorsHeader) {
    fail(source, fmt::format("header size {} exceeds the limit of {} bytes", header_size,
                             kMaxSafetensorsHeader));
  }
  if (header_size > bytes.size() - 8) {
    fail(source, fmt::format("header size {} runs past the end of the {}-byte file (truncated?)",
                             header_size, bytes.size()));
  }
  const std::string_view header_text = bytes.substr(8, header_size);
  const std::string_view data = bytes.substr(8 + header_size);
  nlohmann::json header;
  try {
    header = parse_json(header_text, source);
  } catch (const JsonError& e) {
    fail(source, "the header " + e.problem());
  }
  if (!header.is_object()) fail(source, "the header is not a JSON object");

  TensorFile file;
  struct Span {
    std::uint64_t begin, end;
    std::size_t index;
  };
  std::vector<Span> spans;
  for (auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail(source, "__metadata__ is not an object");
      for (auto& [key, value] : entry.items()) {
        if (!value.is_string()) fail(source, fmt::format("metadata '{}' is not a string", key));
        file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    if (!entry.is_object()) fail(source, fmt::format("tensor '{}' is not an object", name));
    if (!entry.contains("dtype") || !entry["dtype"].is_string()) {
      fail(source, fmt::format("tensor '{}' has no dtype", name));
    }
    if (entry["dtype"] != "F32") {
      fail(source, fmt::format("tensor '{}' has dtype {}; savant reads F32 only", name,
                               entry["dtype"].get<std::string>()));
    }
    if (!entry.contains("shape") || !entry["shape"].is_array()) {
      fail(source, fmt::format("tensor '{}' has no shape", name));
    }
    Tensor t;
    t.name = name;
    std::uint64_t elements = 1;
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned())
        fail(source, fmt::format("tensor '{}': shape must hold non-negative integers", name));
      const std::uint64_t dim = d.get<std::uint64_t>();
      if (dim != 0 && elements > bytes.size() / dim) {
        fail(source, fmt::format("tensor '{}': shape is larger than the file", name));
      }
      elements *= dim;
      t.shape.push_back(static_cast<std::size_t>(dim));
    }
    const auto& offsets = entry.contains("data_offsets") ? entry["data_offsets"] : nlohmann::json();
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      fail(source, fmt::format("tensor '{}': data_offsets must be [begin, end]", name));
    }
    const std::uint64_t begin = offsets[0].get<std::uint64_t>(),
                        end = offsets[1].get<std::uint64_t>();
    if (begin > end || end > data.size()) {
      fail(source, fmt::format("tensor '{}': data_offsets [{}, {}] lie outside the {} data bytes",
                               name, begin, end, data.size()));
    }
    if (end - begin != elements * sizeof(float)) {
      fail(source, fmt::format("tensor '{}': shape needs {} bytes but data_offsets span {}", name,
                               elements * sizeof(float), end - begin));
    }
    t.values.resize(static_cast<std::size_t>(elements));
    if (elements > 0)
      std::memcpy(t.values.data(), data.data() + begin, static_cast<std::size_t>(end - begin));
    spans.push_back({begin, end, file.tensors.size()});
    file.tensors.push_back(std::move(t));
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (const Span& s : spans) {
    const std::string& name = file.tensors[s.index].name;
    if (s.begin < expected) fail(source, fmt::format("tensor '{}' overlaps another tensor", name));
    if (s.begin > expected)
      fail(source, fmt::format("a gap of unused bytes before tensor '{}'", name));
    expected = s.end;
  }
  if (expected != data.size()) {
    fail(source, fmt::format("{} bytes after the last tensor are not described by the header",
                             data.size() - expected));
  }
  std::vector<Tensor> ordered;
  for (const Span& s : spans) ordered.push_back(std::move(file.tensors[s.index]));
  file.tensors = std::move(ordered);
  return file;
}

TensorFile read_safetensors(const std::filesystem::path& path) {
  // The whole file is read into memory, so only a regular file (a device or a pipe would never
  // end) of at most kMaxModelFile bytes.
  const std::string bytes = read_input_file(path, "a .safetensors model file", kMaxModelFile);
  return decode_safetensors(bytes, path.string());
}

void write_safetensors(const std::filesystem::path& path, const TensorFile& file) {
  write_file_atomically(path, encode_safetensors(file));
}

}  // namespace savant
