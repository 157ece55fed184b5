// End to end on a slice of the real Fashion-MNIST: the article's effect must show up already
// after 6,000 images and 2 epochs. Skipped, with a message, when the data set is not installed.

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "savant/experiment/experiment.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/formats/model_file.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::run_command;
using testing::savant_binary;
using testing::TempDir;

ExperimentConfig slice_config() {
  ExperimentConfig config;
  config.data = testing::real_data_dir();
  config.train_limit = 6000;
  config.epochs = 2;
  config.threads = 2;
  return config;
}

TEST(Reproduce, ArticleEffectOnARealSlice) {
  REQUIRE_REAL_DATA();
  ReproduceResult r = run_reproduce(slice_config());
  EXPECT_GT(r.original.on_original_test.accuracy(), 0.75);
  EXPECT_LT(r.original.on_shuffled_test.accuracy(), 0.25);
  EXPECT_GT(r.shuffled.on_shuffled_test.accuracy(), 0.30);  // chance is 0.10
  EXPECT_GT(r.shuffled.on_shuffled_test.accuracy(), r.shuffled.on_original_test.accuracy());
  EXPECT_EQ(r.original.history.size(), 2u);
  EXPECT_EQ(r.test_count, 10000u);
  EXPECT_EQ(r.train_count, 6000u);
}

TEST(Reproduce, SameNumbersWithOneOrTwoThreads) {
  REQUIRE_REAL_DATA();
  ExperimentConfig config = slice_config();
  config.train_limit = 2000;
  config.epochs = 1;
  config.threads = 1;
  ReproduceResult one = run_reproduce(config);
  config.threads = 2;
  ReproduceResult two = run_reproduce(config);
  EXPECT_EQ(one.original.network.params, two.original.network.params);
  EXPECT_EQ(one.shuffled.network.params, two.shuffled.network.params);
  EXPECT_EQ(one.shuffled.on_shuffled_test.correct, two.shuffled.on_shuffled_test.correct);
  // The hidden units' numbers too, to the last bit (JSON keeps a double's every digit).
  EXPECT_EQ(units_json(one.units, config.grid), units_json(two.units, config.grid));
  EXPECT_EQ(one.units.images, 1000u);
}

// The units object of results.json (docs/SPEC.md, section 10): every number in its range.
void expect_sane_units(const nlohmann::json& units, std::size_t g) {
  const double lowest = 1.0 / static_cast<double>(g * g);
  for (const char* m : {"original_model", "shuffled_model"}) {
    SCOPED_TRACE(m);
    const nlohmann::json& u = units.at(m);
    for (const char* w : {"trained", "change"}) {
      const double mean = u["specialisation"][w]["mean"];
      EXPECT_GE(mean, lowest - 1e-12);
      EXPECT_LE(mean, 1.0);
      std::size_t owners = 0;
      ASSERT_EQ(u["specialisation"][w]["owned"].size(), g);
      for (const auto& row : u["specialisation"][w]["owned"]) {
        ASSERT_EQ(row.size(), g);
        for (const auto& n : row) owners += n.get<std::size_t>();
      }
      // Every trained unit has a home block; a unit that never fired (dead from the start) has
      // no change, so no home in the change's map.
      if (std::string(w) == "trained") {
        EXPECT_EQ(owners, 128u);
      } else {
        EXPECT_LE(owners, 128u);
        EXPECT_GE(owners, 100u);
      }
      const double border = u["border_discontinuity"][w]["median"];
      EXPECT_GT(border, 0.0);
    }
    const double baseline = u["lesions"]["baseline"];
    EXPECT_GT(baseline, 0.1);
    ASSERT_EQ(u["lesions"]["accuracy"].size(), g);
    for (std::size_t r = 0; r < g; ++r) {
      for (std::size_t c = 0; c < g; ++c) {
        const double a = u["lesions"]["accuracy"][r][c], lost = u["lesions"]["lost"][r][c];
        EXPECT_GE(a, 0.0);
        EXPECT_LE(a, 1.0);
        EXPECT_NEAR(lost, baseline - a, 1e-12);
      }
    }
    for (const char* k : {"consistent", "accuracy"}) {
      EXPECT_GE(u["invariance"][k].get<double>(), 0.0) << k;
      EXPECT_LE(u["invariance"][k].get<double>(), 1.0) << k;
    }
  }
  EXPECT_EQ(units["original_model"]["lesions"]["test"], "original_test");
  EXPECT_EQ(units["shuffled_model"]["lesions"]["test"], "shuffled_test");
  for (const char* t : {"original_test", "shuffled_test"}) {
    for (const char* k : {"cka", "agreement"}) {
      EXPECT_GE(units["comparison"][t][k].get<double>(), 0.0) << t << k;
      EXPECT_LE(units["comparison"][t][k].get<double>(), 1.0) << t << k;
    }
  }
  // The article's claim in its weakest form: the puzzle-trained model keeps its answer under new
  // puzzles far more often than the model trained on original images.
  EXPECT_GT(units["shuffled_model"]["invariance"]["consistent"].get<double>(),
            units["original_model"]["invariance"]["consistent"].get<double>() + 0.1);
}

TEST(Reproduce, CommandWritesEveryFile) {
  REQUIRE_REAL_DATA();
  TempDir dir;
  const auto out = dir / "run";
  auto res = run_command(savant_binary() + " reproduce --train-limit 3000 --epochs 1 --out " +
                         out.string());
  ASSERT_EQ(res.exit_code, 0) << res.output;
  EXPECT_NE(res.output.find("original model"), std::string::npos);
  for (const char* name :
       {"results.json", "heatmap_original_model.png", "heatmap_shuffled_model.png", "samples.png",
        "original_model.safetensors", "shuffled_model.safetensors", "units_original_model.png",
        "units_shuffled_model.png"}) {
    EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
  }
  for (const char* name : {"units_original_model.png", "units_shuffled_model.png"}) {
    std::ifstream png(out / name, std::ios::binary);
    std::string signature(8, '\0');
    png.read(signature.data(), 8);
    EXPECT_EQ(signature, "\x89PNG\r\n\x1a\n") << name;
  }
  std::ifstream in(out / "results.json");
  nlohmann::json j = nlohmann::json::parse(in);
  for (const char* key :
       {"savant_version", "config", "accuracy", "grid_signature", "adjacent_correlation", "history",
        "confusion", "timing_seconds", "units"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  expect_sane_units(j["units"], 4);
  EXPECT_EQ(j["units"]["test_images"], 1000);
  EXPECT_EQ(j["units"]["puzzles"], 10);
  EXPECT_TRUE(j["timing_seconds"]["units"].is_number());
  EXPECT_EQ(j["config"]["grid"], 4);
  EXPECT_EQ(j["config"]["shuffle"], "derange");
  EXPECT_EQ(j["adjacent_correlation"]["shuffled_model"].size(), 28u);
  EXPECT_TRUE(j["adjacent_correlation"]["shuffled_model"][27][27].is_null());
  EXPECT_EQ(j["confusion"]["original_model"]["shuffled_test"].size(), 10u);
  const double acc = j["accuracy"]["shuffled_model"]["shuffled_test"];
  EXPECT_GT(acc, 0.2);

  ModelFile model = load_model(out / "shuffled_model.safetensors");
  EXPECT_EQ(model.network.layout.sizes(), (std::vector<std::size_t>{784, 128, 10}));
  EXPECT_EQ(model.metadata.at("train_on"), "shuffled");
  EXPECT_EQ(nlohmann::json::parse(model.metadata.at("config"))["grid"], 4);
  // No temporary files are left behind.
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

TEST(Reproduce, UsageErrorsExitWithTwo) {
  for (const char* args : {"reproduce --grid 5x", "reproduce --epochs 0", "reproduce --bogus",
                           "reproduce --grid 1", "reproduce --shuffle random", "frobnicate"}) {
    auto res = run_command(savant_binary() + " " + args);
    EXPECT_EQ(res.exit_code, 2) << args << "\n" << res.output;
    EXPECT_NE(res.output.find("error"), std::string::npos) << args << "\n" << res.output;
  }
}

TEST(Reproduce, MissingDataExitsWithFour) {
  TempDir dir;
  auto res = run_command(savant_binary() + " reproduce --data " + (dir / "absent").string() +
                         " --out " + (dir / "out").string());
  EXPECT_EQ(res.exit_code, 4) << res.output;  // the system's refusal (ENOENT)
  EXPECT_NE(res.output.find("absent"), std::string::npos) << res.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "results.json"));
}

TEST(Reproduce, GridThatDoesNotDivideTheImages) {
  TempDir dir;
  testing::write_dataset(dir / "data", testing::random_split(40, 28, 28, 10, 1),
                         testing::random_split(10, 28, 28, 10, 2), true);
  auto res = run_command(savant_binary() + " reproduce --grid 5 --data " + (dir / "data").string() +
                         " --out " + (dir / "out").string());
  EXPECT_NE(res.exit_code, 0);
  EXPECT_NE(res.output.find("does not divide"), std::string::npos) << res.output;
}

TEST(Reproduce, HelpAndVersion) {
  auto help = run_command(savant_binary() + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("reproduce"), std::string::npos);
  auto sub = run_command(savant_binary() + " reproduce --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.output.find("--grid"), std::string::npos);
  auto version = run_command(savant_binary() + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("savant"), std::string::npos);
}

}  // namespace
}  // namespace savant
