// Crash safety and numerical faults, through the real binary: `savant reproduce` killed with
// SIGKILL at random moments leaves only complete files; a diverging training run stops with a
// message naming the model, epoch and step, and writes no model with NaN weights.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "savant/core/error.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/io/model_file.hpp"
#include "support/result_files.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {

// What a run with the default figures writes, as the library lists it.
const std::vector<std::string> kRunOutputs = run_output_names(kDefaultFigureFormats);
const std::set<std::string> kResultFiles(kRunOutputs.begin(), kRunOutputs.end());

// Starts savant with `args` (output silenced); returns its process id.
pid_t spawn_savant(const std::vector<std::string>& args) {
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

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Every result file in `out` is whole; temporaries of a killed writer are ignored (they are
// not results, and the next run removes them). Returns the result files found.
std::set<std::string> check_outputs(const std::filesystem::path& out) {
  std::set<std::string> found;
  for (const auto& file : files_under(out)) {
    if (is_atomic_temporary(file)) continue;
    EXPECT_EQ(result_file_problem(file), "") << file;
    found.insert(file.filename().string());
  }
  return found;
}

// Waits until `out` has shown `n` distinct temporaries of write_file_atomically (a write is
// under way): returns nullopt then, with the process still running; or, when the process
// ends first, its exit code.
std::optional<int> wait_for_temporaries(pid_t pid, const std::filesystem::path& out,
                                        std::size_t n) {
  std::set<std::string> seen;
  for (;;) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec)) {
      if (is_atomic_temporary(it->path())) seen.insert(it->path().filename().string());
    }
    if (seen.size() >= n) return std::nullopt;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

class CrashSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    // Big enough that a run takes a while (so that kills land in every phase), small enough
    // that the whole test takes seconds.
    write_dataset(dir_ / "data", random_split(3000, 16, 16, 10, 1),
                  random_split(500, 16, 16, 10, 2), false);
  }
  std::vector<std::string> reproduce_args(const std::filesystem::path& out,
                                          const std::string& seed) const {
    return {"reproduce", "--data",     (dir_ / "data").string(),
            "--out",     out.string(), "--epochs",
            "2",         "--hidden",   "64",
            "--seed",    seed,         "--threads",
            "1"};
  }
  TempDir dir_;
};

TEST_F(CrashSafety, KilledRunLeavesOnlyCompleteFiles) {
  const auto out = dir_ / "out";
  // A complete earlier run, timed to know when to kill the next ones.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(out, "1"))), 0);
  const auto full_run = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(check_outputs(out), kResultFiles);

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("kill delays drawn with seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const auto full_us = std::chrono::duration_cast<std::chrono::microseconds>(full_run).count();
  constexpr int kKills = 10;
  int mid_write = 0;
  for (int k = 0; k < kKills; ++k) {
    const pid_t pid = spawn_savant(reproduce_args(out, std::to_string(k + 2)));
    int code = 0;
    if (k % 2 == 0) {
      // Anywhere in the run, or near its end, where the files are written.
      std::uniform_int_distribution<long> delay(k % 4 == 0 ? 0 : full_us * 8 / 10, full_us);
      const long wait_us = delay(rng);
      SCOPED_TRACE("kill " + std::to_string(k) + " after " + std::to_string(wait_us) + " us");
      std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
      ::kill(pid, SIGKILL);
      code = wait_for(pid);
    } else {
      // In the middle of writing the n-th file: between creating its temporary and renaming.
      const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 6)(rng);
      SCOPED_TRACE("kill " + std::to_string(k) + " while writing file " + std::to_string(n));
      if (const std::optional<int> ended = wait_for_temporaries(pid, out, n)) {
        code = *ended;
      } else {
        ::kill(pid, SIGKILL);
        code = wait_for(pid);
        ++mid_write;
      }
    }
    EXPECT_TRUE(code == 128 + SIGKILL || code == 0) << "exit code " << code;
    EXPECT_EQ(check_outputs(out), kResultFiles);
  }
  // Not a guarantee (a file can be written between two looks), but the temporaries live for
  // milliseconds and the directory is looked at every 50 us.
  EXPECT_GE(mid_write, 1) << "no kill landed while a file was being written";

  // A run that finishes clears the temporaries the killed ones left.
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(out, "99"))), 0);
  EXPECT_EQ(check_outputs(out), kResultFiles);
  for (const auto& file : files_under(out)) EXPECT_FALSE(is_atomic_temporary(file)) << file;
}

TEST_F(CrashSafety, DivergingTrainingStopsNamingModelEpochAndStep) {
  const auto out = dir_ / "out";
  const CommandResult r =
      run_command(savant_binary() + " reproduce --data " + (dir_ / "data").string() + " --out " +
                  out.string() + " --epochs 2 --hidden 64 --lr 1e30");
  SCOPED_TRACE(r.output);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_search(
      r.output,
      std::regex(R"((original|shuffled)_model: training diverged at epoch \d+, step \d+)")));
  EXPECT_EQ(r.output.find("Accuracy"), std::string::npos);
  EXPECT_TRUE(files_under(out).empty()) << "a diverged run wrote files";
}

TEST_F(CrashSafety, DivergingRunKeepsTheEarlierCompleteResults) {
  const auto out = dir_ / "out";
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(out, "1"))), 0);
  const CommandResult r =
      run_command(savant_binary() + " reproduce --data " + (dir_ / "data").string() + " --out " +
                  out.string() + " --epochs 1 --lr 1e30");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(check_outputs(out), kResultFiles);  // finite weights, checked file by file
}

TEST(SaveModel, RefusesNonFiniteWeights) {
  TempDir dir;
  Network net(dense_layout(4, 3, 1, 2));
  net.params[5] = std::nanf("");
  try {
    save_model(dir / "m.safetensors", net, {});
    FAIL() << "a model with a NaN weight was saved";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'dense1.kernel' element 5"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(files_under(dir.path()).empty());
}

}  // namespace
}  // namespace savant::testing
