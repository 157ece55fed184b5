#include "support/bounded_run.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "savant/core/error.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {

long resident_mib(pid_t pid) {
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE) / (1024 * 1024);
}

// Forks; the child runs `child` with stdout and stderr on a pipe that the parent reads while
// it watches the time and the child's memory.
BoundedRun supervise(const std::function<int()>& child, int seconds, long max_rss_mib) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::_exit(child());
  }
  ::close(pipe_fds[1]);
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  BoundedRun run;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::array<char, 4096> buffer{};
  int status = 0;
  rusage usage{};
  for (;;) {
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buffer.data(), buffer.size())) > 0) {
      run.output.append(buffer.data(), static_cast<std::size_t>(n));
    }
    if (::wait4(pid, &status, WNOHANG, &usage) == pid) break;
    if (!run.timed_out && !run.over_memory) {
      if (std::chrono::steady_clock::now() > deadline) {
        run.timed_out = true;
        ::kill(pid, SIGKILL);
      } else if (resident_mib(pid) > max_rss_mib) {
        run.over_memory = true;
        ::kill(pid, SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer.data(), buffer.size())) > 0) {
    run.output.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.peak_rss_mib = usage.ru_maxrss / 1024;
  return run;
}

}  // namespace

BoundedRun run_savant_bounded(const std::vector<std::string>& args, int seconds, long max_rss_mib) {
  std::vector<std::string> all = {savant_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  return supervise(
      [&] {
        ::execv(argv[0], argv.data());
        return 127;
      },
      seconds, max_rss_mib);
}

BoundedRun run_in_child(const std::function<int()>& body, int seconds, long max_rss_mib) {
  return supervise(
      [&] {
        try {
          return body();
        } catch (...) {
          return 125;
        }
      },
      seconds, max_rss_mib);
}

BoundedRun error_in_child(const std::function<void()>& call, int seconds) {
  return run_in_child(
      [&] {
        try {
          call();
        } catch (const Error& e) {
          std::fputs(e.what(), stderr);
          return 3;
        }
        return 0;
      },
      seconds);
}

std::string describe(const BoundedRun& run) {
  std::string what = "exit " + std::to_string(run.exit_code);
  if (run.timed_out) what += " (killed at the time limit: it blocked or ran on)";
  if (run.over_memory) what += " (killed at the memory limit)";
  return what + ", peak " + std::to_string(run.peak_rss_mib) + " MiB, output:\n" + run.output;
}

}  // namespace savant::testing
