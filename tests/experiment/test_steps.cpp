// The single-step commands (train, eval, analyze, shuffle) against the whole experiment: same
// bytes in, same numbers out.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "savant/analysis/units.hpp"
#include "savant/analysis/weight_correlation.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/experiment/steps.hpp"
#include "savant/formats/safetensors.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::read_json_file;
using testing::run_command;
using testing::savant_binary;
using testing::savant_ok;
using testing::TempDir;

// eval --json's object (stdout only; warnings go to stderr).
nlohmann::json eval_json_of(const std::string& args, const TempDir& dir) {
  const auto out = dir / "eval.json";
  savant_ok("eval --json " + args + " > " + out.string());
  return read_json_file(out);
}

void expect_same_tensors(const std::filesystem::path& a, const std::filesystem::path& b) {
  const TensorFile x = read_safetensors(a), y = read_safetensors(b);
  ASSERT_EQ(x.tensors.size(), y.tensors.size());
  for (std::size_t i = 0; i < x.tensors.size(); ++i) {
    EXPECT_EQ(x.tensors[i].name, y.tensors[i].name);
    EXPECT_EQ(x.tensors[i].shape, y.tensors[i].shape);
    EXPECT_TRUE(x.tensors[i].values == y.tensors[i].values)
        << x.tensors[i].name << " differs between " << a << " and " << b;
  }
  // The same but for --threads, which changes nothing.
  nlohmann::json cx = nlohmann::json::parse(x.metadata.at("config")),
                 cy = nlohmann::json::parse(y.metadata.at("config"));
  cx.erase("threads");
  cy.erase("threads");
  EXPECT_EQ(cx, cy);
  EXPECT_EQ(x.metadata.at("train_crc32"), y.metadata.at("train_crc32"));
}

// reproduce, then train + eval of each model with the same options: identical weights and
// identical accuracies.
void expect_steps_reproduce(const std::filesystem::path& data, const std::string& options) {
  TempDir dir;
  const std::string common = "--data " + data.string() + " " + options;
  savant_ok("reproduce " + common + " --out " + (dir / "run").string());
  const nlohmann::json results = read_json_file(dir / "run" / "results.json");
  for (const std::string train_on : {"original", "shuffled"}) {
    const auto model = dir / (train_on + ".safetensors");
    savant_ok("train --train-on " + train_on + " " + common + " --threads 1 --out " +
              model.string());
    expect_same_tensors(model, dir / "run" / (train_on + "_model.safetensors"));
    const nlohmann::json eval =
        eval_json_of("--model " + model.string() + " --data " + data.string(), dir);
    EXPECT_EQ(eval["accuracy"], results["accuracy"][train_on + "_model"]) << train_on;
    EXPECT_EQ(eval["confusion"], results["confusion"][train_on + "_model"]) << train_on;
    EXPECT_TRUE(eval["warnings"].empty()) << eval["warnings"];
  }
}

TEST(Steps, TrainAndEvalReproduceTheExperimentOnSmallData) {
  TempDir dir;
  testing::write_dataset(dir / "data", testing::random_split(300, 28, 28, 10, 1),
                         testing::random_split(60, 28, 28, 10, 2), true);
  expect_steps_reproduce(dir / "data", "--hidden 16 --layers 2 --epochs 2 --batch 20 --seed 5");
}

TEST(Steps, TrainAndEvalReproduceTheExperimentOnRealData) {
  const auto data = testing::real_data_dir();
  if (data.empty()) GTEST_SKIP() << "Fashion-MNIST is not installed";
  expect_steps_reproduce(data, "--train-limit 6000 --epochs 1 --seed 3");
}

class StepsOnSmallData : public ::testing::Test {
 protected:
  void SetUp() override {
    train_ = testing::random_split(200, 12, 12, 10, 7);
    test_ = testing::random_split(40, 12, 12, 10, 8);
    testing::write_dataset(dir_ / "data", train_, test_, false);
    savant_ok("train --train-on shuffled --grid 4 --hidden 8 --epochs 1 --seed 9 --data " +
              (dir_ / "data").string() + " --out " + model().string());
  }
  std::filesystem::path model() const { return dir_ / "model.safetensors"; }
  std::string data() const { return (dir_ / "data").string(); }

  TempDir dir_;
  Split train_, test_;
};

TEST_F(StepsOnSmallData, EvalJsonHasAKeyPerTestSetAskedFor) {
  nlohmann::json j = eval_json_of(
      "--model " + model().string() + " --data " + data() + " --test-on original", dir_);
  EXPECT_TRUE(j["accuracy"].contains("original_test"));
  EXPECT_FALSE(j["accuracy"].contains("shuffled_test"));
  EXPECT_EQ(j["confusion"]["original_test"].size(), 10u);
  EXPECT_EQ(j["per_class_accuracy"]["original_test"].size(), 10u);
  EXPECT_EQ(j["trained"]["train_on"], "shuffled");
  EXPECT_EQ(j["test"]["grid"], 4);
  EXPECT_EQ(j["test"]["seed"], 9);
  j = eval_json_of("--model " + model().string() + " --data " + data() + " --test-on shuffled",
                   dir_);
  EXPECT_FALSE(j["accuracy"].contains("original_test"));
  EXPECT_TRUE(j["accuracy"].contains("shuffled_test"));
}

TEST_F(StepsOnSmallData, EvalWarnsAboutAnotherGrid) {
  std::string out = savant_ok("eval --model " + model().string() + " --data " + data());
  EXPECT_EQ(out.find("warning"), std::string::npos) << out;
  out = savant_ok("eval --model " + model().string() + " --data " + data() + " --grid 2");
  EXPECT_NE(out.find("savant: warning: " + model().string() +
                     " was trained with grid 4, shuffle derange"),
            std::string::npos)
      << out;
  out = savant_ok("eval --model " + model().string() + " --data " + data() + " --shuffle permute");
  EXPECT_NE(out.find("asked about grid 4, shuffle permute"), std::string::npos) << out;
  out =
      savant_ok("analyze --model " + model().string() + " --grid 6 --out " + (dir_ / "a").string());
  EXPECT_NE(out.find("savant: warning: "), std::string::npos) << out;
}

TEST_F(StepsOnSmallData, EvalWarnsAboutOtherTrainingData) {
  testing::write_dataset(dir_ / "other", testing::random_split(200, 12, 12, 10, 70), test_, true);
  const std::string out =
      savant_ok("eval --model " + model().string() + " --data " + (dir_ / "other").string());
  EXPECT_NE(out.find("are not those " + model().string() + " was trained on"), std::string::npos)
      << out;
}

TEST_F(StepsOnSmallData, EvalRejectsImagesOfAnotherSize) {
  testing::write_dataset(dir_ / "big", testing::random_split(20, 14, 14, 10, 1),
                         testing::random_split(20, 14, 14, 10, 2), false);
  const auto r = run_command(savant_binary() + " eval --model " + model().string() + " --data " +
                             (dir_ / "big").string() + " --test-on original");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the model takes 144 inputs but the images in"), std::string::npos)
      << r.output;
}

TEST_F(StepsOnSmallData, AnalyzeWritesTheMapsOfTheModel) {
  const auto out = dir_ / "analysis";
  savant_ok("analyze --model " + model().string() + " --out " + out.string());
  ASSERT_TRUE(std::filesystem::exists(out / "heatmap.png"));
  const nlohmann::json j = read_json_file(out / "analysis.json");
  EXPECT_EQ(j["grid"], 4);

  const SavedModel saved = load_saved_model(model());
  const auto R = weight_correlation(saved.network.kernel(0), 144, 8);
  const auto A = adjacent_correlation(R, 12, 12);
  for (std::size_t r = 0; r < 12; ++r) {
    for (std::size_t c = 0; c + 1 < 12; ++c) {
      EXPECT_DOUBLE_EQ(j["adjacent_correlation"][r][c].get<double>(), A[r * 12 + c]);
    }
  }
  EXPECT_TRUE(j["adjacent_correlation"][11][11].is_null());
  for (int g : {1, 2, 3, 4, 6, 12}) {
    const GridSignature s = grid_signature(R, 12, 12, g);
    EXPECT_EQ(j["grid_signatures"][std::to_string(g)]["within_pairs"], s.within_pairs) << g;
    EXPECT_EQ(j["grid_signatures"][std::to_string(g)]["across_pairs"], s.across_pairs) << g;
  }
  EXPECT_EQ(j["grid_signatures"].size(), 6u);
  const TensorFile correlation = read_safetensors(out / "correlation.safetensors");
  ASSERT_EQ(correlation.tensors.size(), 1u);
  EXPECT_EQ(correlation.tensors[0].shape, (std::vector<std::size_t>{144, 144}));
  EXPECT_FLOAT_EQ(correlation.tensors[0].values[1], static_cast<float>(R[1]));

  // The units' weight measures at the grid, the change's from the seed in the model's file.
  const BlockSpecialisation trained =
      block_specialisation(first_layer_weights(saved.network), 12, 12, 8, 4);
  const BlockSpecialisation change =
      block_specialisation(first_layer_change(saved.network, 9), 12, 12, 8, 4);
  EXPECT_DOUBLE_EQ(j["units"]["specialisation"]["trained"]["mean"].get<double>(), trained.mean);
  EXPECT_DOUBLE_EQ(j["units"]["specialisation"]["change"]["mean"].get<double>(), change.mean);
  EXPECT_EQ(j["units"]["specialisation"]["trained"]["owned"][3][3], trained.owned[15]);
  const BorderDiscontinuity border =
      border_discontinuity(first_layer_weights(saved.network), 12, 12, 8, 4);
  EXPECT_DOUBLE_EQ(j["units"]["border_discontinuity"]["trained"]["median"].get<double>(),
                   border.median);
  // One-pixel blocks have no pairs inside a block: no discontinuity.
  savant_ok("analyze --grid 12 --model " + model().string() + " --out " + out.string());
  const nlohmann::json pixels = read_json_file(out / "analysis.json");
  EXPECT_TRUE(pixels["units"]["border_discontinuity"]["trained"].is_null());
  EXPECT_EQ(pixels["units"]["specialisation"]["trained"]["owned"].size(), 12u);
}

TEST_F(StepsOnSmallData, ShuffleWritesTheImagesTheExperimentTrainsOn) {
  const auto out = dir_ / "shuffled";
  savant_ok("shuffle --data " + data() + " --grid 4 --mode derange --seed 9 --out " + out.string());
  const Dataset shuffled = load_dataset(out);
  EXPECT_EQ(shuffled.train.labels, train_.labels);
  EXPECT_EQ(shuffled.test.labels, test_.labels);
  EXPECT_EQ(
      shuffled.train.images.pixels,
      shuffle_images(train_.images, 4, ShuffleMode::kDerange, 9, Stream::kShuffleTrain, 1).pixels);
  EXPECT_EQ(
      shuffled.test.images.pixels,
      shuffle_images(test_.images, 4, ShuffleMode::kDerange, 9, Stream::kShuffleTest, 1).pixels);
  EXPECT_EQ(read_json_file(out / "shuffle.json")["grid"], 4);

  // Training on the shuffled copy as if it were original gives the shuffled model.
  const auto again = dir_ / "again.safetensors";
  savant_ok("train --train-on original --grid 4 --hidden 8 --epochs 1 --seed 9 --data " +
            out.string() + " --out " + again.string());
  const TensorFile a = read_safetensors(again), b = read_safetensors(model());
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_TRUE(a.tensors[i].values == b.tensors[i].values) << a.tensors[i].name;
  }
}

TEST_F(StepsOnSmallData, UsageErrorsExitWithTwo) {
  const std::string d = (dir_ / "d").string();
  for (const std::string& args : std::vector<std::string>{
           "train --out x.safetensors", "train --train-on both --out x.safetensors", "eval",
           "eval --model m --test-on all", "analyze --model m",
           "shuffle --grid 4 --mode derange --out " + d,
           "shuffle --grid 5 --mode derange --seed 1 --out " + d + " --data " + data(),
           "shuffle --grid 1 --mode derange --seed 1 --out " + d + " --data " + data()}) {
    const auto r = run_command(savant_binary() + " " + args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("savant: error: "), std::string::npos) << args << "\n" << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(d)) << "a failed shuffle left its output directory";
}

}  // namespace
}  // namespace savant
