#include "cli/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

namespace savant {
namespace {

// A byte that continues a UTF-8 code point (10xxxxxx) starts no column.
bool continues_code_point(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// One line (no '\n') broken into lines of at most `limit` columns, appended to `out`; the
// continuation lines start at column `hang`, or two past the line's own indent when it is npos.
void wrap_line(std::string_view line, std::size_t limit, std::string& out,
               std::size_t hang = std::string_view::npos) {
  if (text_columns(line) <= limit) {
    out += line;
    return;
  }
  line = line.substr(0, line.find_last_not_of(' ') + 1);  // so that a break never ends it
  const std::size_t lead = std::min(line.find_first_not_of(' '), line.size());
  std::string_view rest = line.substr(lead);
  // The indents leave at least half of each line to the text.
  std::size_t pad = std::min(lead, limit / 2);
  const std::size_t continuation =
      std::min(hang == std::string_view::npos ? lead + 2 : hang, limit / 2);
  while (true) {
    out.append(pad, ' ');
    const std::size_t room = limit - pad;
    if (text_columns(rest) <= room) {
      out += rest;
      return;
    }
    // `rest` starts with a word and is longer than `room`: break after the last word that
    // fits. A word longer than a line (a long path) gets a line of its own, whole, for the
    // terminal to wrap: broken here, it could no longer be copied and pasted.
    const std::string_view head = first_columns(rest, room);
    std::size_t cut = head.size();
    if (rest[cut] != ' ') {
      cut = head.rfind(' ');
      if (cut == std::string_view::npos) cut = std::min(rest.find(' '), rest.size());
    }
    const std::string_view piece = rest.substr(0, cut);
    out += piece.substr(0, piece.find_last_not_of(' ') + 1);
    out += '\n';
    rest = rest.substr(std::min(rest.find_first_not_of(' ', cut), rest.size()));
    pad = continuation;
  }
}

}  // namespace

int terminal_width(std::FILE* out) {
  winsize size{};
  if (::ioctl(::fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

std::size_t text_columns(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !continues_code_point(c); }));
}

std::string_view first_columns(std::string_view text, std::size_t columns) {
  std::size_t end = 0, seen = 0;
  while (end < text.size()) {
    if (!continues_code_point(text[end]) && seen++ == columns) break;
    ++end;
  }
  return text.substr(0, end);
}

namespace {

// Where a line of two columns ("  --seed UINT   seed of every random choice") starts its second:
// after the first run of two or more spaces that follows text; npos for a line of one column.
std::size_t second_column(std::string_view line) {
  const std::size_t text = line.find_first_not_of(' ');
  if (text == std::string_view::npos) return text;
  const std::size_t gap = line.find("  ", text);
  if (gap == std::string_view::npos) return gap;
  return line.find_first_not_of(' ', gap);
}

// Each line of `text` broken by wrap_line to fit `width`, its continuations starting at the
// column `hang(line)` says (npos: two past the line's own indent). Shorter than the width: a line
// that ends in the last column leaves some terminals waiting to wrap, and the next character
// would land on a line of its own.
template <typename Hang>
std::string wrap_lines(std::string_view text, int width, Hang hang) {
  const std::size_t limit = static_cast<std::size_t>(std::max(width - 1, 1));
  std::string out;
  while (true) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    wrap_line(line, limit, out, hang(line));
    if (end == std::string_view::npos) return out;
    out += '\n';
    text.remove_prefix(end + 1);
  }
}

}  // namespace

std::string fit_help(std::string_view text, int width) {
  return wrap_lines(text, width, [](std::string_view line) {
    // A description on a line of its own (under a long option name) continues at its indent.
    const std::size_t lead = std::min(line.find_first_not_of(' '), line.size());
    const std::size_t column = second_column(line);
    return column != std::string_view::npos ? column : lead > 0 ? lead : 2;
  });
}

std::string wrap_to_width(std::string_view text, int width) {
  return wrap_lines(text, width, [](std::string_view) { return std::string_view::npos; });
}

void print_text(std::FILE* out, std::string_view text) {
  if (::isatty(::fileno(out)) != 0) {
    const std::string fitted = wrap_to_width(text, terminal_width(out));
    std::fwrite(fitted.data(), 1, fitted.size(), out);
  } else {
    std::fwrite(text.data(), 1, text.size(), out);
  }
}

}  // namespace savant
