// What every command shares in its output (commands.hpp): the command line results record,
// warnings, and accuracies as tables print them.

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"

namespace savant::cli {

std::vector<std::string>& command_line() {
  static std::vector<std::string> args;
  return args;
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) print_text(stderr, fmt::format("savant: warning: {}\n", w));
}

std::string percent(double fraction) {
  return fmt::format("{:5.1f}%", 100.0 * fraction);
}

}  // namespace savant::cli
