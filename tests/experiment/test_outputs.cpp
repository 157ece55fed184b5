// The files of a run directory (experiment/outputs): the list of names for each set of figure
// formats, and what `savant reproduce` and `savant analyze` write with --figures, on a small
// random data set (12x12 images) so that the test needs no installed data.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "savant/experiment/outputs.hpp"
#include "savant/formats/safetensors.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::run_command;
using testing::savant_binary;
using testing::TempDir;

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool starts_with(const std::string& bytes, const std::string& prefix) {
  return bytes.compare(0, prefix.size(), prefix) == 0;
}

// The file's first bytes are those of its format.
void expect_magic(const std::filesystem::path& path) {
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  const std::string bytes = read_all(path);
  const std::string ext = path.extension().string();
  if (ext == ".png") {
    EXPECT_TRUE(starts_with(bytes, "\x89PNG\r\n\x1a\n")) << path;
  } else if (ext == ".svg") {
    EXPECT_TRUE(starts_with(bytes, "<?xml") || starts_with(bytes, "<svg")) << path;
    EXPECT_NE(bytes.find("</svg>"), std::string::npos) << path;
  } else if (ext == ".pdf") {
    EXPECT_TRUE(starts_with(bytes, "%PDF-")) << path;
  } else {
    ADD_FAILURE() << "not a figure: " << path;
  }
}

class RunOnSmallData : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_dataset(dir_ / "data", testing::random_split(120, 12, 12, 10, 3),
                           testing::random_split(30, 12, 12, 10, 4), false);
  }
  testing::CommandResult savant(const std::string& args) const {
    return run_command(savant_binary() + " " + args);
  }
  std::string small() const {
    return "--grid 4 --hidden 8 --epochs 1 --threads 2 --data " + (dir_ / "data").string();
  }
  TempDir dir_;
};

TEST(RunOutputNames, EachFigureOncePerFormat) {
  const std::vector<std::string> png = run_output_names(kDefaultFigureFormats);
  EXPECT_EQ(png, (std::vector<std::string>{
                     "heatmap_original_model.png", "heatmap_shuffled_model.png",
                     "units_original_model.png", "units_shuffled_model.png", "samples.png",
                     "original_model.safetensors", "shuffled_model.safetensors", "predictions.csv",
                     "results.json", "report.html"}));
  const FigureFormat all[] = {FigureFormat::kPng, FigureFormat::kSvg, FigureFormat::kPdf};
  const std::vector<std::string> names = run_output_names(all);
  EXPECT_EQ(names.size(), png.size() + 10);
  for (const char* name :
       {"heatmap_original_model.svg", "units_shuffled_model.pdf", "samples.svg", "samples.pdf"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  // report.html is last: it is written after the run's other files.
  EXPECT_EQ(names.back(), "report.html");
}

TEST_F(RunOnSmallData, ReproduceWritesEveryFigureInEachFormat) {
  const auto out = dir_ / "run";
  const auto res = savant("reproduce " + small() + " --figures pdf,svg,png --out " + out.string());
  ASSERT_EQ(res.exit_code, 0) << res.output;
  const FigureFormat all[] = {FigureFormat::kPng, FigureFormat::kSvg, FigureFormat::kPdf};
  std::size_t files = 0;
  for (const std::string& name : run_output_names(all)) {
    EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
    const std::string ext = std::filesystem::path(name).extension().string();
    if (ext == ".png" || ext == ".svg" || ext == ".pdf") expect_magic(out / name), ++files;
  }
  EXPECT_EQ(files, 15u);
  EXPECT_NE(res.output.find("heatmap_*.{png,svg,pdf}"), std::string::npos) << res.output;
}

TEST_F(RunOnSmallData, ReproduceWritesOnlyTheFormatsAskedFor) {
  const auto out = dir_ / "run";
  const auto res = savant("reproduce " + small() + " --figures svg --out " + out.string());
  ASSERT_EQ(res.exit_code, 0) << res.output;
  expect_magic(out / "heatmap_original_model.svg");
  expect_magic(out / "samples.svg");
  EXPECT_FALSE(std::filesystem::exists(out / "samples.png"));
  EXPECT_FALSE(std::filesystem::exists(out / "units_original_model.pdf"));
  // The report is made from results.json and the models, whatever the figures' format.
  EXPECT_TRUE(std::filesystem::exists(out / "report.html"));
}

// predictions.csv: a row per test image whose columns give results.json's accuracies.
TEST_F(RunOnSmallData, PredictionsAgreeWithTheAccuracies) {
  const auto out = dir_ / "run";
  ASSERT_EQ(savant("reproduce " + small() + " --out " + out.string()).exit_code, 0);
  std::ifstream csv(out / "predictions.csv");
  std::string line;
  ASSERT_TRUE(std::getline(csv, line));
  const std::vector<std::string> columns = {
      "original_model_on_original_test", "original_model_on_shuffled_test",
      "shuffled_model_on_original_test", "shuffled_model_on_shuffled_test"};
  EXPECT_EQ(line,
            "index,label," + columns[0] + "," + columns[1] + "," + columns[2] + "," + columns[3]);
  std::vector<int> correct(4, 0);
  std::size_t rows = 0;
  for (; std::getline(csv, line); ++rows) {
    std::vector<int> fields;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(std::stoi(cell));
    ASSERT_EQ(fields.size(), 6u) << line;
    EXPECT_EQ(fields[0], static_cast<int>(rows));
    EXPECT_GE(fields[1], 0);
    EXPECT_LT(fields[1], 10);
    for (std::size_t c = 0; c < 4; ++c) correct[c] += fields[2 + c] == fields[1] ? 1 : 0;
  }
  EXPECT_EQ(rows, 30u);
  std::ifstream results(out / "results.json");
  const nlohmann::json j = nlohmann::json::parse(results);
  for (std::size_t c = 0; c < 4; ++c) {
    const std::string model = c < 2 ? "original_model" : "shuffled_model";
    const std::string test = c % 2 == 0 ? "original_test" : "shuffled_test";
    EXPECT_DOUBLE_EQ(j["accuracy"][model][test].get<double>(), correct[c] / 30.0) << columns[c];
    // The confusion matrix's diagonal counts the same images.
    std::int64_t diagonal = 0;
    for (std::size_t k = 0; k < 10; ++k)
      diagonal += j["confusion"][model][test][k][k].get<std::int64_t>();
    EXPECT_EQ(diagonal, correct[c]) << columns[c];
  }
}

// results.json says where, when and how the run was made.
TEST_F(RunOnSmallData, ResultsRecordTheMachineTimeAndCommandLine) {
  const auto out = dir_ / "run";
  const std::string args = "reproduce " + small() + " --out " + out.string();
  ASSERT_EQ(savant(args).exit_code, 0);
  std::ifstream in(out / "results.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_TRUE(std::regex_match(j["run"]["started"].get<std::string>(),
                               std::regex(R"(20\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\dZ)")))
      << j["run"]["started"];
  const auto command_line = j["run"]["command_line"].get<std::vector<std::string>>();
  ASSERT_EQ(command_line.size(), 14u);
  EXPECT_EQ(command_line[0], savant_binary());
  EXPECT_EQ(command_line[1], "reproduce");
  EXPECT_EQ(command_line.back(), out.string());
  EXPECT_FALSE(j["machine"]["host"].get<std::string>().empty());
  EXPECT_EQ(j["machine"]["hardware_threads"].get<unsigned>(), std::thread::hardware_concurrency());
  EXPECT_TRUE(j["machine"]["cpu"].is_string());
  EXPECT_TRUE(j["machine"]["system"].is_string());
  EXPECT_TRUE(j["config"]["engine"].is_string());
}

// What is left of `output` without savant's warning lines (random labels: the small runs do
// not learn, and say so).
std::string without_warnings(const std::string& output) {
  std::string kept;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    end = end == std::string::npos ? output.size() : end + 1;
    if (output.compare(start, 17, "savant: warning: ") != 0)
      kept += output.substr(start, end - start);
    start = end;
  }
  return kept;
}

// --quiet: no progress and no summary; the files are the same, warnings still shown.
TEST_F(RunOnSmallData, QuietPrintsOnlyWarningsAndErrors) {
  const auto res = savant("reproduce " + small() + " --quiet --out " + (dir_ / "run").string());
  EXPECT_EQ(res.exit_code, 0) << res.output;
  EXPECT_EQ(without_warnings(res.output), "");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "run" / "report.html"));
  const auto model = dir_ / "model.safetensors";
  const auto train =
      savant("train --train-on original --quiet " + small() + " --out " + model.string());
  EXPECT_EQ(train.exit_code, 0) << train.output;
  EXPECT_EQ(without_warnings(train.output), "");
  const auto analyze = savant("analyze --quiet --model " + model.string() + " --out " +
                              (dir_ / "analysis").string());
  EXPECT_EQ(without_warnings(analyze.output), "");
  const auto report = savant("report --quiet " + (dir_ / "run").string());
  EXPECT_EQ(without_warnings(report.output), "");
  // A warning is not silenced.
  const auto shuffle = savant("shuffle --quiet --grid 2 --mode derange --seed 1 --data " +
                              (dir_ / "data").string() + " --out " + (dir_ / "shuffled").string());
  EXPECT_EQ(shuffle.exit_code, 0) << shuffle.output;
  EXPECT_EQ(shuffle.output, "savant: warning: --mode is deprecated; use --shuffle\n");
  // Nor is an error.
  const auto bad = savant("reproduce --quiet --grid 5 --data " + (dir_ / "data").string() +
                          " --out " + (dir_ / "bad").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("savant: error: --grid 5: does not divide the 12x12 images; use one of "
                            "1, 2, 3, 4, 6 or 12"),
            std::string::npos)
      << bad.output;
}

// Without --quiet, stdout is the summary, from its first line.
TEST_F(RunOnSmallData, SummaryStartsOnTheFirstLine) {
  // stdout alone: the progress goes to stderr.
  const auto res = run_command(fmt::format("({} reproduce {} --out {} 2>/dev/null)",
                                           savant_binary(), small(), (dir_ / "run").string()));
  ASSERT_EQ(res.exit_code, 0);
  EXPECT_EQ(res.output.rfind("Accuracy (rows: training data", 0), 0u) << res.output;
}

TEST_F(RunOnSmallData, AnalyzeWritesTheHeatMapInEachFormat) {
  const auto model = dir_ / "model.safetensors";
  ASSERT_EQ(savant("train --train-on shuffled " + small() + " --out " + model.string()).exit_code,
            0);
  const auto out = dir_ / "analysis";
  const auto res =
      savant("analyze --model " + model.string() + " --figures svg,pdf --out " + out.string());
  ASSERT_EQ(res.exit_code, 0) << res.output;
  expect_magic(out / "heatmap.svg");
  expect_magic(out / "heatmap.pdf");
  EXPECT_FALSE(std::filesystem::exists(out / "heatmap.png"));
  EXPECT_NE(read_all(out / "analysis.json").find(R"("heatmaps": [)"), std::string::npos);
}

TEST_F(RunOnSmallData, BadFigureFormatsAreUsageErrors) {
  for (const char* value : {"gif", "png,gif", "''", "png,", "PNG"}) {
    const auto res = savant("reproduce " + small() + " --figures " + value + " --out " +
                            (dir_ / "never").string());
    EXPECT_EQ(res.exit_code, 2) << value << "\n" << res.output;
    EXPECT_NE(res.output.find("savant: error: --figures"), std::string::npos) << res.output;
    EXPECT_NE(res.output.find("png, svg and pdf"), std::string::npos) << res.output;
  }
  const auto res =
      savant("reproduce " + small() + " --figures png,gif --out " + (dir_ / "never").string());
  EXPECT_NE(res.output.find("'gif' is not a figure format"), std::string::npos) << res.output;
}

std::string bytes_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// --block-grid draws the g x g borders over the heat maps (reproduce's and analyze's) and
// changes nothing else: the models are the same bit for bit.
TEST_F(RunOnSmallData, BlockGridDrawsTheBordersOverTheHeatMaps) {
  const auto plain = dir_ / "plain", grid = dir_ / "grid";
  ASSERT_EQ(
      savant("reproduce --quiet --figures svg " + small() + " --out " + plain.string()).exit_code,
      0);
  ASSERT_EQ(
      savant("reproduce --quiet --figures svg --block-grid " + small() + " --out " + grid.string())
          .exit_code,
      0);
  for (const char* model : {"original_model", "shuffled_model"}) {
    const std::string a = bytes_of(plain / fmt::format("heatmap_{}.svg", model));
    const std::string b = bytes_of(grid / fmt::format("heatmap_{}.svg", model));
    EXPECT_NE(a, b) << model << ": the block grid changed nothing";
    EXPECT_GT(b.size(), a.size()) << model << ": the borders add paths";
  }
  // The models themselves (their weights) do not change; only the metadata's run id does.
  EXPECT_EQ(read_safetensors(plain / "original_model.safetensors").tensors[0].values,
            read_safetensors(grid / "original_model.safetensors").tensors[0].values);
  const std::string model = (plain / "shuffled_model.safetensors").string();
  ASSERT_EQ(
      savant("analyze --quiet --figures svg --model " + model + " --out " + (dir_ / "a").string())
          .exit_code,
      0);
  ASSERT_EQ(savant("analyze --quiet --figures svg --block-grid --model " + model + " --out " +
                   (dir_ / "b").string())
                .exit_code,
            0);
  EXPECT_GT(bytes_of(dir_ / "b" / "heatmap.svg").size(),
            bytes_of(dir_ / "a" / "heatmap.svg").size());
}

}  // namespace
}  // namespace savant
