#include "cli/messages.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/terminal.hpp"
#include "savant/core/names.hpp"

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
  const std::string best = closest_name(word, known);
  return best.empty() ? "" : fmt::format("; did you mean '{}'?", best);
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
