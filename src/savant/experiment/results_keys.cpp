#include "savant/experiment/results_keys.hpp"

#include <algorithm>

namespace savant::results_keys {

using nlohmann::json;

bool matches(const json& v, Kind kind) {
  switch (kind) {
    case Kind::kObject:
      return v.is_object();
    case Kind::kObjectOrNull:
      return v.is_object() || v.is_null();
    case Kind::kArray:
      return v.is_array();
    case Kind::kString:
      return v.is_string();
    case Kind::kNumber:
      return v.is_number();
    case Kind::kNumberOrNull:
      return v.is_number() || v.is_null();
    case Kind::kUnsigned:
      return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
    case Kind::kScalar:
      return v.is_primitive();
  }
  return false;
}

std::string_view describe(Kind kind) {
  switch (kind) {
    case Kind::kObject:
      return "an object";
    case Kind::kObjectOrNull:
      return "an object or null";
    case Kind::kArray:
      return "an array";
    case Kind::kString:
      return "a string";
    case Kind::kNumber:
      return "a number";
    case Kind::kNumberOrNull:
      return "a number or null";
    case Kind::kUnsigned:
      return "a non-negative integer";
    case Kind::kScalar:
      return "a string, number, boolean or null";
  }
  return "?";
}

std::vector<std::string> names_of(std::string_view segment) {
  if (segment == "{m}") return {kRunModels.begin(), kRunModels.end()};
  if (segment == "{t}") return {kRunTests.begin(), kRunTests.end()};
  if (segment == "{w}") return {"trained", "change"};
  if (segment == "*") return {};
  return {std::string(segment)};
}

std::vector<std::string_view> segments_of(std::string_view pointer) {
  std::vector<std::string_view> segments;
  while (!pointer.empty()) {
    pointer.remove_prefix(1);  // the '/'
    const std::size_t end = std::min(pointer.find('/'), pointer.size());
    segments.push_back(pointer.substr(0, end));
    pointer.remove_prefix(end);
  }
  return segments;
}

std::string escaped(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

const Key* key_at(std::string_view pattern) {
  for (const Key& key : kResultsKeys) {
    if (key.pointer == pattern) return &key;
  }
  return nullptr;
}

bool describes(std::string_view pattern, const std::vector<std::string>& at) {
  const std::vector<std::string_view> segments = segments_of(pattern);
  if (segments.size() != at.size()) return false;
  for (std::size_t i = 0; i < at.size(); ++i) {
    if (segments[i] == "*") continue;
    const std::vector<std::string> names = names_of(segments[i]);
    if (std::find(names.begin(), names.end(), at[i]) == names.end()) return false;
  }
  return true;
}

}  // namespace savant::results_keys
