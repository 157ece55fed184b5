#pragma once
// Running something that may hang or grow without bound, without letting it take the test (or
// the machine) with it: in a child process that is killed past a time limit or a resident
// memory limit. What a hostile input would do to old code (block on a FIFO, read /dev/zero
// forever, allocate gigabytes) then fails the test instead of hanging CTest or swapping.

#include <functional>
#include <string>
#include <vector>

namespace savant::testing {

struct BoundedRun {
  int exit_code = -1;        // the exit status, or 128 + the signal that ended it
  std::string output;        // stdout and stderr
  bool timed_out = false;    // killed at the time limit
  bool over_memory = false;  // killed at the memory limit
  long peak_rss_mib = 0;     // the child's peak resident memory (wait4's rusage)
};

// savant with `args`, killed after `seconds` or when its resident memory passes `max_rss_mib`.
BoundedRun run_savant_bounded(const std::vector<std::string>& args, int seconds = 60,
                              long max_rss_mib = 1024);

// `body` in a forked child (its return value is the exit status), under the same limits; its
// output goes to the test's output. For library calls that would block in the process itself.
BoundedRun run_in_child(const std::function<int()>& body, int seconds = 60,
                        long max_rss_mib = 1024);

// `call` in a child under the same limits: exit 3 with the savant::Error's message as the output
// when it throws one, 0 when it returns.
BoundedRun error_in_child(const std::function<void()>& call, int seconds = 30);

// "exit 1 after ..., peak 12 MiB, output: ...": for a failing expectation's message.
std::string describe(const BoundedRun& run);

}  // namespace savant::testing
