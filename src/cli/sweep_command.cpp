// savant sweep, summarize and merge (docs/SWEEPS.md); `savant report --db` draws a sweep.

#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/terminal.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/driver.hpp"
#include "savant/sweep/filter.hpp"
#include "savant/sweep/mpi.hpp"
#include "savant/sweep/plot.hpp"
#include "savant/sweep/sweep.hpp"

namespace savant::cli {
namespace {

// The model in a few words: the dense network's width and depth ("h=128 l=1"), or the other
// architecture's name ("cnn"), which has neither.
std::string model_words(const JobConfig& c) {
  if (c.model != Architecture::mlp) return std::string(architecture_name(c.model));
  return fmt::format("h={} l={}", c.hidden, c.layers);
}

std::string short_label(const JobConfig& c) {
  return fmt::format("g={} {} {} {} e={} seed={}", c.grid, to_string(c.shuffle),
                     to_string(c.train_on), model_words(c), c.epochs, c.seed);
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

  if (params.has("keep_models")) spec.keep_models = true;

  // --quiet: no progress lines; a failure still ends in an error. At a terminal the jobs'
  // progress is one line redrawn in place (sweep_line: jobs done, the last job and its numbers,
  // the time so far and the ETA), as wide as the terminal at most; to a file or a pipe, that
  // line for each job, at most 80 columns. A failed job's message stays above it.
  std::FILE* progress = params.quiet ? nullptr : stderr;
  const bool live = progress != nullptr && ::isatty(::fileno(progress)) != 0;
  bool drawn = false;  // a live line is on the screen, the cursor at its end
  auto end_live_line = [&] {
    if (drawn) std::fputs("\r\033[K", stderr);
    drawn = false;
  };
  auto say = [&](const std::string& text) {
    if (progress == nullptr) return;
    end_live_line();
    print_text(progress, text);
  };
  SweepEvents events;
  events.planned = [&](const SweepTally& t) {
    say(fmt::format("sweep: {} jobs{}, {} already done in {}, {} to run on {}{}\n", t.jobs,
                    place.shard.count > 1 ? fmt::format(" (shard {}/{}: {})", place.shard.index,
                                                        place.shard.count, t.mine)
                                          : "",
                    t.done, place.db.string(), t.todo.size(), t.workers,
                    t.todo.empty() ? ""
                                   : "\n[done/to run] job: original/shuffled test accuracy | "
                                     "time so far, ETA"));
  };
  events.recorded = [&](const StoredJob& stored, const SweepTally& t) {
    if (stored.status != "done") {
      end_live_line();
      print_text(stderr, fmt::format("[{}/{}] {}: FAILED: {}\n", t.ran, t.todo.size(),
                                     short_label(stored.config), stored.error));
      return;
    }
    if (progress == nullptr) return;
    const std::string job = fmt::format("{}: {:.1f}%/{:.1f}%", short_label(stored.config),
                                        100.0 * stored.result.original_test.accuracy(),
                                        100.0 * stored.result.shuffled_test.accuracy());
    const int width = live ? terminal_width(progress) : 80;
    const std::string line = sweep_line(t.ran, t.todo.size(), t.seconds, job, width);
    if (live) {
      std::fputs(("\r\033[K" + line).c_str(), progress);
      drawn = true;
    } else {
      std::fprintf(progress, "%s\n", line.c_str());
    }
    std::fflush(progress);
  };
  const SweepTally tally = run_sweep(spec, place, events, &mpi);
  if (drawn) std::fputc('\n', stderr);  // the last job's line stays
  drawn = false;
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
  return fmt::format("g={} {} {} {} e={}{}", c.grid, to_string(c.shuffle), to_string(c.train_on),
                     model_words(c), c.epochs,
                     c.train_limit ? fmt::format(" train_limit={}", c.train_limit) : "");
}

// An entry's configuration in a few words ("g=4 derange shuffled h=128 l=1 e=5"), or, when the
// entries are grouped (--by), its group's settings ("grid=4 train_on=shuffled").
std::string entry_label(const StatsEntry& e) {
  if (e.by.empty()) return config_label(e.config);
  std::string label;
  for (const auto& [name, value] : group_values(e)) {
    label += fmt::format("{}{}={}", label.empty() ? "" : " ", name, value);
  }
  return label;
}

// One block per configuration, under 80 columns: its label, then a row per number (the
// accuracy on each test set, the grid signature's contrast, the hidden units' measures of
// docs/SWEEP_SCHEMA.md's table units), each with its number of seeds and mean ± std [95% CI].
// summarize_jobs gives each configuration's original_test entry, then its shuffled_test one;
// the contrast and the units are the same in both.
std::string summary_text(const std::vector<StatsEntry>& entries) {
  auto row = [](std::string_view name, std::size_t n, const std::string& value) {
    return fmt::format("  {:<23} {:>5}  {}\n", name, n, value);
  };
  std::string text = fmt::format("{:<25} {:>5}  {}\n", "configuration", "seeds",
                                 "mean ± std [95% CI]; accuracies in %");
  for (std::size_t i = 0; i + 1 < entries.size(); i += 2) {
    const StatsEntry &original = entries[i], &shuffled = entries[i + 1];
    text += "\n" + entry_label(original) + "\n";
    text +=
        row("accuracy, original test", original.accuracy.n, interval(original.accuracy, true, 2));
    text +=
        row("accuracy, shuffled test", shuffled.accuracy.n, interval(shuffled.accuracy, true, 2));
    text += row("contrast", original.contrast.n, interval(original.contrast, false, 4));
    for (std::size_t k = 0; k < kUnitColumns.size(); ++k) {
      const UnitColumn& u = kUnitColumns[k];
      text += row(u.name, original.units[k].n,
                  interval(original.units[k], u.percent, u.percent ? 2 : 4));
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
    // Both parsed before the database is opened: a filter savant cannot read touches nothing.
    const JobFilter filter = options->where.empty() ? JobFilter() : JobFilter(options->where);
    const std::vector<std::string> by =
        options->by.empty() ? std::vector<std::string>() : parse_grouping(options->by);
    SweepDb db(options->db, SweepDb::Mode::kReadOnly);
    const std::vector<StatsEntry> entries = summarize_jobs(filter_jobs(db.read_all(), filter), by);
    if (entries.empty() && !options->json && !options->csv) {
      print_text(stdout, fmt::format("no finished job in {}{}\n", options->db.string(),
                                     options->where.empty() ? "" : " matches the filter"));
      return 0;
    }
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
