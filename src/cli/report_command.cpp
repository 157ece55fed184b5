#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/report/report.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/plot.hpp"
#include "savant/sweep/report.hpp"

namespace savant::cli {
namespace {

struct ReportOptions {
  std::filesystem::path run_dir;
  std::filesystem::path out;   // empty: RUN_DIR/report.html
  std::filesystem::path data;  // empty: config.data of results.json
  std::filesystem::path db;    // a sweep's database instead of a run directory
  std::filesystem::path png;   // with --db: also the headline chart as a PNG
};

// The page of a sweep: accuracy and contrast against grid size with confidence bands, the
// mixing fraction, width and depth.
int write_sweep_report(const ReportOptions& options) {
  SweepDb db(options.db, SweepDb::Mode::kReadOnly);
  const std::vector<StoredJob> jobs = db.read_all();
  std::filesystem::path out = options.out;
  if (out.empty()) out = std::filesystem::path(options.db).replace_extension(".html");
  write_file_atomically(out, render_sweep_report(jobs));
  if (!options.png.empty())
    write_file_atomically(options.png, grid_accuracy_png(summarize_jobs(jobs)));
  std::printf("%s\n", out.string().c_str());
  return 0;
}

}  // namespace

Runner add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "build one self-contained, interactive HTML page from a run's directory (results.json and "
      "the model files) or from a sweep's database (--db); it opens from disk with no network");
  CLI::Option* run_dir =
      cmd->add_option("RUN_DIR", options->run_dir, "directory written by 'savant reproduce --out'");
  CLI::Option* db = cmd->add_option("--db", options->db,
                                    "a database written by 'savant sweep' (instead of RUN_DIR)");
  run_dir->excludes(db);
  db->excludes(run_dir);
  cmd->add_option("--out", options->out,
                  "the HTML file to write (default: RUN_DIR/report.html, or the database's name "
                  "with .html)");
  cmd->add_option("--png", options->png,
                  "with --db: also write the headline chart (accuracy against grid size) as a PNG");
  cmd->add_option("--data", options->data,
                  "the run's data set, for the gallery of test images (default: config.data in "
                  "results.json)");
  return [options]() {
    if (!options->db.empty()) return write_sweep_report(*options);
    if (options->run_dir.empty()) {
      throw UsageError(
          "give a run directory (savant report RUN_DIR) or a sweep database (--db FILE)");
    }
    if (!options->png.empty()) throw UsageError("--png goes with --db (the sweep report)");
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
