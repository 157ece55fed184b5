#include "savant/sweep/driver.hpp"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/output_set.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/runner.hpp"

namespace savant {

std::filesystem::path models_directory(const std::filesystem::path& db) {
  std::filesystem::path dir = db;
  return dir.replace_extension(".models");
}

std::filesystem::path kept_model_path(const std::filesystem::path& db, const JobConfig& job) {
  return models_directory(db) / (job_key(job) + ".safetensors");
}

SweepTally run_sweep(const SweepSpec& spec, const SweepPlace& place, const SweepEvents& events,
                     const MpiSession* mpi) {
  validate(spec);
  const bool over_mpi = mpi != nullptr && mpi->active();
  if (over_mpi && spec.keep_models) {
    throw UsageError(
        "keep_models is for a sweep on one machine (MPI ranks send back numbers, not models); "
        "run it without MPI, or as shards (one per machine), then merge them");
  }
  // The database is never written over or into what the sweep reads.
  const CommandInput inputs[] = {{spec.base.data, "data set"}, {place.sweep_file, "sweep file"}};
  check_output_path(place.db, kBesideDatabase);
  refuse_output_over_inputs(place.db, inputs);

  // Every rank of an MPI run gets here alike (same spec, same data), so all agree on the job
  // list; only rank 0 opens the database.
  const auto start = Clock::now();
  const SweepData data = load_sweep_data(spec.base.data, spec.base.train_limit);
  validate_grids(spec, data);
  const std::vector<JobConfig> all = expand_jobs(spec, data.digest);
  const std::vector<JobConfig> mine = select_shard(all, place.shard);
  SweepTally tally;
  if (over_mpi && mpi->rank() != 0) {
    if (!place.dry_run) serve_jobs_mpi(mine, data);
    return tally;
  }

  // A dry run only reads: it neither creates the database nor switches it to WAL.
  std::optional<SweepDb> db;
  std::set<std::string> done;
  if (!place.dry_run) {
    db.emplace(place.db, SweepDb::Mode::kWrite);
    done = db->done_keys();
  } else if (std::filesystem::exists(place.db)) {
    done = SweepDb(place.db, SweepDb::Mode::kReadOnly).done_keys();
  }
  if (spec.keep_models) {
    // A job is done when its model is there too.
    for (const JobConfig& job : mine) {
      std::error_code ec;
      if (!std::filesystem::exists(kept_model_path(place.db, job), ec)) done.erase(job_key(job));
    }
    if (!place.dry_run) {
      const std::filesystem::path dir = models_directory(place.db);
      std::error_code ec;
      std::filesystem::create_directory(dir, ec);
      if (ec || !std::filesystem::is_directory(dir)) {
        throw SystemError(fmt::format("{}: cannot make the directory of the sweep's models: {}",
                                      dir.string(), ec ? ec.message() : "not a directory"),
                          ec ? ec.value() : ENOTDIR, dir.string());
      }
    }
  }
  std::vector<std::size_t> todo_indices;
  tally.jobs = all.size();
  tally.mine = mine.size();
  tally.todo = pending_jobs(mine, done, &todo_indices);
  tally.done = mine.size() - tally.todo.size();
  const int threads = std::max(spec.base.threads, 1);
  tally.workers =
      over_mpi ? fmt::format("{} MPI worker rank(s)", mpi->size() - 1)
               : fmt::format("{} thread(s)",
                             std::min<std::size_t>(static_cast<std::size_t>(threads),
                                                   std::max<std::size_t>(tally.todo.size(), 1)));
  if (events.planned) events.planned(tally);
  if (place.dry_run) return tally;

  const std::string host = host_name();
  // The database is shared by the writer (record) and the workers' claims.
  std::mutex db_mutex;
  auto commit = [&](JobOutcome&& outcome) {
    const StoredJob stored = stored_job(std::move(outcome), host);
    // The model first: a job recorded is a job whose model is there.
    if (spec.keep_models && stored.status == "done") {
      if (const auto& m = stored.result.model) {
        save_model(kept_model_path(place.db, stored.config), m->network, m->metadata);
      } else if (const auto& a = stored.result.arch_model) {
        save_arch_model(kept_model_path(place.db, stored.config), a->network, a->metadata);
      }
    }
    {
      std::lock_guard lock(db_mutex);
      db->record(stored);
    }
    ++tally.ran;
    if (stored.status != "done") ++tally.failed;
    tally.seconds = seconds_since(start);
    if (events.recorded) events.recorded(stored, tally);
  };
  if (over_mpi) {
    dispatch_jobs_mpi(mine, todo_indices, commit);
  } else {
    // Another sweep on the same database (the command line's, Python's) may be running: each
    // job is claimed just before it runs, and one claimed by a running process is left to it.
    tally.elsewhere = run_jobs(
        tally.todo, data, threads, commit,
        [&](const JobConfig& job) {
          std::lock_guard lock(db_mutex);
          if (!spec.keep_models) return db->claim(job_key(job));
          // Its model may have come meanwhile, from another process on the database.
          std::error_code ec;
          if (std::filesystem::exists(kept_model_path(place.db, job), ec)) return false;
          return db->claim(job_key(job), true);
        },
        events.poll);
  }
  tally.seconds = seconds_since(start);
  return tally;
}

}  // namespace savant
