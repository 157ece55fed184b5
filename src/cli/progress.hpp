#pragma once
// The one progress display, as Keras' fit: a line per finished epoch that stays (steps, time,
// time per step, loss, accuracy) and, on a terminal, below them a live line per model in
// training, redrawn in place (epoch, steps, bar, loss, accuracy, ETA). Every line is shorter
// than the terminal is wide (80 columns on a file or a pipe, which get only the lines that
// stay). Safe to call from several training threads at once; it keeps copies of what it shows.

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "savant/model/train.hpp"

namespace savant {

// One model's line, shorter than `width` columns so that a terminal of that width never wraps
// it: "original_model e2/10 937/1875 [#####.....] loss 0.412 acc 85.1% ETA 12s". The bar takes
// the room left (up to 40 columns); when there is too little, the bar goes, then the step count,
// the loss, the ETA, and then the end of the line is cut. Widths are counted in columns
// (terminal.hpp).
std::string progress_line(const TrainProgress& p, int width);

// The line a finished epoch leaves, shorter than `width` columns: "shuffled_model e2/10
// 1875/1875 - 0.52s 277us/step - loss 0.4123 - acc 85.12%"; the time per step goes first, then
// the time, when there is too little room.
std::string epoch_line(const TrainProgress& p, double epoch_seconds, int width);

// A sweep's one line, shorter than `width` columns: the jobs done of all, then `job` (the job
// just recorded, in a few words: its settings and numbers), then the time so far and the time
// left at the pace so far: "[3/8] g=4 derange shuffled h=8 l=1 e=1 seed=0: 81.2%/40.1% | 12s,
// ETA 20s". Where there is too little room the job's words are cut, then the ETA goes.
std::string sweep_line(std::size_t done, std::size_t total, double elapsed_seconds,
                       std::string_view job, int width);

// "12s", "3m05s", "2h07m": a time at a glance.
std::string clock_time(double seconds);

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
  std::map<std::string, TrainProgress> latest_;  // models in training: their last report
  std::map<std::string, double> epoch_ended_;    // by model name: elapsed at its last epoch's end
};

}  // namespace savant
