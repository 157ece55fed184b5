#pragma once
// Every JSON text savant reads from outside (results.json, a model file's header and metadata,
// the messages between MPI ranks) is parsed here, with a limit on nesting. nlohmann's parser
// itself does not recurse, but copying, comparing, printing and walking a parsed value do, once
// per level: a file of arrays nested 100,000 deep would overflow the stack of whatever touched
// it next.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"

namespace savant {

// The deepest nesting of arrays and objects accepted. savant's own files nest at most 5 levels
// (results.json's /units/original_model/blocks/0/0); 64 leaves room for any later version and
// is a stack of a few kilobytes for any recursion over the value.
inline constexpr int kMaxJsonDepth = 64;

// Why a text was refused; what() is "<source> <problem>".
class JsonError : public Error {
 public:
  JsonError(std::string_view source, std::string problem)
      : Error(std::string(source) + " " + problem), problem_(std::move(problem)) {}
  // "is not valid JSON (...)" or "is nested deeper than 64 levels ...".
  const std::string& problem() const { return problem_; }

 private:
  std::string problem_;
};

// Parses `text`. Throws JsonError when it is not valid JSON (a number beyond a double included)
// or nests deeper than kMaxJsonDepth; `source` names the text in the message.
nlohmann::json parse_json(std::string_view text, std::string_view source);

}  // namespace savant
