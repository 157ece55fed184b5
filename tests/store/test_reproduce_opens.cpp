// A run is computed once and written once (docs/ARCHITECTURE.md, "One run"): `savant reproduce`,
// traced with strace, opens each file of its data set once and opens none of the files it
// writes for reading. Skipped where strace is missing (scripts/setup installs it) or may not
// trace.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;
using testing::run_command;
using testing::savant_binary;
using testing::TempDir;

struct Open {
  fs::path path;
  std::string flags;
};

// The openat calls of an `strace -f -y -e trace=openat` log. With -y a directory descriptor is
// printed with its path ("3</tmp/run>"), so a name opened relative to one is resolved here.
std::vector<Open> opens_of(const fs::path& log) {
  static const std::regex call(R"re(openat\(([^,]*), "((?:[^"\\]|\\.)*)", ([A-Z0-9_|]+))re");
  static const std::regex descriptor(R"re(^(?:AT_FDCWD|\d+)(?:<(.*)>)?$)re");
  std::vector<Open> opens;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, call)) continue;
    fs::path path = m[2].str();
    std::smatch d;
    const std::string dirfd = m[1].str();
    if (path.is_relative() && std::regex_match(dirfd, d, descriptor) && d[1].matched) {
      path = fs::path(d[1].str()) / path;
    }
    opens.push_back({path.lexically_normal(), m[3].str()});
  }
  return opens;
}

bool under(const fs::path& path, const fs::path& dir) {
  const std::string p = path.string(), d = dir.string() + "/";
  return p.compare(0, d.size(), d) == 0;
}

TEST(ReproduceOpens, EachInputOnceAndNoneOfItsOutputsForReading) {
  if (run_command("command -v strace").exit_code != 0) {
    GTEST_SKIP() << "strace is not installed (scripts/setup installs it)";
  }
  TempDir dir;
  const fs::path base = fs::canonical(dir.path());
  const fs::path data = base / "data", runs = base / "runs", log = base / "trace.log";
  testing::write_dataset(data, testing::random_split(200, 28, 28, 10, 11),
                         testing::random_split(40, 28, 28, 10, 12), true);
  fs::create_directories(runs);
  const auto r =
      run_command("strace -f -y -qq -e trace=openat -o " + log.string() + " " + savant_binary() +
                  " reproduce --quiet --epochs 1 --train-limit 100 " + "--threads 2 --data " +
                  data.string() + " --out " + (runs / "run").string());
  if (r.exit_code != 0 && r.output.find("ptrace") != std::string::npos) {
    GTEST_SKIP() << "strace may not trace here: " << r.output;
  }
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(runs / "run" / "report.html"));
  const std::vector<Open> opens = opens_of(log);
  ASSERT_FALSE(opens.empty()) << "no openat in " << log;

  std::map<fs::path, int> input_opens;
  for (const auto& entry : fs::directory_iterator(data)) input_opens[entry.path()] = 0;
  ASSERT_EQ(input_opens.size(), 4u);
  for (const Open& open : opens) {
    if (auto it = input_opens.find(open.path); it != input_opens.end()) ++it->second;
    // Under runs/ lie only the run directory and its staging directory (core/output_set.hpp):
    // everything there is the run's output, or a directory it holds open to lock or sync.
    // O_RDWR | O_CREAT | O_EXCL: the lock (core/output_lock.hpp), a new file.
    const auto has = [&](const char* flag) { return open.flags.find(flag) != std::string::npos; };
    const bool reads = has("O_RDONLY") || (has("O_RDWR") && !has("O_CREAT"));
    if (reads && under(open.path, runs) && !has("O_DIRECTORY") && !fs::is_directory(open.path)) {
      ADD_FAILURE() << "reproduce opened its own output for reading: " << open.path << " ("
                    << open.flags << ")";
    }
  }
  for (const auto& [path, count] : input_opens) {
    EXPECT_EQ(count, 1) << path << " opened " << count << " times";
  }
}

}  // namespace
}  // namespace savant
