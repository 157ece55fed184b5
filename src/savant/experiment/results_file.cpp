#include "savant/experiment/results_file.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/json_input.hpp"
#include "savant/core/typed_number.hpp"
#include "savant/core/version.hpp"
#include "savant/experiment/first_layer.hpp"

namespace savant {
namespace {

// Marks a safetensors file as a savant model whose metadata model_metadata wrote.
constexpr const char* kModelFormat = "savant-dense";

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json history_json(const std::vector<EpochRecord>& history) {
  nlohmann::json out = nlohmann::json::array();
  for (const EpochRecord& e : history) {
    out.push_back({{"epoch", e.epoch},
                   {"loss", number_or_null(e.loss)},
                   {"train_accuracy", e.train_accuracy},
                   {"seconds", e.seconds},
                   {"original_test_loss", number_or_null(e.original_test_loss)},
                   {"original_test_accuracy", number_or_null(e.original_test_accuracy)},
                   {"shuffled_test_loss", number_or_null(e.shuffled_test_loss)},
                   {"shuffled_test_accuracy", number_or_null(e.shuffled_test_accuracy)}});
  }
  return out;
}

nlohmann::json specialisation_json(const BlockSpecialisation& s, int grid) {
  const auto g = static_cast<std::size_t>(grid);
  if (s.owned.size() != g * g) {
    throw Error(fmt::format("block specialisation: {} counts of owned blocks for a {}x{} grid",
                            s.owned.size(), g, g));
  }
  nlohmann::json owned = nlohmann::json::array();
  for (std::size_t r = 0; r < g; ++r) {
    owned.push_back(
        std::vector<std::size_t>(s.owned.begin() + static_cast<std::ptrdiff_t>(r * g),
                                 s.owned.begin() + static_cast<std::ptrdiff_t>(r * g + g)));
  }
  return {{"mean", number_or_null(s.mean)}, {"owned", owned}};
}

nlohmann::json discontinuity_json(const std::optional<BorderDiscontinuity>& d) {
  if (!d) return nullptr;
  return {{"mean", number_or_null(d->mean)}, {"median", number_or_null(d->median)}};
}

nlohmann::json model_units_json(const ModelUnits& u, const std::string& test, int grid) {
  const auto g = static_cast<std::size_t>(grid);
  nlohmann::json j = unit_weights_json(u, grid, true);
  j.update(nlohmann::json{
      {"lesions",
       {{"test", test},
        {"baseline", u.lesions.baseline},
        {"accuracy", matrix_json(u.lesions.accuracy, g, g)},
        {"lost", matrix_json(u.lesions.lost, g, g)}}},
      {"invariance", u.invariance ? nlohmann::json{{"consistent", u.invariance->consistent},
                                                   {"accuracy", u.invariance->accuracy}}
                                  : nlohmann::json(nullptr)}});
  return j;
}

}  // namespace

nlohmann::json comparison_json(const ModelComparison& c) {
  return {{"cka", number_or_null(c.cka)}, {"agreement", c.agreement}};
}

nlohmann::json unit_weights_json(const ModelUnits& u, int grid, bool with_change) {
  // Without the change (a model whose seed is unknown) its measures were never computed: they
  // are not read at all.
  return {{"specialisation",
           {{"trained", specialisation_json(u.specialisation, grid)},
            {"change", with_change ? specialisation_json(u.specialisation_change, grid)
                                   : nlohmann::json(nullptr)}}},
          {"border_discontinuity",
           {{"trained", discontinuity_json(u.discontinuity)},
            {"change",
             with_change ? discontinuity_json(u.discontinuity_change) : nlohmann::json(nullptr)}}}};
}

nlohmann::json units_json(const UnitAnalysis& u, int grid) {
  return {{"test_images", u.images},
          {"puzzles", kUnitPuzzles},
          {"original_model", model_units_json(u.original, "original_test", grid)},
          {"shuffled_model", model_units_json(u.shuffled, "shuffled_test", grid)},
          {"comparison",
           {{"original_test", comparison_json(u.on_original_test)},
            {"shuffled_test", comparison_json(u.on_shuffled_test)}}}};
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

nlohmann::json matrix_json(std::span<const double> values, std::size_t rows, std::size_t cols) {
  if ((cols != 0 && rows > values.size() / cols) || rows * cols != values.size()) {
    throw Error(fmt::format("a {}x{} matrix given {} values", rows, cols, values.size()));
  }
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t r = 0; r < rows; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t c = 0; c < cols; ++c) row.push_back(number_or_null(values[r * cols + c]));
    out.push_back(std::move(row));
  }
  return out;
}

nlohmann::json results_json(const ReproduceResult& r) {
  nlohmann::json j;
  j["savant_version"] = kVersion;
  j["run"]["id"] = r.run_id;
  j["config"] = config_json(r.config);
  // The engine that trained both models (they share one layout): not a setting of the run, as
  // the numbers may differ in the last bits from one engine to another.
  j["config"]["engine"] = r.original.engine;
  j["run"]["started"] = r.started;
  j["run"]["command_line"] = r.command_line;
  j["machine"] = {{"host", r.machine.host},
                  {"cpu", r.machine.cpu},
                  {"hardware_threads", r.machine.hardware_threads},
                  {"system", r.machine.system}};
  j["data"] = {{"image_rows", r.rows},
               {"image_cols", r.cols},
               {"train_images", r.train_count},
               {"test_images", r.test_count},
               {"train_crc32", fmt::format("{:08x}", r.train_crc32)},
               {"class_names", r.class_names}};
  // The pixel-correlation analysis and the units need a dense first layer (first_layer.hpp).
  const bool dense = has_dense_first_layer(r.config.model);
  for (const ModelReport* m : {&r.original, &r.shuffled}) {
    j["accuracy"][m->name] = {{"original_test", m->on_original_test.accuracy()},
                              {"shuffled_test", m->on_shuffled_test.accuracy()}};
    if (dense) {
      j["grid_signature"][m->name] = signature_json(m->signature);
      j["adjacent_correlation"][m->name] = matrix_json(m->adjacent, r.rows, r.cols);
    }
    j["history"][m->name] = history_json(m->history);
    const std::optional<std::size_t> fit =
        epochs_to_fit(m->history, as_typed(r.config.fit_threshold));
    j["epochs_to_fit"][m->name] = fit ? nlohmann::json(*fit) : nlohmann::json(nullptr);
    j["confusion"][m->name] = {{"original_test", m->on_original_test.confusion_rows()},
                               {"shuffled_test", m->on_shuffled_test.confusion_rows()}};
    j["evaluation"][m->name] = {{"original_test", evaluation_json(m->on_original_test)},
                                {"shuffled_test", evaluation_json(m->on_shuffled_test)}};
  }
  j["article"] = {{"original_model", {{"original_test", 0.87}, {"shuffled_test", 0.11}}},
                  {"shuffled_model", {{"original_test", 0.32}, {"shuffled_test", 0.63}}}};
  if (dense) j["units"] = units_json(r.units, r.config.grid);
  j["samples"] = r.sample_indices;
  j["timing_seconds"] = {{"load", r.timings.load},
                         {"shuffle", r.timings.shuffle},
                         {"train_original_model", r.timings.train_original_model},
                         {"train_shuffled_model", r.timings.train_shuffled_model},
                         {"evaluate", r.timings.evaluate},
                         {"analyze", r.timings.analyze},
                         {"units", r.timings.units},
                         {"write", r.timings.write},
                         {"total", r.timings.total}};
  j["warnings"] = r.warnings;
  return j;
}

std::map<std::string, std::string> model_metadata(const ModelProvenance& p) {
  nlohmann::json config = config_json(p.config);
  config["train_on"] = to_string(p.train_on);
  std::map<std::string, std::string> metadata = {
      {"format", kModelFormat},
      {"savant_version", p.savant_version},
      {"config", config.dump()},
      {"train_on", to_string(p.train_on)},
      {"grid", std::to_string(p.config.grid)},
      {"shuffle", to_string(p.config.shuffle)},
      {"image_rows", std::to_string(p.rows)},
      {"image_cols", std::to_string(p.cols)},
      {"train_crc32", fmt::format("{:08x}", p.train_crc32)},
      {"engine", p.engine}};
  if (!p.run_id.empty()) metadata["run_id"] = p.run_id;
  return metadata;
}

std::optional<ModelProvenance> provenance_from_metadata(
    const std::map<std::string, std::string>& metadata, std::string_view source) {
  // Other tools write a format of their own ("pt", "tf", "flax"): their metadata says nothing
  // about savant's settings.
  auto format = metadata.find("format");
  if (format == metadata.end() || !format->second.starts_with("savant")) return std::nullopt;
  const std::string where = fmt::format("{}: __metadata__", source);
  if (format->second != kModelFormat) {
    throw Error(
        fmt::format("{}: format is '{}', expected '{}'", where, format->second, kModelFormat));
  }
  // `old_key`: the name files of earlier versions use.
  auto get = [&](const char* key, const char* old_key = nullptr) -> const std::string& {
    auto it = metadata.find(key);
    if (it == metadata.end() && old_key != nullptr) it = metadata.find(old_key);
    if (it == metadata.end()) {
      throw Error(fmt::format("{} has no '{}' (a file savant did not write whole?)", where, key));
    }
    return it->second;
  };
  auto size = [&](const char* key) -> std::size_t {
    const std::string& text = get(key);
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0) {
      throw Error(fmt::format("{}: '{}' is '{}', expected a positive integer", where, key, text));
    }
    return value;
  };
  ModelProvenance p;
  nlohmann::json config;
  try {
    config = parse_json(get("config"), "'config'");
  } catch (const JsonError& e) {
    throw Error(fmt::format("{}: 'config' is not a JSON object: it {}", where, e.problem()));
  }
  if (!config.is_object()) throw Error(fmt::format("{}: 'config' is not a JSON object", where));
  p.config = config_from_json(config, where + " config");
  try {
    p.train_on = parse_regime(get("train_on"));
  } catch (const UsageError& e) {
    throw Error(fmt::format("{}: {}", where, e.what()));
  }
  p.rows = size("image_rows");
  p.cols = size("image_cols");
  const std::string& crc = get("train_crc32", "train_data_crc32");
  auto [end, ec] = std::from_chars(crc.data(), crc.data() + crc.size(), p.train_crc32, 16);
  if (crc.size() != 8 || ec != std::errc() || end != crc.data() + crc.size()) {
    throw Error(fmt::format("{}: 'train_crc32' is '{}', expected 8 hex digits", where, crc));
  }
  p.savant_version = get("savant_version");
  // Files of earlier versions do not say which engine trained them.
  if (auto engine = metadata.find("engine"); engine != metadata.end()) p.engine = engine->second;
  if (auto run = metadata.find("run_id"); run != metadata.end()) p.run_id = run->second;
  return p;
}

}  // namespace savant
