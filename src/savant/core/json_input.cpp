#include "savant/core/json_input.hpp"

#include <fmt/format.h>

namespace savant {

nlohmann::json parse_json(std::string_view text, std::string_view source) {
  using nlohmann::json;
  // The callback sees each array and object as it opens, with the number of those around it.
  const json::parser_callback_t limit_depth = [source](int depth, json::parse_event_t event,
                                                       json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      throw JsonError(source, fmt::format("is nested deeper than {} levels of arrays and objects "
                                          "(savant's files nest a handful): it is damaged or not "
                                          "a file savant wrote",
                                          kMaxJsonDepth));
    }
    return true;
  };
  try {
    return json::parse(text, limit_depth);
  } catch (const json::exception& e) {
    throw JsonError(source, fmt::format("is not valid JSON ({})", e.what()));
  }
}

}  // namespace savant
