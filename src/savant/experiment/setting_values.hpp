#pragma once
// The text of a setting's value as a number (settings.cpp): whole numbers of any integer type
// and floats, each refused with an InvalidSetting that names the setting and says what fits.

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {

template <typename T>
T parse_whole(const std::string& name, std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (!text.empty() && ec == std::errc::result_out_of_range) {
    throw InvalidSetting(name, fmt::format("'{}'", text),
                         fmt::format("not a whole number from {} to {}",
                                     std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  }
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw InvalidSetting(
        name, fmt::format("'{}'", text),
        std::is_signed_v<T> ? "not a whole number" : "not a whole number of 0 or more");
  }
  return value;
}

// A float: "nan" and "inf" parse (check says why they are no learning rate); a number beyond
// the float's range does not.
inline float parse_float(const std::string& name, std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw InvalidSetting(name, fmt::format("'{}'", text), "not a number (e.g. 0.001)");
  }
  if (std::isfinite(value) && std::abs(value) > std::numeric_limits<float>::max()) {
    throw InvalidSetting(name, fmt::format("'{}'", text),
                         "beyond the range of a float (e.g. 0.001)");
  }
  if (value != 0 && static_cast<float>(value) == 0) {
    throw InvalidSetting(name, fmt::format("'{}'", text),
                         "closer to 0 than a float can hold, so it would be 0 (e.g. 0.001)");
  }
  return static_cast<float>(value);
}

}  // namespace savant
