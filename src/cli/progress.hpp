#pragma once
// The one progress display: a bar per model redrawn in place on a terminal (model, epoch, loss,
// accuracy, ETA), or one plain line per finished epoch when stderr is a file or a pipe.
// Safe to call from several training threads at once.

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "savant/model/train.hpp"

namespace savant {

class ProgressDisplay {
 public:
  // `interactive` defaults to whether `out` is a terminal.
  explicit ProgressDisplay(std::FILE* out = stderr);
  ProgressDisplay(std::FILE* out, bool interactive);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void update(const TrainProgress& p);
  ProgressFn callback() {
    return [this](const TrainProgress& p) { update(p); };
  }
  // Ends the in-place line, if one is drawn.
  void finish();

 private:
  std::FILE* out_;
  bool interactive_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
  std::mutex mutex_;
  std::map<std::string, TrainProgress> latest_;
};

}  // namespace savant
