#include "cli/progress.hpp"

#include <unistd.h>

#include <chrono>

#include <fmt/format.h>

namespace savant {
namespace {

std::string bar(double fraction, int width) {
  const int filled = static_cast<int>(fraction * width + 0.5);
  return std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(width - filled), '.');
}

double fraction_done(const TrainProgress& p) {
  return (static_cast<double>(p.epoch - 1) +
          static_cast<double>(p.step) / static_cast<double>(p.steps)) /
         static_cast<double>(p.epochs);
}

}  // namespace

ProgressDisplay::ProgressDisplay(std::FILE* out)
    : ProgressDisplay(out, ::isatty(::fileno(out)) != 0) {}

ProgressDisplay::ProgressDisplay(std::FILE* out, bool interactive)
    : out_(out), interactive_(interactive) {}

ProgressDisplay::~ProgressDisplay() {
  finish();
}

void ProgressDisplay::update(const TrainProgress& p) {
  std::lock_guard lock(mutex_);
  if (!interactive_) {
    if (p.step == p.steps) {
      std::fprintf(out_, "%s\n",
                   fmt::format("{}: epoch {}/{} loss {:.4f} accuracy {:.4f} ({:.1f} s)", *p.name,
                               p.epoch, p.epochs, p.loss, p.accuracy, p.elapsed_seconds)
                       .c_str());
      std::fflush(out_);
    }
    return;
  }
  latest_[*p.name] = p;
  // Redraw at most ten times a second (and at the end of each epoch): a fast run would
  // otherwise spend its time writing to the terminal.
  const auto now = std::chrono::steady_clock::now();
  if (p.step != p.steps && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::string line;
  for (const auto& [name, q] : latest_) {
    const double done = fraction_done(q);
    const double eta = done > 0 ? q.elapsed_seconds * (1.0 - done) / done : 0.0;
    if (!line.empty()) line += "  |  ";
    line += fmt::format("{} e{}/{} [{}] loss {:.3f} acc {:.1f}% ETA {:.0f}s", name, q.epoch,
                        q.epochs, bar(done, 12), q.loss, 100.0 * q.accuracy, eta);
  }
  std::fprintf(out_, "\r\033[K%s", line.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressDisplay::finish() {
  std::lock_guard lock(mutex_);
  if (drawn_) {
    std::fputc('\n', out_);
    std::fflush(out_);
    drawn_ = false;
  }
  latest_.clear();
}

}  // namespace savant
