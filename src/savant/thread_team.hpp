#pragma once
// A fixed team of threads that run one function together, step after step (the steps of one
// model's training are about 100 microseconds: too short to start threads for each). Each
// member gets its index and does its own, fixed part of the work, so the results never depend
// on timing.

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace savant {

class ThreadTeam {
 public:
  // `size` members, the calling thread included; each worker calls `setup` once when it starts.
  explicit ThreadTeam(std::size_t size, std::function<void()> setup = {})
      : size_(std::max<std::size_t>(size, 1)),
        start_(static_cast<std::ptrdiff_t>(size_)),
        done_(static_cast<std::ptrdiff_t>(size_)) {
    for (std::size_t t = 1; t < size_; ++t) {
      workers_.emplace_back([this, t, setup] {
        if (setup) setup();
        work(t);
      });
    }
  }
  ~ThreadTeam() {
    if (size_ > 1) {
      stop_.store(true);
      start_.arrive_and_wait();
    }
  }
  ThreadTeam(const ThreadTeam&) = delete;
  ThreadTeam& operator=(const ThreadTeam&) = delete;

  std::size_t size() const { return size_; }

  // Calls body(t) for every t in [0, size) at once, t = 0 on the calling thread, and returns
  // when all have returned. `body` must not throw.
  template <typename Body>
  void run(Body&& body) {
    if (size_ == 1) {
      body(std::size_t{0});
      return;
    }
    // One reference: small enough for std::function to hold without allocating.
    body_ = [&body](std::size_t t) { body(t); };
    start_.arrive_and_wait();
    body(std::size_t{0});
    done_.arrive_and_wait();
  }

 private:
  void work(std::size_t t) {
    for (;;) {
      start_.arrive_and_wait();
      if (stop_.load()) return;
      body_(t);
      done_.arrive_and_wait();
    }
  }

  std::size_t size_;
  std::barrier<> start_, done_;
  std::function<void(std::size_t)> body_;
  std::atomic<bool> stop_{false};
  std::vector<std::jthread> workers_;  // declared last: joined before the barriers go
};

}  // namespace savant
