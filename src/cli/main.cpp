// savant: reproduce, measure and extend "Savant Syndrome of Neural Networks".
// Exit codes: 0 success, 1 a run-time error (bad data, unwritable output, divergence),
// 2 a usage error (unknown option, bad value). Every error ends in a message on stderr.

#include <csignal>
#include <cstdio>
#include <exception>
#include <map>
#include <new>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "savant/core/error.hpp"
#include "savant/core/version.hpp"

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

void print_error(const std::string& message, const char* hint = nullptr) {
  std::fprintf(stderr, "savant: error: %s\n", message.c_str());
  if (hint != nullptr) std::fprintf(stderr, "%s\n", hint);
}

std::string usage_message(const savant::UsageError& e) {
  const auto* invalid = dynamic_cast<const savant::InvalidSetting*>(&e);
  if (invalid == nullptr) return e.what();
  // The library names a setting by its configuration field; the user typed a flag.
  return fmt::format("{} {}: {}", savant::cli::flag_of(invalid->setting()), invalid->value(),
                     invalid->problem());
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) the kernel would kill us with SIGXFSZ, leaving no
  // message; ignored, the write fails with EFBIG and becomes an ordinary error naming the file.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{fmt::format(
      "savant {}: how a dense network learns to classify images cut into a puzzle and shuffled "
      "(\"Savant Syndrome of Neural Networks\")",
      savant::kVersion)};
  app.set_version_flag("--version", std::string("savant ") + savant::kVersion);
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
    const std::string word = argc > 1 ? argv[1] : "";
    std::string known;
    bool is_command = false;
    for (const CLI::App* cmd : app.get_subcommands({})) {
      known += (known.empty() ? "" : ", ") + cmd->get_name();
      is_command = is_command || cmd->get_name() == word;
    }
    if (!word.empty() && !is_command && app.get_subcommands().empty()) {
      print_error(fmt::format("unknown {} '{}'; the commands are: {}",
                              word.starts_with('-') ? "option" : "command", word, known),
                  "run 'savant --help' for usage");
      return kExitUsage;
    }
    print_error(e.what(), "run 'savant --help' (or 'savant COMMAND --help') for usage");
    return kExitUsage;
  } catch (const savant::UsageError& e) {
    print_error(usage_message(e), "run 'savant COMMAND --help' for usage");
    return kExitUsage;
  }

  try {
    for (auto& [cmd, run] : runners) {
      if (cmd->parsed()) return run();
    }
    return kExitUsage;
  } catch (const savant::UsageError& e) {
    print_error(usage_message(e), "run 'savant COMMAND --help' for usage");
    return kExitUsage;
  } catch (const savant::Error& e) {
    print_error(e.what());
    return kExitRuntime;
  } catch (const std::bad_alloc&) {
    print_error("out of memory; try a smaller --hidden, --batch or data set");
    return kExitRuntime;
  } catch (const std::exception& e) {
    print_error(fmt::format("unexpected failure: {}", e.what()));
    return kExitRuntime;
  }
}
