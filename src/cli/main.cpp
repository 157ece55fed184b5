// savant: reproduce, measure and extend "Savant Syndrome of Neural Networks".
// Exit codes, one per kind of error (core/error.hpp), listed by kExitCodes (`savant --help`):
// 0 success, 1 a file or data savant cannot use, 2 usage (an unknown option, a bad value),
// 3 training that diverged, 4 the operating system refused, 5 over a limit or out of memory.
// Every error ends in a message on stderr.

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <new>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/messages.hpp"
#include "cli/options.hpp"
#include "cli/terminal.hpp"
#include "savant/core/error.hpp"
#include "savant/core/huge_pages.hpp"
#include "savant/core/version.hpp"

namespace {

constexpr int kExitInput = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDidNotLearn = 3;
constexpr int kExitSystem = 4;
constexpr int kExitResource = 5;

// The exit codes as `savant --help` ends: keep in step with exit_code and README's
// "Exit codes".
constexpr const char* kExitCodes =
    "Exit codes: 0 success; 1 a file or data savant cannot use; 2 a usage error (an unknown\n"
    "option, a bad value); 3 training diverged; 4 the system refused (open, write, space,\n"
    "a lock); 5 over a limit savant sets, or out of memory.";

int exit_code(savant::ErrorKind kind) {
  switch (kind) {
    case savant::ErrorKind::kInvalidSetting:
    case savant::ErrorKind::kUsage:
      return kExitUsage;
    case savant::ErrorKind::kInput:
      return kExitInput;
    case savant::ErrorKind::kDidNotLearn:
      return kExitDidNotLearn;
    case savant::ErrorKind::kSystem:
      return kExitSystem;
    case savant::ErrorKind::kResource:
      return kExitResource;
  }
  return kExitInput;
}

void print_error(const std::string& message, const std::string& hint = "") {
  savant::print_text(stderr, fmt::format("savant: error: {}\n", message));
  if (!hint.empty()) savant::print_text(stderr, hint + "\n");
}

std::string usage_message(const savant::UsageError& e) {
  const auto* invalid = dynamic_cast<const savant::InvalidSetting*>(&e);
  if (invalid == nullptr) return e.what();
  // The library names a setting by its configuration field; the user typed a flag.
  return fmt::format("{} {}: {}", savant::cli::flag_of(invalid->setting()), invalid->value(),
                     invalid->problem());
}

// A run-time error's message and exit code; a setting the library says to change, by its flag.
int report_error(const savant::Error& e) {
  const auto* training = dynamic_cast<const savant::TrainingError*>(&e);
  if (training != nullptr && !training->setting().empty()) {
    std::string words = training->setting();  // learning_rate: "learning rate"
    std::replace(words.begin(), words.end(), '_', ' ');
    print_error(e.what(),
                fmt::format("{} sets the {}", savant::cli::flag_of(training->setting()), words));
  } else {
    print_error(e.what());
  }
  return exit_code(e.kind());
}

const CLI::App* find_command(const CLI::App& app, std::string_view name) {
  for (const CLI::App* cmd : app.get_subcommands({})) {
    if (cmd->get_name() == name) return cmd;
  }
  return nullptr;
}

std::string command_names(const CLI::App& app) {
  std::string known;
  for (const CLI::App* cmd : app.get_subcommands({})) {
    known += (known.empty() ? "" : ", ") + cmd->get_name();
  }
  return known;
}

// "unknown command 'reproduc'; did you mean 'reproduce'? the commands are: ..."
std::string unknown_command(const CLI::App& app, std::string_view word) {
  std::vector<std::string> names;
  for (const CLI::App* cmd : app.get_subcommands({})) names.push_back(cmd->get_name());
  const std::string guess = savant::cli::did_you_mean(word, names);
  return fmt::format("unknown {} '{}'{}{}the commands are: {}",
                     word.starts_with('-') ? "option" : "command", word, guess,
                     guess.empty() ? "; " : " ", command_names(app));
}

// `savant help`: the usage; `savant help COMMAND`: the command's.
int print_help(const CLI::App& app, std::span<char*> words) {
  if (words.empty()) {
    std::fputs(app.help().c_str(), stdout);
    savant::print_text(stdout, "\nRun 'savant help COMMAND' for the options of one command.\n");
    return 0;
  }
  const CLI::App* cmd = find_command(app, words[0]);
  if (cmd == nullptr) {
    print_error(unknown_command(app, words[0]), "run 'savant help' for usage");
    return kExitUsage;
  }
  if (words.size() > 1) {
    print_error(fmt::format("'savant help' takes one command, not also '{}'", words[1]),
                fmt::format("run 'savant help {}'", cmd->get_name()));
    return kExitUsage;
  }
  std::fputs(cmd->help("savant").c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) the kernel would kill us with SIGXFSZ, leaving no
  // message; ignored, the write fails with EFBIG and becomes an ordinary error naming the file.
  std::signal(SIGXFSZ, SIG_IGN);
  // Freed memory is reused, not unmapped and faulted in again (core/huge_pages.hpp).
  savant::keep_freed_memory();
  savant::cli::command_line().assign(argv, argv + argc);

  CLI::App app{fmt::format(
      "savant {}: how a dense network learns to classify images cut into a puzzle and shuffled "
      "(\"Savant Syndrome of Neural Networks\")",
      savant::kVersion)};
  app.name("savant");                               // not argv[0]'s path, in the usage lines
  app.formatter(savant::cli::fitting_formatter());  // before the commands, which inherit it
  app.set_version_flag("--version", std::string("savant ") + savant::kVersion);
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::map<CLI::App*, savant::cli::Runner> runners;
  auto add = [&](savant::cli::Runner (*factory)(CLI::App&)) {
    const std::size_t before = app.get_subcommands({}).size();
    savant::cli::Runner run = factory(app);
    runners[app.get_subcommands({})[before]] = std::move(run);
  };
  add(savant::cli::add_reproduce_command);
  add(savant::cli::add_report_command);
  add(savant::cli::add_train_command);
  add(savant::cli::add_eval_command);
  add(savant::cli::add_analyze_command);
  add(savant::cli::add_shuffle_command);
  add(savant::cli::add_compare_command);
  add(savant::cli::add_sweep_command);
  add(savant::cli::add_summarize_command);
  add(savant::cli::add_merge_command);

  // `savant` alone and `savant help [COMMAND]`: the usage, on stdout, exit 0.
  if (argc == 1 || std::string_view(argv[1]) == "help") {
    return print_help(app, argc > 2 ? std::span<char*>(argv + 2, argc - 2) : std::span<char*>());
  }

  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    return savant::cli::parse_error_message(*failed, e);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 checks for a missing subcommand before it looks at what it did not understand,
    // so `savant frobnicate` would only say "a subcommand is required"; name the word.
    const std::string word = argv[1];
    if (find_command(app, word) == nullptr && app.get_subcommands().empty()) {
      print_error(unknown_command(app, word), "run 'savant help' for usage");
      return kExitUsage;
    }
    print_error(savant::cli::parse_error_message(app, e), savant::cli::usage_hint(app));
    return kExitUsage;
  } catch (const savant::UsageError& e) {
    print_error(usage_message(e), savant::cli::usage_hint(app));
    return kExitUsage;
  }

  try {
    for (auto& [cmd, run] : runners) {
      if (cmd->parsed()) return run();
    }
    return kExitUsage;
  } catch (const savant::UsageError& e) {
    print_error(usage_message(e), savant::cli::usage_hint(app));
    return kExitUsage;
  } catch (const savant::Error& e) {
    return report_error(e);
  } catch (const std::bad_alloc&) {
    print_error("out of memory; try a smaller --hidden, --batch or data set");
    return kExitResource;
  } catch (const std::filesystem::filesystem_error& e) {
    print_error(e.what());
    return kExitSystem;
  } catch (const std::exception& e) {
    print_error(fmt::format("unexpected failure: {}", e.what()));
    return kExitInput;
  }
}
