// Numerical faults, through the real binary: a diverging training run stops with a message
// naming the model, epoch and step, and writes no model with NaN weights. (Kills at random
// moments: test_output_sets.cpp.)

#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "savant/core/error.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/formats/model_file.hpp"
#include "support/result_files.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {

// What a run with the default figures writes, as the library lists it.
const std::vector<std::string> kRunOutputs = run_output_names(kDefaultFigureFormats);
const std::set<std::string> kResultFiles(kRunOutputs.begin(), kRunOutputs.end());

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

TEST_F(CrashSafety, DivergingTrainingStopsNamingModelEpochAndStep) {
  const auto out = dir_ / "out";
  const CommandResult r =
      run_command(savant_binary() + " reproduce --data " + (dir_ / "data").string() + " --out " +
                  out.string() + " --epochs 2 --hidden 64 --learning-rate 1e30");
  SCOPED_TRACE(r.output);
  EXPECT_EQ(r.exit_code, 3);  // did not learn
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
                  out.string() + " --epochs 1 --learning-rate 1e30");
  EXPECT_EQ(r.exit_code, 3) << r.output;        // did not learn
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
