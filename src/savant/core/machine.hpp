#pragma once
// The machine a run happens on and the moment it starts, as results.json records them: the
// numbers of a run, its times above all, belong to the machine that made them.

#include <chrono>
#include <string>

namespace savant {

struct Machine {
  std::string host;    // the host name (gethostname)
  std::string cpu;     // the first "model name" of /proc/cpuinfo; empty where there is none
  std::string system;  // uname: "Linux 6.8.0 x86_64"
  unsigned hardware_threads = 0;  // std::thread::hardware_concurrency()
};

// The machine this process runs on.
Machine this_machine();

// `t` in ISO 8601, UTC, to the second: "2025-03-14T09:26:53Z".
std::string iso8601_utc(std::chrono::system_clock::time_point t);

// The threads a command uses unless told otherwise: the hardware's, from 1 to 1024.
int default_threads();

}  // namespace savant
