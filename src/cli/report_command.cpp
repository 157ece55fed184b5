#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/output_set.hpp"
#include "savant/store/run_reader.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/plot.hpp"
#include "savant/sweep/report.hpp"

namespace savant::cli {
namespace {

// The page of a sweep: accuracy and contrast against grid size with confidence bands, the
// mixing fraction, width and depth.
int write_sweep_report(const CliParams& options) {
  std::filesystem::path out = options.out;
  if (out.empty()) out = std::filesystem::path(options.db).replace_extension(".html");
  if (options.has("figure_size") && options.png.empty()) {
    throw UsageError("--figure-size goes with --png FILE (the sweep's chart)");
  }
  std::vector<std::filesystem::path> outputs = {out};
  if (!options.png.empty()) outputs.push_back(options.png);
  refuse_same_outputs(outputs);
  // The database and the files SQLite keeps beside it.
  std::vector<CommandInput> inputs;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    inputs.push_back({options.db.string() + suffix, "sweep database"});
  }
  for (const std::filesystem::path& output : outputs) {
    refuse_output_over_inputs(output, inputs);
    check_output_file(output);
  }
  SweepDb db(options.db, SweepDb::Mode::kReadOnly);
  const std::vector<StoredJob> jobs = db.read_all();
  // Both are drawn before either is written: a chart that cannot be drawn leaves no page.
  const std::string page = render_sweep_report(jobs);
  const std::string png =
      options.png.empty() ? "" : grid_accuracy_png(summarize_jobs(jobs), options.figure_size);
  write_file_atomically(out, page);
  if (!options.png.empty()) write_file_atomically(options.png, png);
  if (!options.quiet) print_text(stdout, out.string() + "\n");
  return 0;
}

}  // namespace

Runner add_report_command(CLI::App& app) {
  auto params = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "build one self-contained, interactive HTML page from a run's directory (results.json and "
      "the model files) or from a sweep's database (--db); it opens from disk with no network");
  add_options(*cmd, kReport, *params);
  cmd->get_option("RUN_DIR")->excludes("--db");
  cmd->get_option("--db")->excludes("RUN_DIR");
  return [params]() {
    const CliParams& p = *params;
    if (p.has("db")) return write_sweep_report(p);
    if (!p.has("run_dir")) {
      throw UsageError(
          "give a run directory (savant report RUN_DIR) or a sweep database (--db FILE)");
    }
    if (p.has("png")) throw UsageError("--png goes with --db (the sweep report)");
    if (p.has("figure_size")) {
      throw UsageError(
          "--figure-size goes with --db and --png (the sweep's chart); a run's page draws its "
          "charts in the browser");
    }
    if (!std::filesystem::is_directory(p.run_dir)) {
      throw Error(
          fmt::format("{} is not a directory; give the directory that 'savant reproduce "
                      "--out DIR' wrote",
                      p.run_dir.string()));
    }
    const std::filesystem::path out = p.has("out") ? p.out : p.run_dir / "report.html";
    check_path_is_utf8(p.run_dir, "run directory");  // the page names it
    // The run's own report.html is the one file of its set this command writes; any other
    // file in the directory would mix the set. The data set is checked too where the page
    // finds it (write_report, store/run_reader.hpp).
    std::vector<CommandInput> inputs;
    if (kernel_path(out) != kernel_path(p.run_dir / "report.html")) {
      inputs.push_back({p.run_dir, "run directory"});
    }
    if (p.has("data")) {
      check_path_is_utf8(p.config.data, "data set");
      inputs.push_back({p.config.data, "data set"});
    }
    refuse_output_over_inputs(out, inputs);
    check_output_file(out);
    // No run may swap the directory while its page is drawn from it (core/output_set.hpp): the
    // lock of the directory itself, where RUN_DIR is a link to it.
    const OutputLock lock(followed_path(p.run_dir));
    write_report(p.run_dir, out, p.has("data") ? p.config.data : std::filesystem::path());
    if (!p.quiet) print_text(stdout, out.string() + "\n");
    return 0;
  };
}

}  // namespace savant::cli
