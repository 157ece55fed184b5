// The `model` setting at the command line (issue 23): `savant train --model mixer` trains the
// mixer with model/arch_train.hpp and writes its PyTorch-named file, `savant eval` reads it back,
// `savant reproduce --model M` runs the whole experiment with a report that shows the first
// layer, the commands that need a dense first layer refuse it with a usage error saying why, and
// compare measures it on its last hidden representation.

#include <filesystem>
#include <ostream>
#include <set>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "savant/experiment/outputs.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/model/arch_train.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::run_command;
using testing::savant_binary;
using testing::TempDir;

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

// eval's and analyze's --model is a model file, which train's --model (an architecture) is
// easily taken for: the help shows no architecture as its default, and a missing file named
// like an architecture is a usage error that says which command makes one.
TEST(ModelSetting, EvalAndAnalyzeSayTheirModelIsAFile) {
  TempDir dir;
  for (const char* command : {"eval", "analyze"}) {
    SCOPED_TRACE(command);
    const testing::CommandResult help =
        run_command(fmt::format("{} {} --help", savant_binary(), command));
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_EQ(help.output.find("--model=mlp"), std::string::npos) << help.output;
    const std::string out =
        std::string(command) == "analyze" ? " --out " + (dir.path() / "out").string() : "";
    const testing::CommandResult named = run_command(fmt::format(
        "cd {} && {} {} --model cnn{}", dir.path().string(), savant_binary(), command, out));
    EXPECT_EQ(named.exit_code, 2) << named.output;
    EXPECT_NE(named.output.find("takes a model file (.safetensors), not an architecture"),
              std::string::npos)
        << named.output;
    EXPECT_NE(named.output.find("savant train --model cnn"), std::string::npos) << named.output;
  }
}

// The report's data blob (report/report.cpp), as the page carries it.
nlohmann::json page_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"savant-data\">";
  const std::size_t begin = page.find(open);
  const std::size_t end = page.find("</script>", begin);
  if (begin == std::string::npos || end == std::string::npos) return nullptr;
  return nlohmann::json::parse(page.substr(begin + open.size(), end - begin - open.size()));
}

// What the report of a cnn, local or mixer run shows instead of the pixel map: the first layer's
// pictures, and the one line that says why (experiment/first_layer.hpp).
void expect_first_layer_page(const nlohmann::json& page, const std::string& model,
                             std::size_t pictures, std::size_t side) {
  ASSERT_TRUE(page.is_object());
  ASSERT_TRUE(page.contains("first_layer")) << model;
  const nlohmann::json& f = page.at("first_layer");
  EXPECT_EQ(f.at("reason").get<std::string>().find("The pixel map and the hidden-unit sections "
                                                   "are not defined for the " +
                                                   model + " model"),
            0u)
      << f.at("reason");
  EXPECT_EQ(f.at("tensor"), model == "mixer" ? "embed.weight" : "conv1.weight");
  EXPECT_EQ(f.at("count"), pictures);
  EXPECT_EQ(f.at("rows"), side);
  EXPECT_EQ(f.at("cols"), side);
  for (const char* m : {"original_model", "shuffled_model"}) {
    EXPECT_EQ(f.at(m).size(), pictures * side * side) << m;
  }
  // The same initial weights, trained apart: the two models' first layers differ.
  EXPECT_NE(f.at("original_model"), f.at("shuffled_model"));
  // No pixel map, no units; the gallery still has both models' predictions.
  EXPECT_FALSE(page.contains("correlation"));
  EXPECT_FALSE(page.contains("units"));
  ASSERT_FALSE(page.at("gallery").empty());
  EXPECT_TRUE(page.at("gallery")[0].at("predictions").contains("shuffled_model"));
}

struct ArchCase {
  std::string model;
  std::size_t pictures, side;  // of the first layer's pictures
  // The per-epoch test curves ("test") or not ("none"): local's evaluation is the slowest (its
  // 32-channel convolution runs at every pixel), so its run skips them.
  std::string epoch_eval;
  friend void PrintTo(const ArchCase& c, std::ostream* os) { *os << c.model; }
};

class ReproduceArch : public ::testing::TestWithParam<ArchCase> {};

// `savant reproduce --model M` end to end on 2000 real images: both models trained, the 2 x 2
// matrix, the test curves, both PyTorch-named files, results.json with config.model, the report
// with the first layer and the reason line; `savant report` redraws it from the directory.
TEST_P(ReproduceArch, RunsEndToEndWithAReport) {
  REQUIRE_REAL_DATA();
  const ArchCase& c = GetParam();
  TempDir dir;
  const auto out = dir.path() / "run";
  const testing::CommandResult run = run_command(fmt::format(
      "{} reproduce --data {} --out {} --model {} --train-limit 2000 --epochs 1 "
      "--threads 2 --epoch-eval {}",
      savant_binary(), testing::real_data_dir().string(), out.string(), c.model, c.epoch_eval));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // The terminal summary: the matrix, and the reason instead of the grid signature.
  EXPECT_NE(run.output.find("original model"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("are not defined for the " + c.model + " model"), std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find("Grid signature"), std::string::npos) << run.output;

  // Exactly the files of such a run.
  const std::vector<std::string> names =
      run_output_names(kDefaultFigureFormats, parse_architecture(c.model));
  std::set<std::string> want(names.begin(), names.end()), have;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    have.insert(entry.path().filename().string());
  }
  EXPECT_EQ(have, want);
  // The first layer of each model as a figure, beside the report's pictures of it.
  for (const char* m : {"original_model", "shuffled_model"}) {
    std::ifstream png(out / fmt::format("first_layer_{}.png", m), std::ios::binary);
    std::string signature(8, '\0');
    png.read(signature.data(), 8);
    EXPECT_EQ(signature, "\x89PNG\r\n\x1a\n") << m;
  }

  const nlohmann::json results = testing::read_json_file(out / "results.json");
  EXPECT_EQ(results.at("config").at("model"), c.model);
  // What trained it, as the numbers depend on it: the dense kernels' instruction set and, with
  // 3x3 convolutions, their backend (SAVANT_CONV).
  const std::string engine = results.at("config").at("engine").get<std::string>();
  EXPECT_EQ(engine, arch_engine_name(parse_architecture(c.model)));
  EXPECT_EQ(engine.rfind("arch-", 0), 0u) << engine;
  const bool convolutions = c.model != "mixer";
  EXPECT_EQ(engine.ends_with("-onednn") || engine.ends_with("-im2col"), convolutions) << engine;
  EXPECT_FALSE(results.contains("grid_signature"));
  EXPECT_FALSE(results.contains("units"));
  for (const char* m : {"original_model", "shuffled_model"}) {
    SCOPED_TRACE(m);
    for (const char* t : {"original_test", "shuffled_test"}) {
      const double a = results.at("accuracy").at(m).at(t).get<double>();
      EXPECT_GT(a, 0.1) << t;  // 2000 images and one epoch learn something
      EXPECT_LT(a, 1.0) << t;
    }
    // The test curves of the one epoch, where asked for.
    const nlohmann::json& epoch = results.at("history").at(m).at(0);
    EXPECT_EQ(epoch.at("original_test_accuracy").is_number(), c.epoch_eval == "test");
    EXPECT_EQ(epoch.at("shuffled_test_accuracy").is_number(), c.epoch_eval == "test");
    if (c.epoch_eval == "test") {
      // After the last epoch, the curve's point is the run's accuracy.
      EXPECT_EQ(epoch.at("original_test_accuracy"),
                results.at("accuracy").at(m).at("original_test"));
    }
    // The file PyTorch reads: its state_dict names, the run's model.
    const ArchModelFile file = load_arch_model(out / (std::string(m) + ".safetensors"));
    EXPECT_EQ(architecture_name(file.network.layout.arch), c.model);
    EXPECT_EQ(file.metadata.at("run_id"), results.at("run").at("id"));
    EXPECT_NO_THROW(file.network.tensor(c.model == "mixer" ? "embed.weight" : "conv1.weight"));
  }
  if (c.model == "cnn") {
    // Trained on shuffled images, the cnn does better on them than the cnn trained on original
    // images does (local, a bag of 5x5 features, barely tells them apart after one epoch on
    // 2000 images: 13% and 14% when measured).
    EXPECT_GT(results["accuracy"]["shuffled_model"]["shuffled_test"].get<double>(),
              results["accuracy"]["original_model"]["shuffled_test"].get<double>());
  }

  const nlohmann::json written = page_data(testing::file_text(out / "report.html"));
  expect_first_layer_page(written, c.model, c.pictures, c.side);

  const auto again = dir.path() / "again.html";
  const testing::CommandResult report = run_command(
      fmt::format("{} report {} --out {}", savant_binary(), out.string(), again.string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const nlohmann::json redrawn = page_data(testing::file_text(again));
  expect_first_layer_page(redrawn, c.model, c.pictures, c.side);
  EXPECT_EQ(redrawn.at("first_layer"), written.at("first_layer"));
  EXPECT_EQ(redrawn.at("gallery"), written.at("gallery"));

  // compare takes the run's two models, each on its last hidden representation.
  const testing::CommandResult compare = run_command(fmt::format(
      "{} compare {} {} --data {} --json", savant_binary(),
      (out / "original_model.safetensors").string(), (out / "shuffled_model.safetensors").string(),
      testing::real_data_dir().string()));
  ASSERT_EQ(compare.exit_code, 0) << compare.output;
  const nlohmann::json compared = nlohmann::json::parse(compare.output);
  EXPECT_EQ(compared.at("model_a").at("model"), c.model);
  EXPECT_EQ(compared.at("model_b").at("model"), c.model);
  const double agreement = compared.at("comparison").at("original_test").at("agreement");
  EXPECT_GE(agreement, 0.0);
  EXPECT_LE(agreement, 1.0);
}

INSTANTIATE_TEST_SUITE_P(Models, ReproduceArch,
                         ::testing::Values(ArchCase{"cnn", 16, 3, "test"},
                                           ArchCase{"local", 32, 3, "none"},
                                           ArchCase{"mixer", 64, 7, "test"}),
                         [](const ::testing::TestParamInfo<ArchCase>& p) { return p.param.model; });

}  // namespace
}  // namespace savant
