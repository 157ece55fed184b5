// savant sweep, summarize and merge (docs/SWEEPS.md); `savant report --db` draws a sweep.

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/driver.hpp"
#include "savant/sweep/mpi.hpp"
#include "savant/sweep/plot.hpp"
#include "savant/sweep/sweep.hpp"

namespace savant::cli {
namespace {

std::string short_label(const JobConfig& c) {
  return fmt::format("g={} {} {} h={} l={} e={} seed={}", c.grid, to_string(c.shuffle),
                     to_string(c.train_on), c.hidden, c.layers, c.epochs, c.seed);
}

int run_sweep(const CliParams& params, const MpiSession& mpi) {
  // The command line's defaults (data, threads), then the file's settings, then the flags'.
  SweepSpec spec;
  spec.base = params.config;
  SweepPlace place;
  if (params.has("db")) place.db = params.db;
  place.dry_run = params.dry_run;
  if (params.has("sweep_file")) {
    place.sweep_file = params.sweep_file;
    // A setting given on the command line wins over the file's.
    load_sweep_file(params.sweep_file, spec, params.has("db") ? nullptr : &place.db,
                    [&](std::string_view setting) { return params.has(setting); });
  }
  for (const auto& [setting, values] : params.lists) set_sweep_option(spec, setting, values);
  place.shard = parse_shard(params.shard);

  // --quiet: no progress lines; a failure still ends in an error. At a terminal each line is
  // broken to fit it (a job's line is longer than 80 columns).
  std::FILE* progress = params.quiet ? nullptr : stderr;
  auto say = [progress](const std::string& text) {
    if (progress != nullptr) print_text(progress, text);
  };
  SweepEvents events;
  events.planned = [&](const SweepTally& t) {
    say(fmt::format("sweep: {} jobs{}, {} already done in {}, {} to run on {}\n", t.jobs,
                    place.shard.count > 1 ? fmt::format(" (shard {}/{}: {})", place.shard.index,
                                                        place.shard.count, t.mine)
                                          : "",
                    t.done, place.db.string(), t.todo.size(), t.workers));
  };
  events.recorded = [&](const StoredJob& stored, const SweepTally& t) {
    if (stored.status == "done") {
      say(
          fmt::format("[{}/{}] {}: original test {}, shuffled test {}, contrast {:.3f} "
                      "({:.1f} s; {:.0f} s in all)\n",
                      t.ran, t.todo.size(), short_label(stored.config),
                      percent(stored.result.original_test.accuracy()),
                      percent(stored.result.shuffled_test.accuracy()),
                      stored.result.signature.contrast, stored.result.train_seconds, t.seconds));
    } else {
      print_text(stderr, fmt::format("[{}/{}] {}: FAILED: {}\n", t.ran, t.todo.size(),
                                     short_label(stored.config), stored.error));
    }
  };
  const SweepTally tally = run_sweep(spec, place, events, &mpi);
  if (mpi.active() && mpi.rank() != 0) return 0;
  if (place.dry_run) {
    for (const JobConfig& job : tally.todo) std::printf("%s\n", job_key(job).c_str());
    return 0;
  }
  say(fmt::format(
      "sweep: {} job(s) run in {:.1f} s, {} failed{}; results in {}\n", tally.ran, tally.seconds,
      tally.failed,
      tally.elsewhere > 0 ? fmt::format(", {} run by another process", tally.elsewhere) : "",
      place.db.string()));
  if (tally.failed > 0) {
    throw Error(fmt::format("{} job(s) failed (status 'failed' in {}); see the messages above",
                            tally.failed, place.db.string()));
  }
  return 0;
}

// Under mpirun an error on one rank would leave the others waiting: report it and end them all.
int run_sweep(const CliParams& params) {
  MpiSession mpi;
  if (!mpi.active()) return run_sweep(params, mpi);
  try {
    return run_sweep(params, mpi);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "savant: error (MPI rank %d): %s\n", mpi.rank(), e.what());
    mpi.abort(dynamic_cast<const UsageError*>(&e) != nullptr ? 2 : 1);
  }
}

// mean ± std [95% CI], in percent (`percent`) or as it is; "-" when no job has the number.
std::string interval(const Summary& s, bool percent, int digits) {
  const double scale = percent ? 100 : 1;
  const char* unit = percent ? "%" : "";
  if (s.n == 0) return "-";
  if (s.n < 2) return fmt::format("{:.{}f}{}", scale * s.mean, digits, unit);
  return fmt::format("{:.{}f}{} ± {:.{}f} [{:.{}f}, {:.{}f}]", scale * s.mean, digits, unit,
                     scale * s.std, digits, scale * s.ci95_low, digits, scale * s.ci95_high,
                     digits);
}

std::string config_label(const JobConfig& c) {
  return fmt::format("g={} {} {} h={} l={} e={}{}", c.grid, to_string(c.shuffle),
                     to_string(c.train_on), c.hidden, c.layers, c.epochs,
                     c.train_limit ? fmt::format(" train_limit={}", c.train_limit) : "");
}

// Two tables: accuracy and contrast per configuration and test set, then the hidden units'
// measures per configuration (the same for both test sets). `seeds`: how many seeds are done.
std::string summary_text(const std::vector<StatsEntry>& entries) {
  std::string text =
      fmt::format("{:<52} {:<13} {:>5}  {:<36}  {}\n", "configuration", "test", "seeds",
                  "accuracy: mean ± std [95% CI]", "contrast: mean ± std [95% CI]");
  for (const StatsEntry& e : entries) {
    text +=
        fmt::format("{:<52} {:<13} {:>5}  {:<36}  {}\n", config_label(e.config), e.test,
                    e.accuracy.n, interval(e.accuracy, true, 2), interval(e.contrast, false, 4));
  }
  text += "\nhidden units (docs/SWEEP_SCHEMA.md, table units): mean ± std [95% CI]\n";
  for (std::size_t i = 0; i < entries.size(); i += 2) {
    text += config_label(entries[i].config) + "\n";
    for (std::size_t k = 0; k < kUnitColumns.size(); ++k) {
      const UnitColumn& u = kUnitColumns[k];
      text += fmt::format("  {:<22} {:>5}  {}\n", u.name, entries[i].units[k].n,
                          interval(entries[i].units[k], u.percent, u.percent ? 2 : 4));
    }
  }
  return text;
}

}  // namespace

Runner add_sweep_command(CLI::App& app) {
  auto params = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "train and measure every combination of the listed values, each (configuration, seed) "
      "one job, into an SQLite database; a rerun skips the jobs already done");
  add_options(*cmd, kSweep, *params);
  return [params]() { return run_sweep(*params); };
}

Runner add_summarize_command(CLI::App& app) {
  auto options = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "summarize",
      "per configuration and test set: the number of seeds, mean, standard deviation and 95% "
      "confidence interval (Student t) of the accuracy (in percent), of the grid signature "
      "and of the hidden units' measures; or all of them as --json or --csv");
  add_options(*cmd, kSummarize, *options);
  return [options]() {
    if (options->json && options->csv) throw UsageError("give --json or --csv, not both");
    SweepDb db(options->db, SweepDb::Mode::kReadOnly);
    const std::vector<StatsEntry> entries = summarize_jobs(db.read_all());
    if (options->json) {
      std::printf("%s\n", summary_json(entries).dump(2).c_str());
    } else if (options->csv) {
      std::fputs(summary_csv(entries).c_str(), stdout);
    } else {
      print_text(stdout, summary_text(entries));
    }
    return 0;
  };
}

Runner add_merge_command(CLI::App& app) {
  auto options = std::make_shared<CliParams>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "combine sweep databases (e.g. from --shard K/N) into OUT; a job found twice with "
      "different results is an error and OUT stays unchanged");
  add_options(*cmd, kMerge, *options);
  return [options]() {
    // merge_databases refuses an input that is the output (by device and inode).
    check_output_path(options->out, kBesideDatabase);
    const std::size_t added = merge_databases(options->out, options->inputs);
    if (options->quiet) return 0;
    print_text(stderr, fmt::format("merge: {} job(s) added to {}\n", added, options->out.string()));
    return 0;
  };
}

}  // namespace savant::cli
