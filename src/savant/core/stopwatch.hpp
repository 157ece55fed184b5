#pragma once
// Wall time of a step, for the timings results.json and the progress report: steady, so that a
// change of the system clock never makes a step take negative time.

#include <chrono>

namespace savant {

using Clock = std::chrono::steady_clock;

// Seconds from `start` to now.
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace savant
