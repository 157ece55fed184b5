#include "savant/sweep/job_fields.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/names.hpp"

namespace savant {

std::vector<std::string> job_field_names() {
  std::vector<std::string> names;
  for (const Setting* s : job_settings()) {
    names.push_back(s->name);
    if (s->name == kRegimeFollows) names.emplace_back(kTrainOnField);
  }
  names.emplace_back("seed");
  return names;
}

std::string field_name(std::string_view typed) {
  std::string name(typed);
  std::replace(name.begin(), name.end(), '-', '_');
  const std::vector<std::string> known = job_field_names();
  if (std::find(known.begin(), known.end(), name) != known.end()) return name;
  if (const Setting* s = find_setting(name); s != nullptr) {
    if (std::find(known.begin(), known.end(), s->name) != known.end()) return s->name;
  }
  return {};
}

std::string unknown_field(std::string_view typed) {
  std::string name(typed);
  std::replace(name.begin(), name.end(), '-', '_');
  const std::vector<std::string> known = job_field_names();
  const std::string guess = closest_name(name, known);
  std::string all;
  for (const std::string& k : known) all += (all.empty() ? "" : ", ") + k;
  return fmt::format("'{}' is not a setting of a sweep's jobs{}; the settings are {}", typed,
                     guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess), all);
}

std::string shown_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isprint(u) ? fmt::format("'{}'", c) : fmt::format("byte 0x{:02x}", u);
}

std::string quoted_text(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isprint(u) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return fmt::format("'{}{}'", out, text.size() > 80 ? "..." : "");
}

bool filter_word_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '.' || c == ':' || c == '+' || c == '-';
}

std::vector<std::string> parse_grouping(std::string_view text) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view typed = text.substr(start, end - start);
    while (!typed.empty() && typed.front() == ' ') typed.remove_prefix(1);
    while (!typed.empty() && typed.back() == ' ') typed.remove_suffix(1);
    for (char c : typed) {
      if (!filter_word_char(c)) {
        throw InvalidSetting(
            "by", quoted_text(text),
            fmt::format("unexpected {}; give setting names separated by commas", shown_char(c)));
      }
    }
    if (typed.empty()) {
      throw InvalidSetting("by", quoted_text(text),
                           "an empty name; give setting names separated by commas, e.g. "
                           "grid,shuffle");
    }
    const std::string name = field_name(typed);
    if (name.empty()) throw InvalidSetting("by", quoted_text(text), unknown_field(typed));
    if (!seen.insert(name).second) {
      throw InvalidSetting("by", quoted_text(text),
                           fmt::format("{} is named twice; name it once", name));
    }
    names.push_back(name);
    start = end + 1;
  }
  return names;
}

}  // namespace savant
