#pragma once
// The one way savant splits a loop over threads: contiguous ranges, no shared writes, so the
// result never depends on the number of threads.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace savant {

// Calls body(begin, end) for disjoint ranges covering [0, n) on up to `threads` threads. An
// exception thrown by any range (an error, bad_alloc) is rethrown on the calling thread once
// every range has ended: the first range's, else the lowest one's that threw.
template <typename Body>
void parallel_for(std::size_t n, int threads, Body&& body) {
  std::size_t workers = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1,
                                                std::max<std::size_t>(n, 1));
  if (workers == 1) {
    body(std::size_t{0}, n);
    return;
  }
  std::vector<std::exception_ptr> errors(workers);
  {
    std::vector<std::jthread> pool;
    std::size_t step = (n + workers - 1) / workers;
    for (std::size_t w = 1; w < workers; ++w) {
      std::size_t begin = std::min(n, w * step), end = std::min(n, begin + step);
      pool.emplace_back([&body, &errors, w, begin, end] {
        try {
          body(begin, end);
        } catch (...) {
          errors[w] = std::current_exception();
        }
      });
    }
    try {
      body(std::size_t{0}, std::min(n, step));
    } catch (...) {
      errors[0] = std::current_exception();
    }
  }  // the pool joins here
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// Calls a() and b(): at the same time, b on a second thread, when `together`, else one after
// the other. An exception of either is rethrown on the calling thread once both have ended
// (a's when both threw).
template <typename A, typename B>
void run_both(bool together, A&& a, B&& b) {
  if (!together) {
    a();
    b();
    return;
  }
  std::exception_ptr a_error, b_error;
  {
    std::jthread other([&b, &b_error] {
      try {
        b();
      } catch (...) {
        b_error = std::current_exception();
      }
    });
    try {
      a();
    } catch (...) {
      a_error = std::current_exception();
    }
  }  // joins
  if (a_error) std::rethrow_exception(a_error);
  if (b_error) std::rethrow_exception(b_error);
}

}  // namespace savant
