// savant sweep, summarize and merge (docs/SWEEPS.md); `savant report --db` draws a sweep.

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/output_set.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/data/dataset.hpp"
#include "savant/model/engine_choice.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/mpi.hpp"
#include "savant/sweep/plot.hpp"
#include "savant/sweep/sweep.hpp"

namespace savant::cli {
namespace {

// Where the results go and how many jobs run at once.
struct SweepRun {
  std::filesystem::path db;
  int threads = 1;
  bool dry_run = false;
  bool quiet = false;
};

std::string short_label(const JobConfig& c) {
  return fmt::format("g={} {} {} h={} l={} e={} seed={}", c.grid, to_string(c.shuffle),
                     to_string(c.train_on), c.hidden, c.layers, c.epochs, c.seed);
}

int run_sweep(const CliParams& params, const MpiSession& mpi) {
  SweepSpec spec;
  spec.data = default_data_dir();
  SweepRun options{params.has("db") ? params.db : "sweep.sqlite", params.config.threads,
                   params.dry_run, params.quiet};
  if (params.has("sweep_file")) {
    // A setting given on the command line wins over the file's.
    load_sweep_file(params.sweep_file, spec, params.has("db") ? nullptr : &options.db,
                    [&](std::string_view setting) { return params.has(setting); });
  }
  for (const auto& [setting, values] : params.lists) set_sweep_option(spec, setting, values);
  validate(spec);
  validate(params.config);  // the sweep's own: threads
  const Shard shard = parse_shard(params.shard);
  // The database is never written over or into what the sweep reads.
  const CommandInput inputs[] = {{spec.data, "data set"}, {params.sweep_file, "sweep file"}};
  check_output_path(options.db, kBesideDatabase);
  refuse_output_over_inputs(options.db, inputs);

  // Every rank of an MPI run gets here alike (same command line, same data), so all agree on
  // the job list; only rank 0 opens the database.
  const auto start = Clock::now();
  const SweepData data = load_sweep_data(spec.data, spec.train_limit);
  validate_grids(spec, data);
  const std::vector<JobConfig> all = expand_jobs(spec, data.digest);
  const std::vector<JobConfig> mine = select_shard(all, shard);
  if (mpi.active() && mpi.rank() != 0) {
    if (!options.dry_run) serve_jobs_mpi(mine, data);
    return 0;
  }

  // A dry run only reads: it neither creates the database nor switches it to WAL.
  std::optional<SweepDb> db;
  std::set<std::string> done;
  if (!options.dry_run) {
    db.emplace(options.db, SweepDb::Mode::kWrite);
    done = db->done_keys();
  } else if (std::filesystem::exists(options.db)) {
    done = SweepDb(options.db, SweepDb::Mode::kReadOnly).done_keys();
  }
  std::vector<std::size_t> todo_indices;
  const std::vector<JobConfig> todo = pending_jobs(mine, done, &todo_indices);
  const std::string workers =
      mpi.active() ? fmt::format("{} MPI worker rank(s)", mpi.size() - 1)
                   : fmt::format("{} thread(s)",
                                 std::min<std::size_t>(static_cast<std::size_t>(options.threads),
                                                       std::max<std::size_t>(todo.size(), 1)));
  // --quiet: no progress lines; a failure still ends in an error. At a terminal each line is
  // broken to fit it (a job's line is longer than 80 columns).
  std::FILE* progress = options.quiet ? nullptr : stderr;
  auto say = [progress](const std::string& text) {
    if (progress != nullptr) print_text(progress, text);
  };
  say(fmt::format("sweep: {} jobs{}, {} already done in {}, {} to run on {}\n", all.size(),
                  shard.count > 1
                      ? fmt::format(" (shard {}/{}: {})", shard.index, shard.count, mine.size())
                      : "",
                  mine.size() - todo.size(), options.db.string(), todo.size(), workers));
  if (options.dry_run) {
    for (const JobConfig& job : todo) std::printf("%s\n", job_key(job).c_str());
    return 0;
  }

  const std::string host = host_name();
  std::size_t finished = 0, failed = 0, elsewhere = 0;
  // The database is shared by the writer (commit) and the workers' claims.
  std::mutex db_mutex;
  auto commit = [&](JobOutcome&& outcome) {
    const StoredJob stored = stored_job(std::move(outcome), host);
    {
      std::lock_guard lock(db_mutex);
      db->record(stored);
    }
    ++finished;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (stored.status == "done") {
      say(
          fmt::format("[{}/{}] {}: original test {}, shuffled test {}, contrast {:.3f} "
                      "({:.1f} s; {:.0f} s in all)\n",
                      finished, todo.size(), short_label(stored.config),
                      percent(stored.result.original_test.accuracy()),
                      percent(stored.result.shuffled_test.accuracy()),
                      stored.result.signature.contrast, stored.result.train_seconds, elapsed));
    } else {
      ++failed;
      print_text(stderr, fmt::format("[{}/{}] {}: FAILED: {}\n", finished, todo.size(),
                                     short_label(stored.config), stored.error));
    }
  };
  if (mpi.active()) {
    dispatch_jobs_mpi(mine, todo_indices, commit);
  } else {
    // Another `savant sweep` on the same database may be running: each job is claimed in the
    // database just before it runs, and one claimed by a running process is left to it.
    elsewhere = run_jobs(todo, data, options.threads, commit, [&](const JobConfig& job) {
      std::lock_guard lock(db_mutex);
      return db->claim(job_key(job));
    });
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  say(fmt::format("sweep: {} job(s) run in {:.1f} s, {} failed{}; results in {}\n", finished,
                  elapsed, failed,
                  elsewhere > 0 ? fmt::format(", {} run by another process", elsewhere) : "",
                  options.db.string()));
  if (failed > 0) {
    throw Error(fmt::format("{} job(s) failed (status 'failed' in {}); see the messages above",
                            failed, options.db.string()));
  }
  return 0;
}

// Under mpirun an error on one rank would leave the others waiting: report it and end them all.
int run_sweep(const CliParams& params) {
  select_engine(params.engine);
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
