#pragma once
// Text at a terminal: how wide the terminal is, how many columns a text takes, and text broken
// into lines that fit. Every command prints its summaries, warnings and errors through
// print_text, so that at a terminal no line is wider than the terminal (a line the terminal
// wraps by itself breaks in mid-word); the progress display fits its lines itself
// (progress_line), since a line redrawn in place must never wrap: the redraw would leave the
// wrapped part behind on the screen.

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace savant {

// The width of the terminal `out` is (ioctl TIOCGWINSZ), or 80 when it cannot tell.
int terminal_width(std::FILE* out);

// The columns `text` takes at a terminal: one per UTF-8 code point. savant prints no control
// characters within a line, and no wide or combining characters.
std::size_t text_columns(std::string_view text);

// The first `columns` code points of `text` (all of it when shorter).
std::string_view first_columns(std::string_view text, std::size_t columns);

// `text` with each line that is not shorter than `width` columns broken into lines that are, at
// the last space that fits; the continuation is indented two columns more than the line. A word
// longer than a line (a long path) is not broken: it gets a line of its own, which the terminal
// wraps (and still copies whole). Lines that fit are unchanged.
std::string wrap_to_width(std::string_view text, int width);

// Help text as wrap_to_width fits it, but a line of two columns (a name, two or more spaces, its
// description: "  --seed UINT   seed of every random choice") continues under its description,
// and an indented line of one column (a description under a long name) at its own indent.
std::string fit_help(std::string_view text, int width);

// Writes `text` to `out`, wrapped to the terminal's width (wrap_to_width) when `out` is a
// terminal; to a file or a pipe as it is, one line per line written.
void print_text(std::FILE* out, std::string_view text);

}  // namespace savant
