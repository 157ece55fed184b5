#pragma once
// Sweeps over MPI ranks (docs/SWEEPS.md), built only where CMake finds MPI (SAVANT_HAVE_MPI):
// `mpirun -np N savant sweep ...` makes rank 0 the one writer of the database and hands jobs
// out one at a time to ranks 1 .. N-1, each training one model at a time; a rank that finishes
// early gets the next job, so uneven jobs balance themselves.

#include <functional>
#include <vector>

#include "savant/sweep/runner.hpp"

namespace savant {

// Initialises MPI when this process was started by an MPI launcher with more than one rank,
// and finalises it on destruction. Without MPI support, or outside mpirun, it does nothing
// and the sweep runs on threads as usual.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  bool active() const { return size_ > 1; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Ends every rank at once: for an error on one rank that the others would wait on forever.
  [[noreturn]] void abort(int code);

 private:
  int rank_ = 0, size_ = 1;
  bool initialised_ = false;
};

// Rank 0: hands out the jobs `jobs[i]` for i in `todo` to the other ranks and passes each
// outcome to `commit`, in the order they arrive, until every one is done.
void dispatch_jobs_mpi(const std::vector<JobConfig>& jobs, const std::vector<std::size_t>& todo,
                       const std::function<void(JobOutcome&&)>& commit);
// Ranks 1 .. N-1: runs the jobs rank 0 hands out (indices into `jobs`, which every rank
// expands alike from the same command line) until told to stop.
void serve_jobs_mpi(const std::vector<JobConfig>& jobs, const SweepData& data);

// An outcome as JSON text and back, exactly (doubles round-trip; NaN as null).
std::string outcome_to_json(const JobOutcome& outcome);
JobOutcome outcome_from_json(const std::string& text, const JobConfig& job);

}  // namespace savant
