#pragma once
// Helpers shared by the tests: a temporary directory that cleans up after itself, small IDX
// data sets built with savant's own writer, and the real data set when it is installed.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/data/dataset.hpp"
#include "savant/model/network.hpp"

namespace savant::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Random images (rows x cols) and labels below `classes`, deterministic in `seed`.
Split random_split(std::size_t count, std::size_t rows, std::size_t cols, int classes,
                   std::uint64_t seed);

// The class `net` predicts for each image: labels under which the model is always right.
std::vector<std::uint8_t> predicted_labels(const Network& net, const ImageSet& images);

// Writes the four IDX files of a data set into `dir` (gzip when `gzip`).
void write_dataset(const std::filesystem::path& dir, const Split& train, const Split& test,
                   bool gzip);

// The installed Fashion-MNIST (or $SAVANT_DATA), or empty when it is not there.
std::filesystem::path real_data_dir();

// The first line of a test body that needs the real data: skips the test, saying why, without it.
#define REQUIRE_REAL_DATA()                                                                    \
  if (::savant::testing::real_data_dir().empty())                                              \
  GTEST_SKIP() << "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or " \
                  "set SAVANT_DATA); skipping the end-to-end test"

// Runs a shell command; returns its exit status and what it printed (stdout and stderr).
struct CommandResult {
  int exit_code;
  std::string output;
};
CommandResult run_command(const std::string& command);

// Starts savant with `args`, its output silenced, without waiting; returns its process id.
int spawn_savant(const std::vector<std::string>& args);
// Waits for a process; returns its exit status, or 128 + the signal that ended it.
int wait_for(int pid);

// Runs savant with `args` (a shell word list); fails the test unless it exits 0. Returns stdout
// and stderr.
std::string savant_ok(const std::string& args);

// A file's bytes; empty when it cannot be read.
std::string file_text(const std::filesystem::path& path);

// A JSON file, parsed (nlohmann's exception when it is not JSON).
nlohmann::json read_json_file(const std::filesystem::path& path);

// The savant executable built with the tests.
inline std::string savant_binary() {
  return SAVANT_BINARY;
}

}  // namespace savant::testing
