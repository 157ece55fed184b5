#include "cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

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

// The first of `candidates` that fits in `limit` columns, else the last one cut to fit.
std::string first_that_fits(std::initializer_list<std::string> candidates, std::size_t limit) {
  for (const std::string& line : candidates) {
    if (text_columns(line) <= limit) return line;
  }
  return std::string(first_columns(*(candidates.end() - 1), limit));
}

// "55us", "1.2ms", "0.31s": a duration in three significant figures at most.
std::string duration(double seconds) {
  if (seconds < 1e-3) return fmt::format("{:.0f}us", seconds * 1e6);
  if (seconds < 1.0) return fmt::format("{:.{}f}ms", seconds * 1e3, seconds < 1e-2 ? 1 : 0);
  return fmt::format("{:.{}f}s", seconds, seconds < 10.0 ? 2 : 1);
}

}  // namespace

std::string progress_line(const TrainProgress& p, int width) {
  const std::size_t limit = static_cast<std::size_t>(std::max(width - 1, 1));
  const double done = fraction_done(p);
  const double eta = done > 0 ? p.elapsed_seconds * (1.0 - done) / done : 0.0;
  const std::string head = fmt::format("{} e{}/{}", p.name, p.epoch, p.epochs);
  const std::string steps = fmt::format(" {}/{}", p.step, p.steps);
  const std::string loss = fmt::format(" loss {:.3f}", p.loss);
  const std::string acc = fmt::format(" acc {:.1f}%", 100.0 * p.accuracy);
  const std::string time = fmt::format(" ETA {:.0f}s", eta);
  constexpr std::size_t kMinBar = 5, kMaxBar = 40;
  const std::size_t rest =
      text_columns(head) + steps.size() + loss.size() + acc.size() + time.size();
  if (rest + 3 + kMinBar <= limit) {
    const std::size_t room = std::min(kMaxBar, limit - rest - 3);
    return fmt::format("{}{} [{}]{}{}{}", head, steps, bar(done, static_cast<int>(room)), loss, acc,
                       time);
  }
  return first_that_fits(
      {head + steps + loss + acc + time, head + loss + acc + time, head + acc + time, head + acc},
      limit);
}

std::string epoch_line(const TrainProgress& p, double epoch_seconds, int width) {
  const std::size_t limit = static_cast<std::size_t>(std::max(width - 1, 1));
  const std::string head =
      fmt::format("{} e{}/{} {}/{}", p.name, p.epoch, p.epochs, p.step, p.steps);
  const std::string time = fmt::format(" - {}", duration(epoch_seconds));
  const std::string per_step =
      p.steps > 0 ? fmt::format(" {}/step", duration(epoch_seconds / static_cast<double>(p.steps)))
                  : "";
  const std::string numbers =
      fmt::format(" - loss {:.4f} - acc {:.2f}%", p.loss, 100.0 * p.accuracy);
  return first_that_fits({head + time + per_step + numbers, head + time + numbers, head + numbers},
                         limit);
}

std::string clock_time(double seconds) {
  const auto s = static_cast<long long>(std::max(seconds, 0.0) + 0.5);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

std::string sweep_line(std::size_t done, std::size_t total, double elapsed_seconds,
                       std::string_view job, int width) {
  const std::size_t limit = static_cast<std::size_t>(std::max(width - 1, 1));
  const std::string head = fmt::format("[{}/{}] ", done, total);
  std::string tail = " | " + clock_time(elapsed_seconds);
  if (done > 0 && done < total) {
    const double left =
        elapsed_seconds / static_cast<double>(done) * static_cast<double>(total - done);
    tail += ", ETA " + clock_time(left);
  }
  // The job's words take what the counts and times leave, a dozen columns at least.
  constexpr std::size_t kMinJob = 12;
  if (text_columns(head) + kMinJob + text_columns(tail) > limit) {
    tail = " | " + clock_time(elapsed_seconds);
  }
  const std::size_t fixed = text_columns(head) + text_columns(tail);
  if (fixed >= limit) return std::string(first_columns(head + std::string(job), limit));
  const std::size_t room = limit - fixed;
  std::string words(first_columns(job, room));
  if (text_columns(job) > room && room > 0) {
    words = std::string(first_columns(job, room - 1)) + "…";  // cut: say so
  }
  return head + words + tail;
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
  const bool epoch_done = p.step == p.steps;
  const int width = interactive_ ? terminal_width(out_) : 80;
  std::string stays;  // the finished epoch's line, which stays on the screen
  if (epoch_done) {
    double& ended = epoch_ended_[p.name];
    if (p.epoch == 1) ended = 0;
    stays = epoch_line(p, p.elapsed_seconds - ended, width);
    ended = p.elapsed_seconds;
  }
  if (!interactive_) {
    if (epoch_done) {
      std::fprintf(out_, "%s\n", stays.c_str());
      std::fflush(out_);
    }
    return;
  }
  if (epoch_done && p.epoch == p.epochs) {
    latest_.erase(p.name);  // its last epoch's line stays; nothing of it is live any more
  } else {
    latest_[p.name] = p;
  }
  // Redraw at most ten times a second (and at the end of each epoch): a fast run would
  // otherwise spend its time writing to the terminal.
  const auto now = std::chrono::steady_clock::now();
  if (!epoch_done && drawn_lines_ > 0 && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  // Back to the first line of the live block; the finished epoch's line there, then each model
  // in training on a line of its own below it. The block never shrinks by more than the line
  // that stays, so every old line is drawn over.
  std::string text = drawn_lines_ > 1 ? fmt::format("\033[{}A", drawn_lines_ - 1) : "";
  std::vector<std::string> lines;
  if (!stays.empty()) lines.push_back(stays);
  for (const auto& [name, q] : latest_) lines.push_back(progress_line(q, width));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) text += '\n';
    text += "\r\033[K";
    text += lines[i];
  }
  if (latest_.empty()) text += '\n';  // nothing live: the cursor below what stays
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
