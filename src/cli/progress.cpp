#include "cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "cli/terminal.hpp"

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

std::string progress_line(const TrainProgress& p, int width) {
  const std::size_t limit = static_cast<std::size_t>(std::max(width - 1, 1));
  const double done = fraction_done(p);
  const double eta = done > 0 ? p.elapsed_seconds * (1.0 - done) / done : 0.0;
  const std::string head = fmt::format("{} e{}/{}", p.name, p.epoch, p.epochs);
  const std::string loss = fmt::format(" loss {:.3f}", p.loss);
  const std::string acc = fmt::format(" acc {:.1f}%", 100.0 * p.accuracy);
  const std::string time = fmt::format(" ETA {:.0f}s", eta);
  constexpr std::size_t kMinBar = 5, kMaxBar = 40;
  const std::size_t rest = text_columns(head) + loss.size() + acc.size() + time.size();
  if (rest + 3 + kMinBar <= limit) {
    const std::size_t room = std::min(kMaxBar, limit - rest - 3);
    return fmt::format("{} [{}]{}{}{}", head, bar(done, static_cast<int>(room)), loss, acc, time);
  }
  for (const std::string& line : {head + loss + acc + time, head + acc + time, head + acc}) {
    if (text_columns(line) <= limit) return line;
  }
  return std::string(first_columns(head + acc, limit));
}

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
                   fmt::format("{}: epoch {}/{} loss {:.4f} accuracy {:.4f} ({:.1f} s)", p.name,
                               p.epoch, p.epochs, p.loss, p.accuracy, p.elapsed_seconds)
                       .c_str());
      std::fflush(out_);
    }
    return;
  }
  latest_[p.name] = p;
  // Redraw at most ten times a second (and at the end of each epoch): a fast run would
  // otherwise spend its time writing to the terminal.
  const auto now = std::chrono::steady_clock::now();
  if (p.step != p.steps && drawn_lines_ > 0 && now - last_draw_ < std::chrono::milliseconds(100))
    return;
  last_draw_ = now;
  // Back to the first line of the last drawing, then each model's line over the old one.
  const int width = terminal_width(out_);
  std::string text = drawn_lines_ > 1 ? fmt::format("\033[{}A", drawn_lines_ - 1) : "";
  bool first = true;
  for (const auto& [name, q] : latest_) {
    if (!first) text += '\n';
    first = false;
    text += "\r\033[K" + progress_line(q, width);
  }
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
  drawn_lines_ = latest_.size();
}

void ProgressDisplay::finish() {
  std::lock_guard lock(mutex_);
  if (drawn_lines_ > 0) {
    std::fputc('\n', out_);
    std::fflush(out_);
    drawn_lines_ = 0;
  }
  latest_.clear();
}

}  // namespace savant
