// The `model` setting at the command line (issue 23): `savant train --model mixer` trains the
// mixer with model/arch_train.hpp and writes its PyTorch-named file, `savant eval` reads it back,
// the commands that need a dense first layer refuse it with a usage error saying why, and
// compare measures it on its last hidden representation.

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "savant/formats/arch_model_file.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::run_command;
using testing::savant_binary;
using testing::TempDir;

#define REQUIRE_REAL_DATA()                                                                    \
  if (testing::real_data_dir().empty())                                                        \
  GTEST_SKIP() << "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or " \
                  "set SAVANT_DATA); skipping the end-to-end test"

// Trains a model of `model` on the first `images` training images for one epoch into `file`.
testing::CommandResult train(const std::string& model, std::size_t images,
                             const std::filesystem::path& file) {
  return run_command(fmt::format(
      "{} train --data {} --out {} --train-on shuffled --model {} --train-limit {} --epochs 1 "
      "--threads 2",
      savant_binary(), testing::real_data_dir().string(), file.string(), model, images));
}

TEST(ModelSetting, TrainsAndEvaluatesAMixer) {
  REQUIRE_REAL_DATA();
  TempDir dir;
  const auto file = dir.path() / "mixer.safetensors";
  const testing::CommandResult trained = train("mixer", 2000, file);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_NE(trained.output.find("epoch   1: loss"), std::string::npos) << trained.output;
  EXPECT_NE(trained.output.find("(mixer, "), std::string::npos) << trained.output;

  // A PyTorch-named file whose metadata record the model, in its own key and in the config.
  const ArchModelFile saved = load_arch_model(file);
  EXPECT_EQ(saved.network.layout.arch, Architecture::mixer);
  EXPECT_EQ(saved.network.layout.grid, 4u);
  EXPECT_EQ(saved.metadata.at("model"), "mixer");
  EXPECT_EQ(nlohmann::json::parse(saved.metadata.at("config")).at("model"), "mixer");

  const testing::CommandResult eval =
      run_command(fmt::format("{} eval --model {} --data {} --json", savant_binary(), file.string(),
                              testing::real_data_dir().string()));
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  const nlohmann::json j = nlohmann::json::parse(eval.output);
  EXPECT_EQ(j.at("trained").at("config").at("model"), "mixer");
  for (const char* test : {"original_test", "shuffled_test"}) {
    const double accuracy = j.at("accuracy").at(test).get<double>();
    // 2000 images and one epoch learn something: better than chance (10%), far from perfect.
    EXPECT_GT(accuracy, 0.2) << test;
    EXPECT_LT(accuracy, 1.0) << test;
  }
  EXPECT_EQ(j.at("confusion").at("original_test").size(), 10u);
}

TEST(ModelSetting, AnalyzeRefusesAConvolutionalModelAndCompareMeasuresIt) {
  REQUIRE_REAL_DATA();
  TempDir dir;
  const auto file = dir.path() / "cnn.safetensors";
  const testing::CommandResult trained = train("cnn", 300, file);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;

  const testing::CommandResult analyze =
      run_command(fmt::format("{} analyze --model {} --out {}", savant_binary(), file.string(),
                              (dir.path() / "analysis").string()));
  EXPECT_EQ(analyze.exit_code, 2) << analyze.output;
  EXPECT_NE(analyze.output.find("is a cnn model: the pixel-correlation map"), std::string::npos)
      << analyze.output;
  EXPECT_NE(analyze.output.find("need a dense first layer (one weight per pixel and hidden unit), "
                                "which only mlp models have"),
            std::string::npos)
      << analyze.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "analysis" / "analysis.json"));

  // compare: a model against itself agrees everywhere and has a CKA of 1; against a model of
  // another architecture (the local one), less, on its own hidden representation.
  const auto local = dir.path() / "local.safetensors";
  const testing::CommandResult trained_local = train("local", 300, local);
  ASSERT_EQ(trained_local.exit_code, 0) << trained_local.output;
  const auto compare = [&](const std::filesystem::path& b) {
    const testing::CommandResult r =
        run_command(fmt::format("{} compare {} {} --data {} --json", savant_binary(), file.string(),
                                b.string(), testing::real_data_dir().string()));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return nlohmann::json::parse(r.output);
  };
  const nlohmann::json self = compare(file);
  EXPECT_EQ(self.at("model_a").at("model"), "cnn");
  EXPECT_NE(self.at("model_a").at("representation").get<std::string>().find("fc1"),
            std::string::npos);
  for (const char* test : {"original_test", "shuffled_test"}) {
    EXPECT_NEAR(self.at("comparison").at(test).at("cka").get<double>(), 1.0, 1e-5) << test;
    EXPECT_EQ(self.at("comparison").at(test).at("agreement").get<double>(), 1.0) << test;
  }
  const nlohmann::json other = compare(local);
  EXPECT_EQ(other.at("model_b").at("model"), "local");
  EXPECT_NE(other.at("model_b").at("representation").get<std::string>().find("conv2"),
            std::string::npos);
  const double cka = other.at("comparison").at("original_test").at("cka").get<double>();
  EXPECT_GT(cka, 0.0);
  EXPECT_LT(cka, 0.999);
  EXPECT_LT(other.at("comparison").at("original_test").at("agreement").get<double>(), 1.0);
}

TEST(ModelSetting, ATypoGetsDidYouMean) {
  TempDir dir;
  const testing::CommandResult typo = run_command(fmt::format(
      "{} train --out {} --model mixr", savant_binary(), (dir.path() / "m.safetensors").string()));
  EXPECT_EQ(typo.exit_code, 2) << typo.output;
  EXPECT_NE(typo.output.find("--model 'mixr': not a model; did you mean 'mixer'?"),
            std::string::npos)
      << typo.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "m.safetensors"));
}

TEST(ModelSetting, ReproduceRefusesAModelItCannotAnalyseBeforeTraining) {
  TempDir dir;
  const testing::CommandResult run =
      run_command(fmt::format("{} reproduce --out {} --model local --epochs 1", savant_binary(),
                              (dir.path() / "run").string()));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("model local is not supported yet"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace savant
