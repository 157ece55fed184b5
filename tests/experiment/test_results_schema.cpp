// results.json's one schema (experiment/results_schema.hpp): what the writer writes
// (results_file.hpp) reads back equal, the writer writes no key the schema does not describe,
// and the reader names a damaged key.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/results_schema.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using nlohmann::json;
using testing::TempDir;

// One small run's results.json, as results_json writes it (with a manifest, as the store adds).
class ResultsSchema : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const TempDir dir;
    testing::write_dataset(dir.path(), testing::random_split(100, 8, 8, 10, 7),
                           testing::random_split(12, 8, 8, 10, 8), false);
    ExperimentConfig config;
    config.data = dir.path();
    config.grid = 2;
    config.hidden = 6;
    config.epochs = 2;
    config.threads = 1;
    ReproduceResult result = run_reproduce(config);
    result.run_id = "0123456789abcdef0123456789abcdef";
    result.command_line = {"savant", "reproduce"};
    results_ = results_json(result);
    results_["manifest"] = json::array(
        {{{"file", "predictions.csv"}, {"bytes", 10}, {"sha256", std::string(64, 'a')}}});
  }

  // The error the reader gives for `results`, or "" when it reads it.
  static std::string error_of(const json& results) {
    try {
      parse_results_json(results.dump(), "results.json");
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  static inline json results_;
};

TEST_F(ResultsSchema, WrittenFileReadsBackEqual) {
  const RunResults read = parse_results_json(results_.dump(2), "results.json");
  const RunResults direct = run_results_of(results_);
  EXPECT_EQ(read.page, direct.page);
  EXPECT_EQ(read.page["accuracy"], results_["accuracy"]);
  EXPECT_EQ(read.page["units"], results_["units"]);
  EXPECT_EQ(read.rows, 8u);
  EXPECT_EQ(read.cols, 8u);
  EXPECT_EQ(read.classes, 10u);
  EXPECT_EQ(read.grid, 2);
  EXPECT_EQ(read.mode, ShuffleMode::kDerange);
  EXPECT_EQ(read.seed, results_["config"]["seed"].get<std::uint64_t>());
  EXPECT_EQ(read.machine, results_["machine"]);
  EXPECT_EQ(read.run_set["manifest"], results_["manifest"]);
  EXPECT_EQ(read.run_set["run"]["id"], "0123456789abcdef0123456789abcdef");
}

TEST_F(ResultsSchema, DescribesEveryKeyTheWriterWrites) {
  EXPECT_EQ(keys_outside_schema(results_), std::vector<std::string>{});
  // A key the writer would add without the schema is found.
  json more = results_;
  more["accuracy"]["original_model"]["fresh_test"] = 0.5;
  more["novelty"] = {{"a~b", 1}};
  EXPECT_EQ(keys_outside_schema(more),
            (std::vector<std::string>{"/accuracy/original_model/fresh_test", "/novelty/a~0b"}));
}

TEST_F(ResultsSchema, FilesOfEarlierVersionsAreRead) {
  json old = results_;
  for (const char* key : {"run", "machine", "units", "warnings", "manifest", "evaluation",
                          "adjacent_correlation", "samples"}) {
    old.erase(key);
  }
  old["config"]["lr"] = old["config"]["learning_rate"];
  old["config"].erase("learning_rate");
  EXPECT_EQ(error_of(old), "");
  const RunResults read = parse_results_json(old.dump(), "results.json");
  EXPECT_FALSE(read.page.contains("units"));
  EXPECT_TRUE(read.run_set.is_null());
}

TEST_F(ResultsSchema, DamageNamesTheKey) {
  json j = results_;
  j["confusion"]["shuffled_model"]["original_test"][2] = {1, 2};
  EXPECT_NE(error_of(j).find("'/confusion/shuffled_model/original_test/2' has 2 entries "
                             "(expected 10, one per class)"),
            std::string::npos)
      << error_of(j);
  j = results_;
  j["units"]["original_model"]["lesions"].erase("lost");
  EXPECT_NE(error_of(j).find("'/units/original_model/lesions/lost' is missing"), std::string::npos)
      << error_of(j);
  j = results_;
  j["evaluation"]["original_model"]["shuffled_test"]["per_class_accuracy"][0] = "all";
  EXPECT_NE(error_of(j).find("'/evaluation/original_model/shuffled_test/per_class_accuracy/0' "
                             "is of type string"),
            std::string::npos)
      << error_of(j);
  j = results_;
  j["timing_seconds"]["a/b"] = "slow";
  EXPECT_NE(error_of(j).find("'/timing_seconds/a~1b' is of type string"), std::string::npos)
      << error_of(j);
  j = results_;
  j["units"]["shuffled_model"] = {1, 2};
  EXPECT_NE(error_of(j).find("'/units/shuffled_model' is of type array (expected an object)"),
            std::string::npos)
      << error_of(j);
  j = results_;
  j["config"].erase("learning_rate");
  EXPECT_NE(error_of(j).find("'/config/learning_rate' is missing"), std::string::npos)
      << error_of(j);
  // A parent that may be null holds nothing when it is.
  j = results_;
  j["units"]["original_model"]["invariance"] = nullptr;
  EXPECT_EQ(error_of(j), "");
}

}  // namespace
}  // namespace savant
