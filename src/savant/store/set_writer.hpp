#pragma once
// Writes the files of one output set into its directory (an OutputSet's staging directory,
// core/output_set.hpp), each atomically, and records each file's size and SHA-256 from the bytes
// it writes: the set's manifest (experiment/run_set.hpp) costs no second read of any file.
//
//   SetWriter files(set.staging());
//   files.write("predictions.csv", csv);            // from any thread
//   nlohmann::json manifest = files.manifest(names);

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace savant {

class SetWriter {
 public:
  explicit SetWriter(std::filesystem::path dir);

  // Writes `bytes` as DIR/name (write_file_atomically) and records them. Threads may write
  // different names at once.
  void write(const std::string& name, std::string_view bytes);

  // {file, bytes, sha256} of each written file among `names`, in the order of `names`: what
  // file_manifest (run_set.hpp) computes by reading the files back.
  nlohmann::json manifest(std::span<const std::string> names) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct Written {
    std::uint64_t bytes = 0;
    std::string sha256;
  };
  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  std::map<std::string, Written> written_;
};

}  // namespace savant
