// The configuration: one validate() naming fields, and the files of earlier versions (results.json
// and model metadata with the old names of the learning rate and of the training data's CRC).

#include <gtest/gtest.h>

#include <string>

#include "savant/core/error.hpp"
#include "savant/experiment/config.hpp"
#include "savant/experiment/results_file.hpp"

namespace savant {
namespace {

// The field InvalidSetting names for `config`, or "" when the configuration is valid.
std::string invalid_field(const ExperimentConfig& config) {
  try {
    validate(config);
  } catch (const InvalidSetting& e) {
    return e.setting();
  }
  return "";
}

TEST(Config, ValidateNamesTheFieldNotAFlag) {
  EXPECT_EQ(invalid_field(ExperimentConfig{}), "");
  auto with = [](auto set) {
    ExperimentConfig c;
    set(c);
    return invalid_field(c);
  };
  EXPECT_EQ(with([](ExperimentConfig& c) { c.learning_rate = 0; }), "learning_rate");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.learning_rate = -1.0f; }), "learning_rate");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.hidden = 0; }), "hidden");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.layers = 17; }), "layers");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.epochs = 0; }), "epochs");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.batch = 65537; }), "batch");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.threads = 0; }), "threads");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.grid = 256; }), "grid");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.grid = 1; }), "grid");
  EXPECT_EQ(with([](ExperimentConfig& c) { c.grid = 1, c.shuffle = ShuffleMode::kPermute; }), "");
}

TEST(Config, JsonRoundTripAndTheOldNameOfTheLearningRate) {
  ExperimentConfig c;
  c.data = "/d";
  c.learning_rate = 3e-4f;
  c.seed = 7;
  const nlohmann::json j = config_json(c);
  EXPECT_FALSE(j.contains("lr"));
  EXPECT_EQ(j["learning_rate"], 0.0003);  // the float's shortest decimal form
  EXPECT_EQ(config_from_json(j, "x"), c);
  nlohmann::json old = j;
  old.erase("learning_rate");
  old["lr"] = static_cast<double>(3e-4f);  // how earlier versions wrote it
  EXPECT_EQ(config_from_json(old, "x"), c);
}

TEST(Config, ModelMetadataOfEarlierVersionsStillReads) {
  ModelProvenance p;
  p.config.data = "/d";
  p.config.learning_rate = 2e-3f;
  p.train_on = {RegimeKind::kShuffled, 0};
  p.rows = p.cols = 28;
  p.train_crc32 = 0x00abcdef;
  p.savant_version = "0.1.0";
  p.engine = "general-portable";
  auto metadata = model_metadata(p);
  EXPECT_EQ(metadata.at("train_crc32"), "00abcdef");
  EXPECT_EQ(metadata.at("engine"), "general-portable");
  EXPECT_EQ(provenance_from_metadata(metadata, "new.safetensors")->engine, "general-portable");
  // Earlier versions: train_data_crc32, "lr" inside the config, and no engine.
  metadata.erase("engine");
  metadata["train_data_crc32"] = metadata.at("train_crc32");
  metadata.erase("train_crc32");
  nlohmann::json config = nlohmann::json::parse(metadata.at("config"));
  config["lr"] = static_cast<double>(p.config.learning_rate);
  config.erase("learning_rate");
  metadata["config"] = config.dump();
  const auto q = provenance_from_metadata(metadata, "old.safetensors");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->train_crc32, p.train_crc32);
  EXPECT_EQ(q->config, p.config);
  EXPECT_EQ(q->train_on, p.train_on);
  EXPECT_EQ(q->engine, "");
}

// set_field parses the type only; validate() checks the range, so that "0" parses and fails
// there, naming the field, while "four" fails in set_field.
TEST(Config, SetFieldParsesTextAndNamesTheField) {
  ExperimentConfig c;
  set_field(c, "grid", "7");
  set_field(c, "learning_rate", "0.01");
  set_field(c, "shuffle", "permute");
  set_field(c, "seed", "18446744073709551615");
  EXPECT_EQ(c.grid, 7);
  EXPECT_EQ(c.learning_rate, 0.01f);
  EXPECT_EQ(c.shuffle, ShuffleMode::kPermute);
  EXPECT_EQ(c.seed, 18446744073709551615u);
  auto field_of_error = [](const char* field, const char* text) -> std::string {
    ExperimentConfig x;
    try {
      set_field(x, field, text);
    } catch (const InvalidSetting& e) {
      return e.setting() + " " + e.value();
    }
    return "";
  };
  EXPECT_EQ(field_of_error("grid", "four"), "grid 'four'");
  EXPECT_EQ(field_of_error("hidden", "-1"), "hidden '-1'");
  EXPECT_EQ(field_of_error("seed", "18446744073709551616"), "seed '18446744073709551616'");
  EXPECT_EQ(field_of_error("learning_rate", "1e39"), "learning_rate '1e39'");
  EXPECT_EQ(field_of_error("epochs", "1.5"), "epochs '1.5'");
  EXPECT_EQ(field_of_error("hidden", "0"), "");  // a range, for validate()
  set_field(c, "hidden", "0");
  EXPECT_EQ(invalid_field(c), "hidden");
}

}  // namespace
}  // namespace savant
