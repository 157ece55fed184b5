// parallel_for and ThreadTeam: every index or member runs once, and an exception thrown on any
// thread reaches the caller instead of ending the program.

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "savant/core/parallel.hpp"
#include "savant/core/thread_team.hpp"

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

TEST(ThreadTeam, AMembersExceptionReachesTheCallerAndTheTeamGoesOn) {
  ThreadTeam team(3);
  try {
    team.run([](std::size_t t) {
      if (t > 0) throw std::runtime_error("member " + std::to_string(t));
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "member 1");
  }
  std::vector<std::atomic<int>> hits(3);
  team.run([&](std::size_t t) { ++hits[t]; });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
}

}  // namespace
}  // namespace savant
