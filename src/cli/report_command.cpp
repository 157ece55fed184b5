#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "savant/error.hpp"
#include "savant/report.hpp"

namespace savant::cli {
namespace {

struct ReportOptions {
  std::filesystem::path run_dir;
  std::filesystem::path out;   // empty: RUN_DIR/report.html
  std::filesystem::path data;  // empty: config.data of results.json
};

}  // namespace

Runner add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "build one self-contained, interactive HTML page from a run's directory (results.json and "
      "the model files); it opens from disk with no network");
  cmd->add_option("RUN_DIR", options->run_dir, "directory written by 'savant reproduce --out'")
      ->required();
  cmd->add_option("--out", options->out, "the HTML file to write (default: RUN_DIR/report.html)");
  cmd->add_option("--data", options->data,
                  "the run's data set, for the gallery of test images (default: config.data in "
                  "results.json)");
  return [options]() {
    if (!std::filesystem::is_directory(options->run_dir)) {
      throw Error(
          fmt::format("{} is not a directory; give the directory that 'savant reproduce "
                      "--out DIR' wrote",
                      options->run_dir.string()));
    }
    const std::filesystem::path out =
        options->out.empty() ? options->run_dir / "report.html" : options->out;
    write_report(options->run_dir, out, options->data);
    std::printf("%s\n", out.string().c_str());
    return 0;
  };
}

}  // namespace savant::cli
