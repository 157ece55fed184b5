#pragma once
// A sweep from its spec to its database (docs/SWEEPS.md): the one driver of the command line,
// MPI ranks and Python. It checks the spec and where the database goes, loads the data once,
// expands the jobs (and the shard's slice), skips those done, claims each job in the database
// just before it runs (so that processes on one database, whatever their front end, share the
// work), and records each outcome in one transaction.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "savant/sweep/mpi.hpp"
#include "savant/sweep/spec.hpp"

namespace savant {

struct SweepPlace {
  std::filesystem::path db = "sweep.sqlite";
  std::filesystem::path sweep_file;  // read by the sweep: never written over (empty: none)
  Shard shard;
  bool dry_run = false;  // count and list the jobs; neither create nor change the database
};

// How many jobs, before any runs: the events' `planned` and the start of the tally.
struct SweepTally {
  std::size_t jobs = 0;         // all of the sweep's, duplicates dropped
  std::size_t mine = 0;         // of this shard
  std::size_t done = 0;         // of this shard, already in the database
  std::vector<JobConfig> todo;  // of this shard, still to run
  std::string workers;          // "4 thread(s)" or "3 MPI worker rank(s)"
  std::size_t ran = 0, failed = 0;
  std::size_t elsewhere = 0;  // claimed by another process, left to it
  double seconds = 0;         // since the driver started
};

struct SweepEvents {
  std::function<void(const SweepTally&)> planned;  // once, before the first job
  // After each job is recorded (on the calling thread): the job, and the tally so far.
  std::function<void(const StoredJob&, const SweepTally&)> recorded;
  // About every kPollSeconds while jobs run (Python checks for Ctrl-C); may throw to stop.
  std::function<void()> poll;
};

// Where a sweep that keeps its models (keep_models) writes them: a directory beside the
// database, named after it with ".models" for its extension ("runs/sweep.sqlite" ->
// "runs/sweep.models"), one model file per job named by its key (job_key + ".safetensors"), as
// `savant train` writes one (its metadata included), so that `savant analyze` and `eval` take it.
std::filesystem::path models_directory(const std::filesystem::path& db);
std::filesystem::path kept_model_path(const std::filesystem::path& db, const JobConfig& job);

// Runs the sweep, with jobs on spec.base.threads threads, or, when `mpi` is active, handed out
// by rank 0 to the other ranks (which return at once with an empty tally once served). Returns
// the tally; a failed job is counted, not thrown. With spec.keep_models, each job's model is
// written (atomically) before the job is recorded, and a job recorded without its model file
// (by a sweep that did not keep them, or whose file was removed) runs again: a job is done
// when its row and its model are there. Not under MPI (the ranks send numbers, not models).
SweepTally run_sweep(const SweepSpec& spec, const SweepPlace& place, const SweepEvents& events,
                     const MpiSession* mpi = nullptr);

}  // namespace savant
