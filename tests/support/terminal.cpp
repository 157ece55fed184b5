#include "support/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "support/test_support.hpp"

namespace savant::testing {

TerminalRun run_in_terminal(const std::vector<std::string>& args, int columns,
                            const std::filesystem::path& directory, std::chrono::seconds limit) {
  std::vector<std::string> all = {savant_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string where = directory.string();

  winsize size{};
  size.ws_col = static_cast<unsigned short>(columns);
  size.ws_row = 24;
  int master = -1;
  // The child gets a new session whose controlling terminal is the pseudo-terminal's other end,
  // as its stdin, stdout and stderr; the kernel's default settings, as a terminal emulator's.
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) throw std::runtime_error(fmt::format("forkpty: {}", std::strerror(errno)));
  if (pid == 0) {
    if (::chdir(where.c_str()) != 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }

  TerminalRun run;
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + limit;
  char buffer[4096];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      if (run.timed_out) break;  // killed, and still no end of output: give up reading
      ::kill(pid, SIGKILL);
      run.timed_out = true;
      deadline = Clock::now() + std::chrono::seconds(10);
      continue;
    }
    pollfd ready{master, POLLIN, 0};
    const int polled = ::poll(&ready, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (polled < 0 && errno != EINTR) break;
    if (polled <= 0) continue;
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) {
      run.output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;  // EIO: every process holding the terminal has closed it
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

namespace {

std::string utf8(std::u32string_view text) {
  std::string out;
  for (char32_t c : text) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// The cursor over rows of code points, growing downwards as text reaches them.
class ScreenModel {
 public:
  void put(char32_t c) {
    std::u32string& r = rows_[row_];
    if (r.size() < col_) r.resize(col_, U' ');
    if (col_ < r.size()) {
      r[col_] = c;
    } else {
      r.push_back(c);
    }
    ++col_;
  }
  void to_column(std::size_t col) {
    note_row();
    col_ = col;
  }
  void right(std::size_t n) { col_ += n; }
  void left(std::size_t n) { col_ -= std::min(n, col_); }
  void tab() { col_ = (col_ / 8 + 1) * 8; }
  void down(std::size_t n) {
    note_row();
    row_ += n;
    if (rows_.size() <= row_) rows_.resize(row_ + 1);
  }
  void up(std::size_t n) {
    note_row();
    row_ -= std::min(n, row_);
  }
  // mode 0: from the cursor to the end of the row; 1: from its start to the cursor; 2: all.
  void erase_in_row(int mode) {
    note_row();
    std::u32string& r = rows_[row_];
    if (mode == 0 && col_ < r.size()) r.resize(col_);
    if (mode == 1) std::fill(r.begin(), r.begin() + std::min(col_ + 1, r.size()), U' ');
    if (mode == 2) r.clear();
  }
  void unknown(std::string what) { screen_.unknown.push_back(std::move(what)); }
  Screen finish() {
    note_row();
    for (const std::u32string& r : rows_) screen_.rows.push_back(utf8(r));
    return std::move(screen_);
  }

 private:
  // A row as it stands when the cursor leaves it or it is about to be erased: one drawn line.
  void note_row() {
    if (!rows_[row_].empty()) screen_.drawn.push_back(utf8(rows_[row_]));
  }

  std::vector<std::u32string> rows_ = std::vector<std::u32string>(1);
  std::size_t row_ = 0, col_ = 0;
  Screen screen_;
};

// One CSI sequence, `params` the text between ESC[ and the final byte.
void control_sequence(ScreenModel& screen, std::string_view params, char final) {
  const bool plain =
      std::all_of(params.begin(), params.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::size_t n = plain && !params.empty() ? std::stoul(std::string(params)) : 0;
  const std::size_t count = std::max<std::size_t>(n, 1);
  if (plain && final == 'A') return screen.up(count);
  if (plain && final == 'B') return screen.down(count);
  if (plain && final == 'C') return screen.right(count);
  if (plain && final == 'D') return screen.left(count);
  if (plain && final == 'G') return screen.to_column(count - 1);
  if (plain && final == 'K' && n <= 2) return screen.erase_in_row(static_cast<int>(n));
  screen.unknown(fmt::format("ESC[{}{}", params, final));
}

}  // namespace

Screen replay(std::string_view bytes) {
  ScreenModel screen;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte == 0x1B) {
      if (i + 1 < bytes.size() && bytes[i + 1] == '[') {
        std::size_t end = i + 2;
        while (end < bytes.size() && (bytes[end] < 0x40 || bytes[end] > 0x7E)) ++end;
        if (end == bytes.size()) {
          screen.unknown("an unfinished escape sequence at the end");
          break;
        }
        control_sequence(screen, bytes.substr(i + 2, end - i - 2), bytes[end]);
        i = end + 1;
      } else {
        screen.unknown(fmt::format("ESC followed by byte {}",
                                   i + 1 < bytes.size() ? static_cast<int>(bytes[i + 1]) : -1));
        i += 2;
      }
      continue;
    }
    if (byte < 0x20 || byte == 0x7F) {
      if (byte == '\r') {
        screen.to_column(0);
      } else if (byte == '\n') {
        screen.down(1);
      } else if (byte == '\b') {
        screen.left(1);
      } else if (byte == '\t') {
        screen.tab();
      } else {
        screen.unknown(fmt::format("control byte {}", static_cast<int>(byte)));
      }
      ++i;
      continue;
    }
    // One UTF-8 code point: its lead byte says how many bytes follow.
    const std::size_t length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
    if (byte >= 0x80 && byte < 0xC0) {
      screen.unknown(fmt::format("a stray UTF-8 continuation byte at {}", i));
      ++i;
      continue;
    }
    char32_t c = length == 1 ? byte : byte & (0x3F >> (length - 1));
    for (std::size_t k = 1; k < length && i + k < bytes.size(); ++k) {
      c = (c << 6) | (static_cast<unsigned char>(bytes[i + k]) & 0x3F);
    }
    screen.put(c);
    i += length;
  }
  return screen.finish();
}

std::size_t columns(std::string_view row) {
  return static_cast<std::size_t>(std::count_if(row.begin(), row.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace savant::testing
