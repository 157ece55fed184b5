// savant compare (experiment/compare.hpp): a model against itself and against a copy with its
// hidden units permuted, the numbers reproduce writes for its two models, the command's table,
// --json and its errors.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"
#include "savant/experiment/compare.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::read_json_file;
using testing::run_command;
using testing::savant_binary;
using testing::savant_ok;
using testing::TempDir;

// The same network with hidden unit j moved to position (j * 5 + 3) % N, its bias and its row
// of the second kernel moved with it: the same function, another order of units.
SavedModel with_permuted_units(const SavedModel& model) {
  SavedModel out = model;
  out.path = "permuted.safetensors";
  const Network& net = model.network;
  const std::size_t P = net.layout.in(0), N = net.layout.out(0), C = net.layout.out(1);
  for (std::size_t j = 0; j < N; ++j) {
    const std::size_t to = (j * 5 + 3) % N;
    for (std::size_t p = 0; p < P; ++p)
      out.network.kernel(0)[p * N + to] = net.kernel(0)[p * N + j];
    out.network.bias(0)[to] = net.bias(0)[j];
    for (std::size_t c = 0; c < C; ++c)
      out.network.kernel(1)[to * C + c] = net.kernel(1)[j * C + c];
  }
  return out;
}

class CompareOnSmallData : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_dataset(dir_ / "data", testing::random_split(300, 12, 12, 10, 7),
                           testing::random_split(80, 12, 12, 10, 8), false);
    for (const std::string regime : {"original", "shuffled"}) {
      savant_ok("train --train-on " + regime + " --grid 4 --hidden 16 --epochs 2 --seed 9 --data " +
                data() + " --out " + model(regime));
    }
  }
  std::string model(const std::string& regime) const {
    return (dir_ / (regime + ".safetensors")).string();
  }
  std::string data() const { return (dir_ / "data").string(); }
  CompareOptions options() const { return {dir_ / "data", false, 2}; }

  TempDir dir_;
};

TEST_F(CompareOnSmallData, AModelWithItselfHasCkaOneAndAgreesEverywhere) {
  const SavedModel a = load_saved_model(model("shuffled"));
  const CompareReport r = run_compare(a, a, options());
  EXPECT_EQ(r.images, 80u);
  for (const TestSetComparison* t : {&r.original_test, &r.shuffled_test}) {
    EXPECT_NEAR(t->models.cka, 1.0, 1e-6);
    EXPECT_EQ(t->models.agreement, 1.0);
    EXPECT_EQ(t->accuracy_a, t->accuracy_b);
  }
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(CompareOnSmallData, PermutingTheHiddenUnitsChangesNothing) {
  const SavedModel a = load_saved_model(model("shuffled"));
  ASSERT_NE(a.network.layout.out(0) % 5, 0u);  // so that j -> 5 j + 3 (mod N) permutes
  const SavedModel b = with_permuted_units(a);
  ASSERT_NE(a.network.params, b.network.params);
  const CompareReport r = run_compare(a, b, options());
  for (const TestSetComparison* t : {&r.original_test, &r.shuffled_test}) {
    EXPECT_NEAR(t->models.cka, 1.0, 1e-6);
    EXPECT_EQ(t->models.agreement, 1.0);
  }
  // Against a third model, A and its permuted copy score the same.
  const SavedModel c = load_saved_model(model("original"));
  const CompareReport ca = run_compare(c, a, options()), cb = run_compare(c, b, options());
  EXPECT_NEAR(ca.original_test.models.cka, cb.original_test.models.cka, 1e-6);
  EXPECT_NEAR(ca.shuffled_test.models.cka, cb.shuffled_test.models.cka, 1e-6);
  EXPECT_LT(ca.original_test.models.cka, 0.999);
}

TEST_F(CompareOnSmallData, RejectsModelsOfOtherShapes) {
  const SavedModel a = load_saved_model(model("original"));
  SavedModel wide = a, classes = a;
  wide.path = "wide.safetensors";
  wide.network = Network(dense_layout(145, 16, 1, 10));
  classes.path = "five.safetensors";
  classes.network = Network(dense_layout(144, 16, 1, 5));
  try {
    run_compare(a, wide, options());
    ADD_FAILURE() << "no error for different input sizes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("takes 144 inputs but wide.safetensors takes 145"),
              std::string::npos)
        << e.what();
  }
  try {
    run_compare(a, classes, options());
    ADD_FAILURE() << "no error for different numbers of classes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has 10 classes but five.safetensors has 5"),
              std::string::npos)
        << e.what();
  }
}

TEST(Compare, GivesTheNumbersReproduceWritesForItsTwoModels) {
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

TEST_F(CompareOnSmallData, PrintsATableOrJson) {
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

TEST_F(CompareOnSmallData, WarnsWhenTheSecondModelWasShuffledOtherwise) {
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

TEST_F(CompareOnSmallData, BadInputsGetAMessageAndAnExitCode) {
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
           {"compare " + a + " " + (dir_ / "nope.safetensors").string(), 1, "nope.safetensors"},
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
