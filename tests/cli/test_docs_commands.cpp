// The documents cannot go stale on the command line: every `savant COMMAND --flag` that the
// README and docs/CLI.md show, in a code block or an inline code span, names a command that
// exists and flags that command lists in its --help.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace savant::testing {
namespace {

// One command line shown in a document: the command, its flags, and where it is.
struct ShownCommand {
  std::string command;
  std::vector<std::string> flags;
  std::string where;  // "README.md:12"
};

// The code a document shows: the lines of its fenced blocks (not ```python ones, whose
// `savant.` calls are Python) and its inline code spans, each with its line number. A line of
// a block that starts with spaces and "[" or "--" continues the command line above it.
std::vector<std::pair<int, std::string>> code_lines(const std::string& text) {
  std::vector<std::pair<int, std::string>> out;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  bool in_block = false, python_block = false;
  static const std::regex continuation(R"(^\s+(\[|--))");
  static const std::regex span("`([^`]+)`");
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      python_block = !in_block && line.find("python") != std::string::npos;
      in_block = !in_block;
      continue;
    }
    if (in_block) {
      if (python_block) continue;
      if (!out.empty() && out.back().first == number - 1 && std::regex_search(line, continuation)) {
        out.back().second += " " + line;
        out.back().first = number;
      } else {
        out.emplace_back(number, line);
      }
      continue;
    }
    for (std::sregex_iterator it(line.begin(), line.end(), span), end; it != end; ++it) {
      out.emplace_back(number, (*it)[1].str());
    }
  }
  return out;
}

// Every `savant COMMAND ...` in the document's code, with the flags up to the end of that
// command (a pipe, ';', '&&' or a comment ends it).
std::vector<ShownCommand> shown_commands(const std::string& text, const std::string& name) {
  std::vector<ShownCommand> out;
  static const std::regex invocation(R"((?:^|[\s/$])savant ([a-z]+)((?:[^|;&#]|&(?!&))*))");
  static const std::regex flag(R"((?:^|[\s\[])(--[a-z][a-z0-9-]*))");
  for (const auto& [number, code] : code_lines(text)) {
    for (std::sregex_iterator it(code.begin(), code.end(), invocation), end; it != end; ++it) {
      ShownCommand shown{(*it)[1].str(), {}, name + ":" + std::to_string(number)};
      const std::string rest = (*it)[2].str();
      for (std::sregex_iterator f(rest.begin(), rest.end(), flag); f != end; ++f) {
        shown.flags.push_back((*f)[1].str());
      }
      out.push_back(std::move(shown));
    }
  }
  return out;
}

// What is wrong with the commands shown: a command savant does not know, or a flag its help
// does not list.
std::vector<std::string> stale(const std::vector<ShownCommand>& shown) {
  std::map<std::string, CommandResult> help;
  std::vector<std::string> problems;
  for (const ShownCommand& c : shown) {
    // `savant help` is its own help; `savant frobnicate --help` prints the top level's.
    auto [it, first] = help.try_emplace(c.command);
    if (first) {
      it->second = run_command(savant_binary() + " " + c.command +
                               (c.command == "help" ? "" : " --help") + " 2>&1");
    }
    const CommandResult& h = it->second;
    const bool known = c.command == "help" ||
                       h.output.find("Usage: savant " + c.command + " ") != std::string::npos;
    if (h.exit_code != 0 || !known) {
      problems.push_back(c.where + ": savant " + c.command + " is not a command");
      continue;
    }
    for (const std::string& f : c.flags) {
      if (f == "--help") continue;
      const std::regex listed("(^|[\\s,])" + f + "([\\s,=]|$)");
      if (!std::regex_search(h.output, listed)) {
        problems.push_back(c.where + ": savant " + c.command + " has no " + f);
      }
    }
  }
  return problems;
}

TEST(DocsCommands, TheCheckFindsAnUnknownCommandAndAnUnknownFlag) {
  const std::string text =
      "Run `savant train --train-on shuffled --no-such-flag 3`.\n"
      "```sh\n"
      "$ savant frobnicate --out x\n"
      "savant eval --model m.safetensors \\\n"
      "            [--test-on both] [--grid-size 4]\n"
      "```\n"
      "```python\n"
      "savant reproduce --ignored-in-python\n"
      "```\n";
  const std::vector<ShownCommand> shown = shown_commands(text, "t.md");
  ASSERT_EQ(shown.size(), 3u);
  EXPECT_EQ(shown[2].flags, (std::vector<std::string>{"--model", "--test-on", "--grid-size"}));
  const std::vector<std::string> problems = stale(shown);
  EXPECT_EQ(problems, (std::vector<std::string>{"t.md:1: savant train has no --no-such-flag",
                                                "t.md:3: savant frobnicate is not a command",
                                                "t.md:5: savant eval has no --grid-size"}));
}

TEST(DocsCommands, EveryCommandAndFlagTheDocumentsShowExists) {
  std::size_t commands = 0;
  for (const char* doc : {"README.md", "docs/CLI.md", "docs/SWEEPS.md"}) {
    const std::filesystem::path path = std::filesystem::path(SAVANT_SOURCE_DIR) / doc;
    const std::string text = file_text(path);
    ASSERT_FALSE(text.empty()) << path;
    const std::vector<ShownCommand> shown = shown_commands(text, doc);
    commands += shown.size();
    for (const std::string& problem : stale(shown)) ADD_FAILURE() << problem;
  }
  // The documents show dozens of command lines; none found means the scan is broken.
  EXPECT_GT(commands, 40u);
}

}  // namespace
}  // namespace savant::testing
