#include "savant/experiment/config.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/typed_number.hpp"

namespace savant {
namespace {

template <typename T>
void check_range(const char* field, T value, T lo, T hi) {
  if (value < lo || value > hi) {
    throw InvalidSetting(field, fmt::format("{}", value),
                         fmt::format("out of range; use {} to {}", lo, hi));
  }
}

template <typename T>
T parse_whole(std::string_view field, std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (!text.empty() && ec == std::errc::result_out_of_range) {
    throw InvalidSetting(std::string(field), fmt::format("'{}'", text),
                         fmt::format("not a whole number from {} to {}",
                                     std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  }
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw InvalidSetting(
        std::string(field), fmt::format("'{}'", text),
        std::is_signed_v<T> ? "not a whole number" : "not a whole number of 0 or more");
  }
  return value;
}

// A float: "nan" and "inf" parse (validate() says why they are no learning rate); a number
// beyond the float's range does not.
float parse_float(std::string_view field, std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw InvalidSetting(std::string(field), fmt::format("'{}'", text),
                         "not a number (e.g. 0.001)");
  }
  if (std::isfinite(value) && std::abs(value) > std::numeric_limits<float>::max()) {
    throw InvalidSetting(std::string(field), fmt::format("'{}'", text),
                         "beyond the range of a float (e.g. 0.001)");
  }
  if (value != 0 && static_cast<float>(value) == 0) {
    throw InvalidSetting(std::string(field), fmt::format("'{}'", text),
                         "closer to 0 than a float can hold, so it would be 0 (e.g. 0.001)");
  }
  return static_cast<float>(value);
}

}  // namespace

void set_field(ExperimentConfig& c, std::string_view field, std::string_view text) {
  if (field == "data") {
    c.data = std::string(text);
  } else if (field == "grid") {
    c.grid = parse_whole<int>(field, text);
  } else if (field == "shuffle") {
    c.shuffle = parse_shuffle_mode(text);
  } else if (field == "hidden") {
    c.hidden = parse_whole<std::size_t>(field, text);
  } else if (field == "layers") {
    c.layers = parse_whole<std::size_t>(field, text);
  } else if (field == "epochs") {
    c.epochs = parse_whole<std::size_t>(field, text);
  } else if (field == "batch") {
    c.batch = parse_whole<std::size_t>(field, text);
  } else if (field == "learning_rate") {
    c.learning_rate = parse_float(field, text);
  } else if (field == "seed") {
    c.seed = parse_whole<std::uint64_t>(field, text);
  } else if (field == "threads") {
    c.threads = parse_whole<int>(field, text);
  } else if (field == "train_limit") {
    c.train_limit = parse_whole<std::size_t>(field, text);
  } else {
    throw InvalidSetting(std::string(field), fmt::format("'{}'", text),
                         "not a setting of the configuration");
  }
}

void validate(const ExperimentConfig& config) {
  check_range<std::size_t>("hidden", config.hidden, 1, 65536);
  check_range<std::size_t>("layers", config.layers, 1, 16);
  check_range<std::size_t>("epochs", config.epochs, 1, 10000);
  check_range<std::size_t>("batch", config.batch, 1, 65536);
  if (!(config.learning_rate > 0.0f) || !std::isfinite(config.learning_rate)) {
    throw InvalidSetting("learning_rate", fmt::format("{}", config.learning_rate),
                         "must be a positive number (e.g. 0.001)");
  }
  check_range("threads", config.threads, 1, 1024);
  if (!is_utf8(config.data.native()) || !is_utf8(absolute_path(config.data).native())) {
    throw InvalidSetting("data",
                         fmt::format("'{}'", printable(absolute_path(config.data).native())),
                         "is not UTF-8 text (the bytes shown as \\x..): savant names the data "
                         "set's path in results.json and model metadata, which are UTF-8 text, "
                         "and does not alter a path; rename the directory");
  }
  if (config.grid < 1 || config.grid > 255) {
    throw InvalidSetting("grid", std::to_string(config.grid),
                         "out of range; use a divisor of the image size");
  }
  if (config.grid == 1 &&
      (config.shuffle == ShuffleMode::kDerange || config.shuffle == ShuffleMode::kFixed)) {
    throw InvalidSetting("grid", "1",
                         fmt::format("a single block has no derangement; use a grid of 2 or "
                                     "more with shuffle {}",
                                     to_string(config.shuffle)));
  }
}

std::filesystem::path absolute_path(const std::filesystem::path& path) {
  if (path.empty()) return path;
  return kernel_path(path);
}

nlohmann::json config_json(const ExperimentConfig& c) {
  return {{"data", absolute_path(c.data).string()},
          {"grid", c.grid},
          {"shuffle", to_string(c.shuffle)},
          {"hidden", c.hidden},
          {"layers", c.layers},
          {"epochs", c.epochs},
          {"batch", c.batch},
          {"learning_rate", as_typed(c.learning_rate)},
          {"seed", c.seed},
          {"threads", c.threads},
          {"train_limit", c.train_limit}};
}

ExperimentConfig config_from_json(const nlohmann::json& j, std::string_view source) {
  auto field = [&](const char* key, const char* old_key = nullptr) -> const nlohmann::json& {
    if (j.is_object() && j.contains(key)) return j.at(key);
    if (old_key != nullptr && j.is_object() && j.contains(old_key)) return j.at(old_key);
    throw Error(fmt::format("{}: the configuration has no '{}'", source, key));
  };
  // A whole number of type T, range-checked: nlohmann's get<> would wrap -1 into 2^64 - 1.
  auto whole = [&]<typename T>(const char* key, T) -> T {
    const nlohmann::json& v = field(key);
    bool fits = false;
    if (v.is_number_unsigned()) {
      fits = std::in_range<T>(v.get<std::uint64_t>());
    } else if (v.is_number_integer()) {
      fits = std::in_range<T>(v.get<std::int64_t>());
    }
    if (!fits) {
      throw Error(fmt::format(
          "{}: '{}' has the wrong type or range: {}, expected a whole number "
          "from {} to {}",
          source, key, v.dump(), std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    }
    return v.get<T>();
  };
  ExperimentConfig c;
  try {
    c.data = field("data").get<std::string>();
    c.grid = whole("grid", int{});
    c.shuffle = parse_shuffle_mode(field("shuffle").get<std::string>());
    c.hidden = whole("hidden", std::size_t{});
    c.layers = whole("layers", std::size_t{});
    c.epochs = whole("epochs", std::size_t{});
    c.batch = whole("batch", std::size_t{});
    c.learning_rate = static_cast<float>(field("learning_rate", "lr").get<double>());
    c.seed = whole("seed", std::uint64_t{});
    c.threads = whole("threads", int{});
    c.train_limit = whole("train_limit", std::size_t{});
    validate(c);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: a configuration field has the wrong type: {}", source, e.what()));
  } catch (const UsageError& e) {
    throw Error(fmt::format("{}: {}", source, e.what()));
  }
  return c;
}

}  // namespace savant
