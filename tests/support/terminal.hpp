#pragma once
// savant at a real terminal: run it under a pseudo-terminal of a given size, keep every byte it
// writes, and replay them on a model of the screen to see what a user would have seen.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace savant::testing {

struct TerminalRun {
  int exit_code = -1;      // the exit status, or 128 + the signal that ended the process
  bool timed_out = false;  // killed (SIGKILL) because it ran past the time limit
  std::string output;      // every byte written to the terminal, stdout and stderr alike
};

// Runs savant with `args` in `directory`, its stdin, stdout and stderr a pseudo-terminal
// `columns` wide and 24 rows high, and reads what it writes until it exits. Past `limit` the
// process is killed and the run reported as timed out, so that a hang fails a test instead of
// hanging the suite.
TerminalRun run_in_terminal(const std::vector<std::string>& args, int columns,
                            const std::filesystem::path& directory,
                            std::chrono::seconds limit = std::chrono::seconds(120));

// What a terminal made of the bytes: rows of text (UTF-8, escape sequences applied). The model
// has no right margin: a row longer than the terminal stays one row here, where a terminal would
// have wrapped it, so that a test sees every line's whole width.
struct Screen {
  std::vector<std::string> rows;     // the final screen (and its scrollback), top to bottom
  std::vector<std::string> drawn;    // each row as it stood whenever the cursor left it
  std::vector<std::string> unknown;  // escape sequences and control bytes the model does not know
};

// Replays `bytes` (what run_in_terminal read): printable text overwrites the cells under the
// cursor; \r, \n (which moves down only: the terminal's ONLCR turns savant's \n into \r\n),
// \b and \t move it; and the CSI sequences savant writes: ESC[nA/B/C/D (up, down, right, left),
// ESC[nG (to column n), ESC[K / ESC[1K / ESC[2K (erase to the end / start / whole row).
Screen replay(std::string_view bytes);

// Columns a row takes: one per UTF-8 code point.
std::size_t columns(std::string_view row);

}  // namespace savant::testing
