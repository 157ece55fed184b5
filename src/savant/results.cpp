#include "savant/results.hpp"

#include <cmath>

#include <fmt/format.h>

#include "savant/version.hpp"

namespace savant {
namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json history_json(const std::vector<EpochRecord>& history) {
  nlohmann::json out = nlohmann::json::array();
  for (const EpochRecord& e : history) {
    out.push_back({{"epoch", e.epoch},
                   {"loss", number_or_null(e.loss)},
                   {"train_accuracy", e.train_accuracy},
                   {"seconds", e.seconds}});
  }
  return out;
}

nlohmann::json evaluation_json(const Evaluation& e) {
  nlohmann::json per_class = nlohmann::json::array();
  for (double a : e.per_class_accuracy()) per_class.push_back(number_or_null(a));
  return {{"accuracy", e.accuracy()},
          {"per_class_accuracy", per_class},
          {"confusion", e.confusion_rows()}};
}

nlohmann::json signature_json(const GridSignature& s) {
  return {{"within", number_or_null(s.within)},
          {"across", number_or_null(s.across)},
          {"contrast", number_or_null(s.contrast)},
          {"within_pairs", s.within_pairs},
          {"across_pairs", s.across_pairs}};
}

}  // namespace

nlohmann::json matrix_json(std::span<const double> values, std::size_t rows, std::size_t cols) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t r = 0; r < rows; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t c = 0; c < cols; ++c) row.push_back(number_or_null(values[r * cols + c]));
    out.push_back(std::move(row));
  }
  return out;
}

nlohmann::json config_json(const ExperimentConfig& c) {
  return {{"data", c.data.string()},
          {"grid", c.grid},
          {"shuffle", to_string(c.shuffle)},
          {"hidden", c.hidden},
          {"layers", c.layers},
          {"epochs", c.epochs},
          {"batch", c.batch},
          {"lr", static_cast<double>(c.learning_rate)},
          {"seed", c.seed},
          {"threads", c.threads},
          {"train_limit", c.train_limit}};
}

nlohmann::json results_json(const ReproduceResult& r) {
  nlohmann::json j;
  j["savant_version"] = kVersion;
  j["config"] = config_json(r.config);
  j["data"] = {{"image_rows", r.rows},
               {"image_cols", r.cols},
               {"train_images", r.train_count},
               {"test_images", r.test_count},
               {"train_crc32", fmt::format("{:08x}", r.train_digest)},
               {"class_names", r.class_names}};
  for (const ModelReport* m : {&r.original, &r.shuffled}) {
    j["accuracy"][m->name] = {{"original_test", m->on_original_test.accuracy()},
                              {"shuffled_test", m->on_shuffled_test.accuracy()}};
    j["grid_signature"][m->name] = signature_json(m->signature);
    j["adjacent_correlation"][m->name] = matrix_json(m->adjacent, r.rows, r.cols);
    j["history"][m->name] = history_json(m->history);
    j["confusion"][m->name] = {{"original_test", m->on_original_test.confusion_rows()},
                               {"shuffled_test", m->on_shuffled_test.confusion_rows()}};
    j["evaluation"][m->name] = {{"original_test", evaluation_json(m->on_original_test)},
                                {"shuffled_test", evaluation_json(m->on_shuffled_test)}};
  }
  j["article"] = {{"original_model", {{"original_test", 0.87}, {"shuffled_test", 0.11}}},
                  {"shuffled_model", {{"original_test", 0.32}, {"shuffled_test", 0.63}}}};
  j["samples"] = r.sample_indices;
  j["timing_seconds"] = {{"load", r.timings.load},
                         {"shuffle", r.timings.shuffle},
                         {"train_original_model", r.timings.train_original_model},
                         {"train_shuffled_model", r.timings.train_shuffled_model},
                         {"evaluate", r.timings.evaluate},
                         {"analyze", r.timings.analyze},
                         {"write", r.timings.write},
                         {"total", r.timings.total}};
  return j;
}

std::map<std::string, std::string> model_metadata(const ReproduceResult& r, const ModelReport& m) {
  nlohmann::json config = config_json(r.config);
  config["train_on"] = m.name == "original_model" ? "original" : "shuffled";
  return {{"format", "savant-dense"},
          {"savant_version", kVersion},
          {"config", config.dump()},
          {"train_on", config["train_on"].get<std::string>()},
          {"grid", std::to_string(r.config.grid)},
          {"shuffle", to_string(r.config.shuffle)},
          {"image_rows", std::to_string(r.rows)},
          {"image_cols", std::to_string(r.cols)},
          {"train_data_crc32", fmt::format("{:08x}", r.train_digest)}};
}

}  // namespace savant
