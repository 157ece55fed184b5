#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "savant/core/random.hpp"
#include "savant/model/evaluate.hpp"

namespace savant::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "savant-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::uint8_t> predicted_labels(const Network& net, const ImageSet& images) {
  std::vector<std::uint8_t> labels;
  for (const Prediction& p : predict(net, images)) labels.push_back(p.label);
  return labels;
}

Split random_split(std::size_t count, std::size_t rows, std::size_t cols, int classes,
                   std::uint64_t seed) {
  Split split;
  split.images = {count, rows, cols, std::vector<std::uint8_t>(count * rows * cols)};
  CounterRng rng(seed, Stream::kInit, 999);
  for (auto& p : split.images.pixels) p = static_cast<std::uint8_t>(rng.uniform_below(256));
  for (std::size_t k = 0; k < count; ++k) {
    split.labels.push_back(
        static_cast<std::uint8_t>(rng.uniform_below(static_cast<std::uint32_t>(classes))));
  }
  return split;
}

void write_dataset(const std::filesystem::path& dir, const Split& train, const Split& test,
                   bool gzip) {
  std::filesystem::create_directories(dir);
  const std::string ext = gzip ? ".gz" : "";
  write_idx_images(dir / ("train-images-idx3-ubyte" + ext), train.images);
  write_idx_labels(dir / ("train-labels-idx1-ubyte" + ext), train.labels);
  write_idx_images(dir / ("t10k-images-idx3-ubyte" + ext), test.images);
  write_idx_labels(dir / ("t10k-labels-idx1-ubyte" + ext), test.labels);
}

std::filesystem::path real_data_dir() {
  std::filesystem::path dir = default_data_dir();
  std::error_code ec;
  if (std::filesystem::exists(dir / "train-images-idx3-ubyte.gz", ec) ||
      std::filesystem::exists(dir / "train-images-idx3-ubyte", ec)) {
    return dir;
  }
  return {};
}

int spawn_savant(const std::vector<std::string>& args) {
  std::vector<std::string> all = {savant_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_for(int pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string savant_ok(const std::string& args) {
  const CommandResult r = run_command(savant_binary() + " " + args);
  EXPECT_EQ(r.exit_code, 0) << "savant " << args << "\n" << r.output;
  return r.output;
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

CommandResult run_command(const std::string& command) {
  std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, output};
}

}  // namespace savant::testing
