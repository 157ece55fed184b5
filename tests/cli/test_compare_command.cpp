// savant compare, the command (src/cli/compare_command.cpp): the numbers reproduce writes for its
// two models, the table, --json, its warnings, and its errors with their exit codes. The
// comparison itself is tested in tests/experiment/test_compare.cpp.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/experiment/compare.hpp"
#include "support/test_support.hpp"
#include "support/two_models.hpp"

namespace savant {
namespace {

using testing::read_json_file;
using testing::run_command;
using testing::savant_binary;
using testing::savant_ok;
using testing::TempDir;

using CompareCommand = testing::TwoModelsOnSmallData;

TEST(CompareCommandOnARun, GivesTheNumbersReproduceWritesForItsTwoModels) {
  TempDir dir;
  // More test images than reproduce uses, so that both take the first kUnitTestImages.
  testing::write_dataset(dir / "data", testing::random_split(200, 8, 8, 10, 1),
                         testing::random_split(kUnitTestImages + 30, 8, 8, 10, 2), true);
  const std::string data = (dir / "data").string(), run = (dir / "run").string();
  savant_ok("reproduce --hidden 12 --epochs 1 --batch 20 --seed 5 --data " + data + " --out " +
            run);
  const nlohmann::json units = read_json_file(dir / "run" / "results.json")["units"];
  const auto out = dir / "compare.json";
  savant_ok("compare --json --threads 1 --data " + data + " " + run +
            "/original_model.safetensors " + run + "/shuffled_model.safetensors > " + out.string());
  const nlohmann::json j = read_json_file(out);
  EXPECT_EQ(j["test"]["test_images"], units["test_images"]);
  EXPECT_EQ(j["test"]["test_count"], kUnitTestImages + 30);
  for (const char* set : {"original_test", "shuffled_test"}) {
    EXPECT_NEAR(j["comparison"][set]["cka"].get<double>(),
                units["comparison"][set]["cka"].get<double>(), 1e-12)
        << set;
    EXPECT_EQ(j["comparison"][set]["agreement"], units["comparison"][set]["agreement"]) << set;
  }
  EXPECT_TRUE(j["warnings"].empty()) << j["warnings"];
  // All the test images: the accuracies are those of results.json.
  savant_ok("compare --json --all-images --data " + data + " " + run +
            "/original_model.safetensors " + run + "/shuffled_model.safetensors > " + out.string());
  const nlohmann::json all = read_json_file(out);
  const nlohmann::json accuracy = read_json_file(dir / "run" / "results.json")["accuracy"];
  EXPECT_EQ(all["test"]["test_images"], kUnitTestImages + 30);
  for (const char* set : {"original_test", "shuffled_test"}) {
    EXPECT_DOUBLE_EQ(all["accuracy"]["model_a"][set].get<double>(),
                     accuracy["original_model"][set].get<double>());
    EXPECT_DOUBLE_EQ(all["accuracy"]["model_b"][set].get<double>(),
                     accuracy["shuffled_model"][set].get<double>());
  }
}

TEST_F(CompareCommand, PrintsATableOrJson) {
  const std::string out =
      savant_ok("compare --data " + data() + " " + model("shuffled") + " " + model("shuffled"));
  EXPECT_NE(out.find("Test images: all 80 in "), std::string::npos) << out;
  EXPECT_NE(out.find("shuffled with grid 4, derange, seed 9 (model A's)"), std::string::npos)
      << out;
  EXPECT_NE(out.find("  linear CKA                 1.0000          1.0000"), std::string::npos)
      << out;
  EXPECT_NE(out.find("  same class                 100.0%          100.0%"), std::string::npos)
      << out;
  EXPECT_NE(out.find("accuracy of B"), std::string::npos) << out;

  const auto file = dir_ / "compare.json";
  savant_ok("compare --json --data " + data() + " " + model("original") + " " + model("shuffled") +
            " > " + file.string());
  const nlohmann::json j = read_json_file(file);
  EXPECT_EQ(j["model_a"]["path"], model("original"));
  EXPECT_EQ(j["model_b"]["trained"]["train_on"], "shuffled");
  EXPECT_EQ(j["test"]["grid"], 4);
  EXPECT_EQ(j["test"]["seed"], 9);
  EXPECT_EQ(j["test"]["shuffle"], "derange");
  for (const char* set : {"original_test", "shuffled_test"}) {
    const double cka = j["comparison"][set]["cka"].get<double>();
    EXPECT_GT(cka, 0.0);
    EXPECT_LT(cka, 1.0);
    EXPECT_TRUE(j["accuracy"]["model_a"].contains(set));
  }
}

TEST_F(CompareCommand, WarnsWhenTheSecondModelWasShuffledOtherwise) {
  const std::string other = (dir_ / "grid2.safetensors").string();
  savant_ok("train --train-on shuffled --grid 2 --hidden 16 --epochs 1 --seed 9 --data " + data() +
            " --out " + other);
  const std::string out =
      savant_ok("compare --data " + data() + " " + model("original") + " " + other);
  EXPECT_NE(out.find("savant: warning: " + other +
                     " was trained with grid 2, shuffle derange, seed 9 but the shuffled test "
                     "images are " +
                     model("original") + "'s (grid 4, shuffle derange, seed 9)"),
            std::string::npos)
      << out;
  // A model trained on original images used no shuffle: its seed is no reason to warn.
  const std::string seed3 = (dir_ / "seed3.safetensors").string();
  savant_ok("train --train-on original --grid 4 --hidden 16 --epochs 1 --seed 3 --data " + data() +
            " --out " + seed3);
  const std::string quiet =
      savant_ok("compare --data " + data() + " " + model("original") + " " + seed3);
  EXPECT_EQ(quiet.find("warning"), std::string::npos) << quiet;
}

TEST_F(CompareCommand, BadInputsGetAMessageAndAnExitCode) {
  struct Case {
    std::string args;
    int exit_code;
    std::string message;
  };
  testing::write_dataset(dir_ / "big", testing::random_split(20, 14, 14, 10, 1),
                         testing::random_split(20, 14, 14, 10, 2), false);
  const std::string a = model("original");
  for (const Case& c : std::vector<Case>{
           {"compare", 2, "MODEL_A is required"},
           {"compare " + a, 2, "MODEL_B is required"},
           {"compare " + a + " " + a + " extra", 2, "extra"},
           {"compare " + a + " " + (dir_ / "nope.safetensors").string(), 4, "nope.safetensors"},
           {"compare " + a + " " + data(), 1, "is a directory"},
           {"compare --data " + (dir_ / "big").string() + " " + a + " " + a, 1,
            "the models take 144 inputs but the images in"},
           {"compare --threads 0 " + a + " " + a, 2, "--threads"},
       }) {
    const auto r = run_command(savant_binary() + " " + c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find("savant: error: "), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
}

}  // namespace
}  // namespace savant
