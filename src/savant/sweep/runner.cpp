#include "savant/sweep/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include <Eigen/Core>

#include "savant/core/version.hpp"
#include "savant/data/shuffle.hpp"

namespace savant {

void validate_grids(const SweepSpec& spec, const SweepData& data) {
  const ImageSet& images = data.data.train.images;
  for (const std::string& grid : spec.values("grid")) {
    for (const std::string& shuffle : spec.values("shuffle")) {
      ExperimentConfig c;
      set_field(c, "grid", grid);
      set_field(c, "shuffle", shuffle);
      validate_grid(c.grid, images.rows, images.cols, c.shuffle);
    }
  }
}

std::vector<JobConfig> pending_jobs(const std::vector<JobConfig>& jobs,
                                    const std::set<std::string>& done,
                                    std::vector<std::size_t>* indices) {
  std::vector<JobConfig> todo;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (done.contains(job_key(jobs[i]))) continue;
    if (indices != nullptr) indices->push_back(i);
    todo.push_back(jobs[i]);
  }
  return todo;
}

StoredJob stored_job(JobOutcome&& outcome, const std::string& host) {
  return {std::move(outcome.job),    outcome.ok ? "done" : "failed", std::move(outcome.error),
          std::move(outcome.result), std::string(kVersion),          host};
}

std::size_t run_jobs(const std::vector<JobConfig>& jobs, const SweepData& data, int threads,
                     const std::function<void(JobOutcome&&)>& commit,
                     const std::function<bool(const JobConfig&)>& claim,
                     const std::function<void()>& poll) {
  // Eigen sets its cache-blocking sizes in statics on first use; racing threads could see
  // different blockings and so sum in a different order. Set them once, before any thread.
  Eigen::initParallel();
  OriginalModels originals(jobs);
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<JobOutcome> finished;
  std::size_t next = 0, running = 0, refused = 0;
  bool stop = false;
  std::atomic<bool> cancel = false;  // the running jobs' training stops at its next step

  auto worker = [&] {
    for (;;) {
      std::size_t index;
      {
        std::lock_guard lock(mutex);
        if (stop || next >= jobs.size()) return;
        index = next++;
        ++running;
      }
      JobOutcome outcome{jobs[index], false, {}, {}};
      bool claimed = true;
      try {
        claimed = !claim || claim(jobs[index]);
        if (claimed) {
          outcome.result = run_job(jobs[index], data, &originals, &cancel);
          outcome.ok = true;
        } else {
          originals.skip(jobs[index]);
        }
      } catch (const std::exception& e) {
        outcome.error = e.what();
      }
      {
        std::lock_guard lock(mutex);
        --running;
        if (claimed) {
          finished.push_back(std::move(outcome));
        } else {
          ++refused;
        }
      }
      ready.notify_one();
    }
  };

  const std::size_t count = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)),
                                                    1, std::max<std::size_t>(jobs.size(), 1));
  std::exception_ptr failure;
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < count; ++t) pool.emplace_back(worker);
    std::size_t committed = 0;
    auto fail = [&] {
      failure = std::current_exception();
      cancel = true;
      std::lock_guard relock(mutex);
      stop = true;
    };
    const auto poll_every = std::chrono::duration<double>(poll ? kPollSeconds : 3600.0);
    for (;;) {
      std::unique_lock lock(mutex);
      const bool woken = ready.wait_for(lock, poll_every, [&] {
        return !finished.empty() || committed + refused >= jobs.size() || (stop && running == 0);
      });
      if (!woken) {
        lock.unlock();
        if (poll && !failure) {
          try {
            poll();
          } catch (...) {
            fail();
          }
        }
        continue;
      }
      if (finished.empty()) break;
      JobOutcome outcome = std::move(finished.front());
      finished.pop_front();
      lock.unlock();
      ++committed;
      if (failure) continue;  // drain what is still running, write nothing more
      try {
        commit(std::move(outcome));
      } catch (...) {
        fail();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
  return refused;
}

}  // namespace savant
