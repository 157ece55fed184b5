#pragma once
// Runs a sweep's jobs on threads, one model per thread, with one writer.

#include <functional>
#include <string>
#include <vector>

#include "savant/sweep/job.hpp"

namespace savant {

// A job's outcome as the runner reports it: a result, or the error that stopped it.
struct JobOutcome {
  JobConfig job;
  bool ok = false;
  JobResult result;
  std::string error;
};

// Runs `jobs` on `threads` threads, one model per thread, and hands each outcome to `commit` on
// the calling thread (the one writer), in the order they finish. When `commit` throws, no new
// job starts, the ones running finish, and the exception is rethrown.
void run_jobs(const std::vector<JobConfig>& jobs, const SweepData& data, int threads,
              const std::function<void(JobOutcome&&)>& commit);

}  // namespace savant
