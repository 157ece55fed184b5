#pragma once
// The one progress display: a line per model redrawn in place on a terminal (model, epoch, bar,
// loss, accuracy, ETA), each shorter than the terminal is wide, or one plain line per finished
// epoch when stderr is a file or a pipe. Safe to call from several training threads at once.
// It keeps a copy of each model's last report: a model's line outlives its training.

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "savant/model/train.hpp"

namespace savant {

// One model's line, shorter than `width` columns so that a terminal of that width never wraps
// it: "original_model e2/10 [#####.....] loss 0.412 acc 85.1% ETA 12s". The bar takes the room
// left (up to 40 columns); when there is too little, the bar goes, then the loss, then the ETA,
// then the end of the line is cut. Widths are counted in columns (terminal.hpp).
std::string progress_line(const TrainProgress& p, int width);

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
  std::size_t drawn_lines_ = 0;  // the lines of the last drawing, the cursor on its last
  std::chrono::steady_clock::time_point last_draw_{};
  std::mutex mutex_;
  std::map<std::string, TrainProgress> latest_;  // by model name: its last report
};

}  // namespace savant
