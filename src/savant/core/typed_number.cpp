#include "savant/core/typed_number.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace savant {

double as_typed(float value) {
  if (!std::isfinite(value)) return static_cast<double>(value);
  // The shortest text that reads back as this float, read as a double.
  std::array<char, 64> text{};
  const auto written = std::to_chars(text.data(), text.data() + text.size(), value);
  double out = 0;
  std::from_chars(text.data(), written.ptr, out);
  return out;
}

}  // namespace savant
