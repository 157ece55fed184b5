// parallel_for: the ranges cover [0, n) once, and an exception thrown on any thread reaches the
// caller instead of ending the program.

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <stdexcept>
#include <vector>

#include "savant/core/parallel.hpp"

namespace savant {
namespace {

TEST(ParallelFor, RangesCoverEveryIndexOnce) {
  for (int threads : {1, 2, 3, 8}) {
    std::vector<std::atomic<int>> hits(10);
    parallel_for(hits.size(), threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) ++hits[i];
    });
    for (const auto& h : hits) EXPECT_EQ(h.load(), 1) << threads << " threads";
  }
}

TEST(ParallelFor, ExceptionOnAnotherThreadReachesTheCaller) {
  // The last range runs on a thread of its own; the caller runs the first.
  EXPECT_THROW(parallel_for(4, 4,
                            [](std::size_t begin, std::size_t) {
                              if (begin == 3) throw std::bad_alloc();
                            }),
               std::bad_alloc);
}

TEST(ParallelFor, ExceptionsOnEveryThreadGiveTheFirstRangesOne) {
  try {
    parallel_for(4, 4, [](std::size_t begin, std::size_t) {
      throw std::runtime_error("range " + std::to_string(begin));
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "range 0");
  }
}

}  // namespace
}  // namespace savant
