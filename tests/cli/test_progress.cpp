// The progress line (src/cli/progress): a pure function of a model's progress and the
// terminal's width, checked at 40, 80 and 200 columns; the display's output on a pipe and on a
// terminal; and text broken to a terminal's width (src/cli/terminal). What a real terminal
// shows is tests/cli/test_terminal.cpp's.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "cli/progress.hpp"
#include "cli/terminal.hpp"
#include "support/terminal.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

TrainProgress halfway() {
  return {"shuffled_model", 2, 10, 50, 100, 0.41234, 0.8512, 30.0};
}

TEST(ProgressLine, FitsEveryWidth) {
  for (int width : {20, 40, 60, 80, 120, 200}) {
    const std::string line = progress_line(halfway(), width);
    EXPECT_LT(line.size(), static_cast<std::size_t>(width)) << width << ": " << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  }
}

TEST(ProgressLine, At80ColumnsShowsEverything) {
  const std::string line = progress_line(halfway(), 80);
  EXPECT_EQ(line.rfind("shuffled_model e2/10 50/100 [", 0), 0u) << line;
  EXPECT_NE(line.find("] loss 0.412 acc 85.1% ETA"), std::string::npos) << line;
  // 15 % done after 30 s: 170 s to go.
  EXPECT_NE(line.find("ETA 170s"), std::string::npos) << line;
  EXPECT_EQ(line.size(), 79u) << line;  // the bar takes the room left
}

TEST(ProgressLine, At200ColumnsTheBarStopsGrowing) {
  const std::string line = progress_line(halfway(), 200);
  const std::size_t open = line.find('['), close = line.find(']');
  ASSERT_NE(open, std::string::npos);
  EXPECT_EQ(close - open - 1, 40u) << line;
  // 15 % of 40 cells filled: 6.
  EXPECT_EQ(line.substr(open + 1, 7), "######.") << line;
}

TEST(ProgressLine, At40ColumnsTheBarGoesFirst) {
  const std::string line = progress_line(halfway(), 40);
  EXPECT_EQ(line.find('['), std::string::npos) << line;
  EXPECT_NE(line.find("shuffled_model e2/10"), std::string::npos) << line;
  EXPECT_NE(line.find("acc 85.1%"), std::string::npos) << line;
}

TEST(EpochLine, SaysStepsTimeTimePerStepLossAndAccuracy) {
  TrainProgress p = halfway();
  p.step = p.steps;
  EXPECT_EQ(epoch_line(p, 30.0, 80),
            "shuffled_model e2/10 100/100 - 30.0s 300ms/step - loss 0.4123 - acc 85.12%");
  EXPECT_EQ(epoch_line(p, 0.0055, 80),
            "shuffled_model e2/10 100/100 - 5.5ms 55us/step - loss 0.4123 - acc 85.12%");
  // Too narrow: the time per step goes, then the time, then the end is cut.
  EXPECT_EQ(epoch_line(p, 30.0, 65),
            "shuffled_model e2/10 100/100 - 30.0s - loss 0.4123 - acc 85.12%");
  EXPECT_EQ(epoch_line(p, 30.0, 40), "shuffled_model e2/10 100/100 - loss 0.4");
  for (int width = 2; width <= 200; ++width) {
    EXPECT_LT(text_columns(epoch_line(p, 30.0, width)), static_cast<std::size_t>(width));
  }
}

// What has been written to `out` so far, read through a file description of its own.
std::string written_so_far(std::FILE* out) {
  std::fflush(out);
  return testing::file_text("/proc/self/fd/" + std::to_string(::fileno(out)));
}

std::string read_back(std::FILE* out) {
  std::rewind(out);
  std::string text;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, out)) > 0) text.append(buffer, n);
  std::fclose(out);
  return text;
}

TEST(ProgressDisplay, OnAPipeOneLinePerFinishedEpoch) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  TrainProgress p = halfway();
  {
    ProgressDisplay display(out, false);
    display.update(p);  // mid-epoch: nothing
    p.step = p.steps;
    display.update(p);
  }
  EXPECT_EQ(read_back(out), epoch_line(p, 30.0, 80) + "\n");
}

// Two models training side by side, as reproduce trains them: each finished epoch leaves a line
// that stays, in the order the epochs ended; the models still training are drawn below them and
// vanish when their last epoch ends. The names are long enough to live on the heap, where a kept
// pointer into a report gone out of scope would dangle.
TEST(ProgressDisplay, OnATerminalFinishedEpochsStayAboveTheModelsInTraining) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  auto report = [](const char* name, std::size_t epoch, std::size_t step, double elapsed) {
    return TrainProgress{std::string(name), epoch, 2, step, 100, 0.5, 0.8, elapsed};
  };
  const char* a = "original_model_with_a_long_name";
  const char* b = "shuffled_model_with_a_long_name";
  {
    ProgressDisplay display(out, true);
    display.update(report(a, 1, 50, 1.0));
    display.update(report(b, 1, 40, 1.0));
    display.update(report(a, 1, 100, 2.0));
    display.update(report(b, 1, 100, 2.5));
    display.update(report(a, 2, 100, 4.0));
    const std::string mid = written_so_far(out);
    const testing::Screen screen = testing::replay(mid);
    ASSERT_EQ(screen.rows.size(), 4u) << mid;
    EXPECT_EQ(screen.rows[0], epoch_line(report(a, 1, 100, 2.0), 2.0, 80));
    EXPECT_EQ(screen.rows[1], epoch_line(report(b, 1, 100, 2.5), 2.5, 80));
    EXPECT_EQ(screen.rows[2], epoch_line(report(a, 2, 100, 4.0), 2.0, 80));
    EXPECT_EQ(screen.rows[3], progress_line(report(b, 1, 100, 2.5), 80));  // still training
    display.update(report(b, 2, 100, 5.0));
  }
  const testing::Screen screen = testing::replay(read_back(out));
  ASSERT_EQ(screen.rows.size(), 5u);
  EXPECT_EQ(screen.rows[3], epoch_line(report(b, 2, 100, 5.0), 2.5, 80));
  EXPECT_EQ(screen.rows[4], "");  // the cursor below the last line, nothing live
  EXPECT_TRUE(screen.unknown.empty());
}

TEST(ProgressLine, CountsColumnsNotBytes) {
  TrainProgress p = halfway();
  p.name = "modèle_mélangé";  // 14 columns, 17 bytes
  for (int width : {20, 40, 80, 200}) {
    const std::string line = progress_line(p, width);
    EXPECT_LT(text_columns(line), static_cast<std::size_t>(width)) << line;
  }
  // At 80 columns the bar takes the room left: 79 columns, three more bytes.
  EXPECT_EQ(text_columns(progress_line(p, 80)), 79u);
  EXPECT_EQ(progress_line(p, 80).size(), 82u);
}

TEST(SweepLine, ShowsJobsDoneTheJobTimeAndEtaWithinTheWidth) {
  const std::string job = "g=4 derange shuffled h=8 l=1 e=1 seed=0: 81.2%/40.1%";
  // 3 of 8 jobs in 12 s: 4 s a job, 20 s for the 5 left.
  EXPECT_EQ(sweep_line(3, 8, 12.0, job, 80), "[3/8] " + job + " | 12s, ETA 20s");
  EXPECT_EQ(sweep_line(8, 8, 125.0, job, 80), "[8/8] " + job + " | 2m05s");
  for (int width : {10, 20, 40, 60, 80, 200}) {
    const std::string line = sweep_line(3, 8, 12.0, job, width);
    EXPECT_LT(text_columns(line), static_cast<std::size_t>(width)) << width << ": " << line;
    EXPECT_EQ(line.rfind("[3/8] ", 0), 0u) << line;
  }
  // Too narrow for the whole job: its words are cut, and say so; the times stay.
  const std::string cut = sweep_line(3, 8, 12.0, job, 50);
  EXPECT_NE(cut.find("…"), std::string::npos) << cut;
  EXPECT_NE(cut.find(" | 12s, ETA 20s"), std::string::npos) << cut;
  EXPECT_EQ(clock_time(7322), "2h02m");
}

TEST(TerminalText, ColumnsAreCodePoints) {
  EXPECT_EQ(text_columns(""), 0u);
  EXPECT_EQ(text_columns("contrast"), 8u);
  EXPECT_EQ(text_columns("0.02 ± 0.01"), 11u);  // ± is two bytes, one column
  EXPECT_EQ(first_columns("a±b", 2), "a±");
  EXPECT_EQ(first_columns("ab", 5), "ab");
}

TEST(TerminalText, LinesThatFitAreUnchanged) {
  const std::string text = "Accuracy\n\n  original test   87.1%\nno newline at the end";
  EXPECT_EQ(wrap_to_width(text, 80), text);
  EXPECT_EQ(wrap_to_width(text + "\n", 80), text + "\n");
}

TEST(TerminalText, ALongLineBreaksAtSpacesWithItsContinuationIndented) {
  const std::string line =
      "[3/8] g=4 derange original h=8 l=1 e=1 seed=0: original test  12.5%, shuffled test  "
      "10.5%, contrast 0.047 (0.0 s; 0 s in all)\n";
  EXPECT_EQ(wrap_to_width(line, 40),
            "[3/8] g=4 derange original h=8 l=1 e=1\n"
            "  seed=0: original test  12.5%,\n"
            "  shuffled test  10.5%, contrast 0.047\n"
            "  (0.0 s; 0 s in all)\n");
  EXPECT_EQ(wrap_to_width("  epoch   1: loss 2.3511, training accuracy 10.50%", 30),
            "  epoch   1: loss 2.3511,\n"
            "    training accuracy 10.50%");
}

TEST(TerminalText, AWordLongerThanALineIsLeftWholeOnALineOfItsOwn) {
  EXPECT_EQ(wrap_to_width("Report: /a/very/long/path/to/the/run/report.html (open it)", 20),
            "Report:\n  /a/very/long/path/to/the/run/report.html\n  (open it)");
}

// Every width, a table with two-byte characters: every line fits or is one word, and no word
// is lost or cut.
TEST(TerminalText, EveryLineFitsAtEveryWidth) {
  const std::string text =
      "configuration                                        test          seeds  accuracy: mean "
      "± std [95% CI]\n"
      "g=2 derange original h=8 l=1 e=1                     original_test     2  12.25% ± 0.35 "
      "[9.07, 15.43]    \n"
      "  specialisation             2  0.2686 ± 0.0039 [0.2332, 0.3039]\n"
      "                                   \n";
  auto words = [](const std::string& t) {
    std::vector<std::string> all;
    std::string word;
    for (char c : t + " ") {
      if (c == ' ' || c == '\n') {
        if (!word.empty()) all.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
    return all;
  };
  for (int width = 1; width <= 200; ++width) {
    const std::string wrapped = wrap_to_width(text, width);
    EXPECT_EQ(words(wrapped), words(text)) << width;
    std::size_t start = 0;
    while (start < wrapped.size()) {
      const std::size_t end = std::min(wrapped.find('\n', start), wrapped.size());
      const std::string line = wrapped.substr(start, end - start);
      const bool one_word = words(line).size() <= 1;
      EXPECT_TRUE(text_columns(line) < static_cast<std::size_t>(width) || one_word)
          << width << ": '" << line << "'";
      start = end + 1;
    }
  }
}

TEST(TerminalText, HelpContinuesUnderItsDescription) {
  const std::string help =
      "  --seed UINT     seed of every random choice: initial weights, training order, shuffling";
  EXPECT_EQ(fit_help(help, 60),
            "  --seed UINT     seed of every random choice: initial\n"
            "                  weights, training order, shuffling");
  // A line of one column continues two columns in, as wrap_to_width does.
  EXPECT_EQ(fit_help("savant 0.1.0: how a dense network learns", 20),
            wrap_to_width("savant 0.1.0: how a dense network learns", 20));
  for (int width = 1; width <= 200; ++width) {
    std::istringstream lines(fit_help(help + "\n" + help, width));
    for (std::string line; std::getline(lines, line);) {
      const bool one_word = line.find(' ', line.find_first_not_of(' ')) == std::string::npos;
      EXPECT_TRUE(text_columns(line) < static_cast<std::size_t>(std::max(width, 2)) || one_word)
          << width << ": '" << line << "'";
    }
  }
}

}  // namespace
}  // namespace savant
