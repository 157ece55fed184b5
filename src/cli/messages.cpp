#include "cli/messages.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/terminal.hpp"

namespace savant::cli {
namespace {

// The subcommand that was parsed (or being parsed when the error came), else null.
const CLI::App* command_of(const CLI::App& app) {
  const auto parsed = app.get_subcommands();
  return parsed.empty() ? nullptr : parsed.front();
}

std::string where(const CLI::App* cmd) {
  return cmd != nullptr ? fmt::format("'savant {}'", cmd->get_name()) : std::string("savant");
}

// The text of `what` before `separator`: CLI11 puts the option's name there.
std::string name_before(const std::string& what, const std::string& separator) {
  const std::size_t at = what.find(separator);
  return at == std::string::npos ? std::string() : what.substr(0, at);
}

// ", the output directory": the option's help, when it has one.
std::string described(const CLI::App* cmd, const std::string& name) {
  if (cmd == nullptr || name.empty()) return "";
  const CLI::Option* option = cmd->get_option_no_throw(name);
  if (option == nullptr || option->get_description().empty()) return "";
  return fmt::format(" ({})", option->get_description());
}

std::string lower_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// The edits (insert, delete, replace a character, or swap two neighbours) that turn `a` into
// `b`: the optimal string alignment distance, small enough to write here for words of a few
// dozen characters.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t replace = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, replace});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// Every long option of `cmd` ("--grid", ...).
std::vector<std::string> option_names(const CLI::App& cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* option : cmd.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

std::string extras_message(const CLI::App& app, const CLI::App* cmd) {
  const std::vector<std::string> extras = cmd != nullptr ? cmd->remaining() : app.remaining();
  if (extras.empty()) return "unexpected arguments";
  const std::string& first = extras.front();
  if (first.starts_with('-')) {
    const std::string flag = first.substr(0, first.find('='));
    return fmt::format("unknown option '{}' for {}{}", first, where(cmd),
                       did_you_mean(flag, option_names(cmd != nullptr ? *cmd : app)));
  }
  return fmt::format("unexpected argument{} '{}' for {}", extras.size() > 1 ? "s" : "",
                     fmt::join(extras, "' '"), where(cmd));
}

}  // namespace

std::string parse_error_message(const CLI::App& app, const CLI::Error& e) {
  const CLI::App* cmd = command_of(app);
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) return extras_message(app, cmd);
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    const std::string name = name_before(what, " is required");
    if (name.empty() || name == "A subcommand") return lower_first(what);
    return fmt::format("{} is required by {}{}; give it", name, where(cmd), described(cmd, name));
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    const std::string name = name_before(what, ":");
    if (what.find("missing") != std::string::npos) {
      return fmt::format("{} needs a value{}; give one after it, as in '{} VALUE'", name,
                         described(cmd, name), name);
    }
    if (what.find("At Most") != std::string::npos) {
      return fmt::format("{} is given more than once; give it once", name);
    }
    if (!name.empty())
      return fmt::format("{}: wrong number of values{}", name, described(cmd, name));
  }
  if (dynamic_cast<const CLI::ExcludesError*>(&e) != nullptr) {
    const std::string name = name_before(what, " excludes ");
    const std::string other = what.substr(name.size() + std::string(" excludes ").size());
    return fmt::format("{} excludes {}: give one of them, not both", name, other);
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
    const std::string name = name_before(what, ":");
    if (what.find("too many inputs for a flag") != std::string::npos) {
      return fmt::format("{} is a flag and takes no value; give it alone", name);
    }
  }
  return lower_first(what);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& known) {
  // Close enough to be a typo: one edit in a short word, a third of the letters in a long one.
  const std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  const std::string* best = nullptr;
  std::size_t best_distance = allowed + 1;
  for (const std::string& candidate : known) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) best = &candidate, best_distance = distance;
  }
  return best != nullptr ? fmt::format("; did you mean '{}'?", *best) : "";
}

namespace {

// CLI11's help, fitted to the width of standard output (80 columns when it is not a terminal).
class FittingFormatter : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    return fit_help(CLI::Formatter::make_help(app, std::move(name), mode), terminal_width(stdout));
  }
};

}  // namespace

std::shared_ptr<CLI::FormatterBase> fitting_formatter() {
  return std::make_shared<FittingFormatter>();
}

std::string usage_hint(const CLI::App& app) {
  const CLI::App* cmd = command_of(app);
  if (cmd == nullptr) return "run 'savant help' for the commands, 'savant help COMMAND' for one";
  return fmt::format("run 'savant help {}' for its options", cmd->get_name());
}

}  // namespace savant::cli
