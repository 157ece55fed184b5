// Models that savant did not train: files with the tensors alone (no __metadata__, as PyTorch's
// or another tool's writer leaves them), of every shape that fits. eval, analyze and compare work
// on each, with the defaults they say they use, or end with an error that says why; none
// crashes.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"
#include "savant/experiment/compare.hpp"
#include "savant/experiment/steps.hpp"
#include "savant/formats/model_file.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

// A model of layer sizes `sizes` (inputs, hidden..., classes), Glorot weights, saved with no
// metadata and read back as the commands read it.
SavedModel foreign_model(const TempDir& dir, const std::vector<std::size_t>& sizes) {
  Network net{ParameterLayout(sizes)};
  glorot_uniform_init(net, 5);
  const auto path = dir / fmt::format("model-{}.safetensors", fmt::join(sizes, "-"));
  save_model(path, net, {});
  return load_saved_model(path);
}

bool has_warning(const std::vector<std::string>& warnings, const std::string& text) {
  for (const std::string& w : warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

// Square inputs: hidden layers of one unit, several hidden layers, none, 2 classes, 1 class, a
// one-pixel image.
const std::vector<std::vector<std::size_t>> kSquareShapes = {
    {64, 8, 10}, {64, 1, 10}, {64, 5, 3, 10}, {64, 10}, {64, 4, 2}, {16, 3, 1}, {1, 1, 1}};

TEST(ForeignModels, AnalyzeWorksOnEveryShapeWithoutMetadata) {
  TempDir dir;
  for (const auto& sizes : kSquareShapes) {
    const SavedModel model = foreign_model(dir, sizes);
    SCOPED_TRACE(model.path.string());
    const AnalyzeReport report = run_analyze(model, std::nullopt);
    EXPECT_FALSE(report.units_change);
    EXPECT_TRUE(has_warning(report.warnings, "has no savant metadata"));
    const nlohmann::json j = analysis_json(model, report);
    EXPECT_TRUE(j["trained"].is_null());
    EXPECT_TRUE(j["units"]["specialisation"]["change"].is_null());
    EXPECT_EQ(j["units"]["specialisation"]["trained"]["owned"].size(),
              static_cast<std::size_t>(report.grid));
    write_analysis_outputs(model, report, dir / ("analysis-" + model.path.stem().string()));
    // At a grid given for it too.
    EXPECT_NO_THROW(run_analyze(model, 1));
  }
}

TEST(ForeignModels, AnalyzeChoosesAGridThatDividesTheImage) {
  TempDir dir;
  const struct {
    std::size_t inputs;
    int grid;
  } cases[] = {{64, 4}, {100, 2}, {81, 3}, {49, 1}};
  for (const auto& c : cases) {
    const AnalyzeReport report = run_analyze(foreign_model(dir, {c.inputs, 3, 10}), std::nullopt);
    EXPECT_EQ(report.grid, c.grid) << c.inputs;
    const bool said = has_warning(report.warnings, "the article's 4 does not divide");
    EXPECT_EQ(said, c.grid != 4) << c.inputs;
  }
}

TEST(ForeignModels, AnalyzeOfInputsThatAreNoSquareSaysWhy) {
  TempDir dir;
  try {
    run_analyze(foreign_model(dir, {24, 4, 10}), std::nullopt);
    FAIL() << "24 inputs were analysed as an image";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("its 24 inputs are not a square image"), std::string::npos)
        << e.what();
  }
}

// A model of more inputs than savant analyses (data/image_limits.hpp) is refused when it is
// read, before analyze allocates R.
TEST(ForeignModels, MoreInputsThanSavantAnalysesAreRefusedOnLoad) {
  TempDir dir;
  const std::size_t side = 65;  // 4225 inputs, more than kMaxImagePixels
  try {
    (void)foreign_model(dir, {side * side, 1, 2});
    FAIL() << "a model of 65x65 inputs was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("larger than savant analyses"), std::string::npos)
        << e.what();
  }
}

class ForeignModelsOnData : public ::testing::Test {
 protected:
  // A data set of rows x cols images in dir_/name.
  std::filesystem::path data(const std::string& name, std::size_t rows, std::size_t cols) {
    const auto path = dir_ / name;
    if (!std::filesystem::exists(path)) {
      testing::write_dataset(path, testing::random_split(40, rows, cols, 10, 1),
                             testing::random_split(30, rows, cols, 10, 2), false);
    }
    return path;
  }
  EvalOptions eval_on(const std::filesystem::path& data) const {
    EvalOptions options;
    options.data = data;
    return options;
  }
  TempDir dir_;
};

TEST_F(ForeignModelsOnData, EvalAndCompareWorkOnEveryShapeWithoutMetadata) {
  const auto d8 = data("d8", 8, 8);
  for (const auto& sizes :
       std::vector<std::vector<std::size_t>>{{64, 8, 10}, {64, 1, 10}, {64, 5, 3, 10}, {64, 10}}) {
    const SavedModel model = foreign_model(dir_, sizes);
    SCOPED_TRACE(model.path.string());
    const EvalReport report = run_eval(model, eval_on(d8));
    ASSERT_TRUE(report.original_test && report.shuffled_test);
    EXPECT_EQ(report.original_test->total, 30u);
    EXPECT_EQ(report.test.grid, 4);
    EXPECT_TRUE(has_warning(report.warnings, "has no savant metadata"));
    EXPECT_FALSE(eval_json(model, report)["trained"].is_object());
    if (sizes.size() < 3) continue;  // compare reads a hidden layer
    const CompareReport compared = run_compare(model, model, {d8, false, 2});
    EXPECT_DOUBLE_EQ(compared.original_test.models.agreement, 1.0);
    EXPECT_NO_THROW(compare_json(model, model, compared).dump());
  }
}

TEST_F(ForeignModelsOnData, EvalAndCompareChooseAGridThatDividesTheImages) {
  // 4x6 images: the article's grid 4 does not divide them, 2 does.
  const auto d46 = data("d46", 4, 6);
  const SavedModel model = foreign_model(dir_, {24, 4, 10});
  const EvalReport report = run_eval(model, eval_on(d46));
  EXPECT_EQ(report.test.grid, 2);
  EXPECT_TRUE(report.shuffled_test.has_value());
  EXPECT_TRUE(has_warning(report.warnings,
                          "using grid 2 (the article's 4 does not divide its "
                          "4x6 images)"));
  const CompareReport compared = run_compare(model, model, {d46, false, 1});
  EXPECT_EQ(compared.test.grid, 2);
  EXPECT_TRUE(has_warning(compared.warnings, "(grid 2, shuffle derange, seed 0)"));
}

TEST_F(ForeignModelsOnData, ImagesNoGridDividesAreTestedAsTheyAreOrRefused) {
  // 5x7 images: only a grid of 1 divides them, and one block has no derangement.
  const auto d57 = data("d57", 5, 7);
  const SavedModel model = foreign_model(dir_, {35, 4, 10});
  try {
    run_eval(model, eval_on(d57));
    FAIL() << "5x7 images were shuffled";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("records no grid (it has no savant metadata), and no "
                                         "grid of 2 or more divides its 5x7 test images"),
              std::string::npos)
        << e.what();
  }
  EvalOptions original_only = eval_on(d57);
  original_only.shuffled_test = false;
  EXPECT_TRUE(run_eval(model, original_only).original_test.has_value());
  try {
    run_compare(model, model, {d57, false, 1});
    FAIL() << "5x7 images were shuffled";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("compare cannot shuffle them"), std::string::npos)
        << e.what();
  }
}

TEST_F(ForeignModelsOnData, CompareRefusesAModelWithoutAHiddenLayer) {
  // More test images than one chunk of the analyses, on several threads: the error must come
  // before any thread starts.
  const auto big = dir_ / "big";
  testing::write_dataset(big, testing::random_split(40, 4, 4, 10, 1),
                         testing::random_split(1200, 4, 4, 10, 2), false);
  const SavedModel plain = foreign_model(dir_, {16, 4, 10});
  const SavedModel flat = foreign_model(dir_, {16, 10});
  for (const auto& [a, b] : {std::pair{&plain, &flat}, {&flat, &plain}}) {
    try {
      run_compare(*a, *b, {big, true, 3});
      FAIL() << "a model without a hidden layer was compared";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(flat.path.string() + " has no hidden layer"),
                std::string::npos)
          << e.what();
    }
  }
}

// PyTorch's safetensors files say {"format": "pt"}; other tools write keys of their own.
TEST(ForeignModels, MetadataOfAnotherToolIsNoSavantMetadata) {
  TempDir dir;
  Network net{ParameterLayout({4, 2, 3})};
  glorot_uniform_init(net, 1);
  for (const std::map<std::string, std::string>& metadata :
       {std::map<std::string, std::string>{{"format", "pt"}},
        {{"format", "tf"}, {"grid", "x"}},
        {{"framework", "keras"}}}) {
    save_model(dir / "m.safetensors", net, metadata);
    const SavedModel model = load_saved_model(dir / "m.safetensors");
    EXPECT_FALSE(model.provenance.has_value());
    EXPECT_EQ(model.metadata, metadata);
  }
}

}  // namespace
}  // namespace savant
