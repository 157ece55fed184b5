#pragma once
// Runs a sweep's jobs on threads, one model per thread, with one writer.

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "savant/sweep/job.hpp"
#include "savant/sweep/spec.hpp"

namespace savant {

// A job's outcome as the runner reports it: a result, or the error that stopped it.
struct JobOutcome {
  JobConfig job;
  bool ok = false;
  JobResult result;
  std::string error;
};

// Checks every grid and shuffle mode of the sweep against the loaded images (throws
// InvalidSetting naming the grid), before any job runs.
void validate_grids(const SweepSpec& spec, const SweepData& data);

// The jobs whose job_key is not in `done`, in order; `indices`, when given, receives their
// positions in `jobs`.
std::vector<JobConfig> pending_jobs(const std::vector<JobConfig>& jobs,
                                    const std::set<std::string>& done,
                                    std::vector<std::size_t>* indices = nullptr);

// What the database records for an outcome, run on `host` by this version of savant.
StoredJob stored_job(JobOutcome&& outcome, const std::string& host);

// Runs `jobs` on `threads` threads, one model per thread, and hands each outcome to `commit` on
// the calling thread (the one writer), in the order they finish. `claim`, when given, is called
// on the worker's thread just before a job would start (SweepDb::claim): a job it refuses is
// left to whoever holds it. `poll`, when given, is called on the calling thread about every
// kPollSeconds while jobs run (Python checks for Ctrl-C there). When `commit` or `poll` throws,
// no new job starts, the ones running stop at their next training step, nothing more is
// committed, and the exception is rethrown once every thread has ended. Returns the number of
// jobs refused.
inline constexpr double kPollSeconds = 0.05;
std::size_t run_jobs(const std::vector<JobConfig>& jobs, const SweepData& data, int threads,
                     const std::function<void(JobOutcome&&)>& commit,
                     const std::function<bool(const JobConfig&)>& claim = {},
                     const std::function<void()>& poll = {});

}  // namespace savant
