#include "savant/store/set_writer.hpp"

#include "savant/core/atomic_file.hpp"
#include "savant/core/checksum.hpp"

namespace savant {

SetWriter::SetWriter(std::filesystem::path dir) : dir_(std::move(dir)) {}

void SetWriter::write(const std::string& name, std::string_view bytes) {
  write_file_atomically(dir_ / name, bytes);
  Written entry{bytes.size(), sha256_hex(bytes)};
  const std::lock_guard lock(mutex_);
  written_[name] = std::move(entry);
}

nlohmann::json SetWriter::manifest(std::span<const std::string> names) const {
  const std::lock_guard lock(mutex_);
  nlohmann::json manifest = nlohmann::json::array();
  for (const std::string& name : names) {
    const auto it = written_.find(name);
    if (it == written_.end()) continue;
    manifest.push_back(
        {{"file", name}, {"bytes", it->second.bytes}, {"sha256", it->second.sha256}});
  }
  return manifest;
}

}  // namespace savant
