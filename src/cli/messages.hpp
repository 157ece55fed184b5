#pragma once
// CLI11's parse errors in savant's words: what is wrong, naming the option or the value, and how
// to fix it, lower case like every other "savant: error:" message. Installed as the app's
// failure message (CLI::App::failure_message), and used by main to print the errors it catches.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace savant::cli {

// `app` is the top-level app; the message names the subcommand that was being parsed, if any.
std::string parse_error_message(const CLI::App& app, const CLI::Error& e);

// "; did you mean '--grid'?" when one of `known` is a likely typo of `word` (a few edits away),
// else empty.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& known);

// CLI11's help formatter with every line fitted to the terminal (cli/terminal.hpp, fit_help):
// an option's description continues under itself.
std::shared_ptr<CLI::FormatterBase> fitting_formatter();

// "run 'savant help reproduce' for its options", or the top-level hint when no command was given.
std::string usage_hint(const CLI::App& app);

}  // namespace savant::cli
