// JSON from outside, parsed with a limit on nesting: savant's files nest a handful of levels,
// and a value nested 100,000 deep would overflow the stack of whatever recursed over it next.

#include "savant/core/json_input.hpp"

#include <gtest/gtest.h>

#include <string>

namespace savant::testing {
namespace {

std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

std::string nested_objects(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text.append(static_cast<std::size_t>(depth), '}');
  return text;
}

std::string problem_of(const std::string& text) {
  try {
    (void)parse_json(text, "test.json");
  } catch (const JsonError& e) {
    EXPECT_EQ(std::string(e.what()), "test.json " + e.problem());
    return e.problem();
  }
  return "";
}

TEST(ParseJson, GivesNlohmannsValue) {
  const std::string text =
      R"({"a": [1, 2.5, null, true, "x"], "b": {"c": {"d": [[[]]]}}, "e": -3})";
  EXPECT_EQ(parse_json(text, "test.json"), nlohmann::json::parse(text));
}

TEST(ParseJson, AcceptsTheLimitAndRefusesOneLevelMore) {
  EXPECT_NO_THROW((void)parse_json(nested_arrays(kMaxJsonDepth), "test.json"));
  EXPECT_NO_THROW((void)parse_json(nested_objects(kMaxJsonDepth), "test.json"));
  const std::string expected =
      "is nested deeper than 64 levels of arrays and objects (savant's files nest a handful): it "
      "is damaged or not a file savant wrote";
  EXPECT_EQ(problem_of(nested_arrays(kMaxJsonDepth + 1)), expected);
  EXPECT_EQ(problem_of(nested_objects(kMaxJsonDepth + 1)), expected);
  EXPECT_EQ(problem_of("{\"x\": [1, " + nested_arrays(kMaxJsonDepth) + "]}"), expected);
}

TEST(ParseJson, RefusesAHundredThousandLevels) {
  EXPECT_EQ(problem_of(nested_arrays(100000)).rfind("is nested deeper than 64 levels", 0), 0u);
  EXPECT_EQ(problem_of(nested_objects(100000)).rfind("is nested deeper than 64 levels", 0), 0u);
}

TEST(ParseJson, InvalidTextIsNamed) {
  EXPECT_EQ(problem_of("{oops").rfind("is not valid JSON (", 0), 0u);
  EXPECT_EQ(problem_of("").rfind("is not valid JSON (", 0), 0u);
  // A number beyond a double: nlohmann's out_of_range, not its parse_error.
  EXPECT_EQ(problem_of("[1e999]").rfind("is not valid JSON (", 0), 0u);
}

}  // namespace
}  // namespace savant::testing
