#pragma once
// A fixed team of threads that run one function together, step after step (the steps of one
// model's training are about 100 microseconds: too short to start threads for each). Each
// member gets its index and does its own, fixed part of the work, so the results never depend
// on timing.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace savant {

// A barrier that spins for a while (about 100 microseconds) before it sleeps. A step's halves
// finish within microseconds of each other on an idle machine, where waking a sleeping thread
// costs tens of microseconds (longer in a virtual machine); std::barrier sleeps almost at once.
class SpinBarrier {
 public:
  explicit SpinBarrier(std::size_t count) : count_(count) {}

  void arrive_and_wait() {
    const std::uint32_t generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      generation_.notify_all();
      return;
    }
    for (int i = 0; i < kSpins; ++i) {
      if (generation_.load(std::memory_order_acquire) != generation) return;
#if defined(__SSE2__)
      _mm_pause();
#endif
    }
    while (generation_.load(std::memory_order_acquire) == generation) {
      generation_.wait(generation, std::memory_order_acquire);
    }
  }

 private:
  static constexpr int kSpins = 2000;  // a pause is 40 to 60 ns (Skylake and later)
  const std::size_t count_;
  std::atomic<std::size_t> arrived_{0};
  std::atomic<std::uint32_t> generation_{0};
};

class ThreadTeam {
 public:
  // `size` members, the calling thread included; each worker calls `setup` once when it starts.
  explicit ThreadTeam(std::size_t size, std::function<void()> setup = {})
      : size_(std::max<std::size_t>(size, 1)), start_(size_), done_(size_), errors_(size_) {
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
  // when all have returned. An exception thrown by any member (an error, bad_alloc) is rethrown
  // here once all have returned: the lowest member's.
  template <typename Body>
  void run(Body&& body) {
    if (size_ == 1) {
      body(std::size_t{0});
      return;
    }
    // One reference: small enough for std::function to hold without allocating.
    body_ = [this, &body](std::size_t t) {
      try {
        body(t);
      } catch (...) {
        errors_[t] = std::current_exception();
      }
    };
    start_.arrive_and_wait();
    body_(std::size_t{0});
    done_.arrive_and_wait();
    std::exception_ptr first;
    for (std::exception_ptr& e : errors_) {
      if (e && !first) first = e;
      e = nullptr;  // none left for the next run
    }
    if (first) std::rethrow_exception(first);
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
  SpinBarrier start_, done_;
  std::function<void(std::size_t)> body_;
  std::vector<std::exception_ptr> errors_;  // one per member, empty between runs
  std::atomic<bool> stop_{false};
  std::vector<std::jthread> workers_;  // declared last: joined before the barriers go
};

}  // namespace savant
