// The progress line (src/cli/progress): a pure function of a model's progress and the
// terminal's width, checked at 40, 80 and 200 columns; the display's output on a pipe and on a
// terminal; and text broken to a terminal's width (src/cli/terminal). What a real terminal
// shows is tests/cli/test_terminal.cpp's.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/progress.hpp"
#include "cli/terminal.hpp"

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
  EXPECT_EQ(line.rfind("shuffled_model e2/10 [", 0), 0u) << line;
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

TEST(ProgressDisplay, OnAPipeOneLinePerFinishedEpoch) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    ProgressDisplay display(out, false);
    TrainProgress p = halfway();
    display.update(p);  // mid-epoch: nothing
    p.step = p.steps;
    display.update(p);
  }
  std::rewind(out);
  char buffer[256] = {};
  const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, out);
  std::fclose(out);
  const std::string text(buffer, n);
  EXPECT_EQ(text, "shuffled_model: epoch 2/10 loss 0.4123 accuracy 0.8512 (30.0 s)\n");
}

TEST(ProgressDisplay, OnATerminalOneLinePerModelRedrawnInPlace) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  TrainProgress a = halfway(), b = halfway();
  b.name = "original_model";
  a.step = a.steps;
  b.step = b.steps;
  {
    ProgressDisplay display(out, true);
    display.update(a);
    display.update(b);
    display.update(a);
  }
  std::rewind(out);
  char buffer[4096] = {};
  const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, out);
  std::fclose(out);
  const std::string text(buffer, n);
  // The third drawing goes back up one line and draws both lines again; no line is wider than
  // the fallback width of a file (80).
  EXPECT_NE(
      text.find("\033[1A\r\033[K" + progress_line(b, 80) + "\n\r\033[K" + progress_line(a, 80)),
      std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace savant

namespace savant {
namespace {

std::string read_back(std::FILE* out) {
  std::rewind(out);
  std::string text;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, out)) > 0) text.append(buffer, n);
  std::fclose(out);
  return text;
}

// A model's line stays after its training ends, with its own name: the display keeps copies.
// The name is long enough to live on the heap, where a kept pointer into it would dangle.
TEST(ProgressDisplay, KeepsAFinishedModelsLineAfterItsReportIsGone) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  TrainProgress last = halfway();
  {
    ProgressDisplay display(out, true);
    {
      TrainProgress first = halfway();
      first.name = std::string("original_model_with_a_long_name");
      first.step = first.steps;
      display.update(first);
      last.name = "shuffled_model_with_a_long_name";
    }
    last.step = last.steps;
    display.update(last);
  }
  TrainProgress first = halfway();
  first.name = "original_model_with_a_long_name";
  first.step = first.steps;
  const std::string text = read_back(out);
  EXPECT_NE(text.rfind("\r\033[K" + progress_line(first, 80) + "\n\r\033[K" +
                       progress_line(last, 80) + "\n"),
            std::string::npos)
      << text;
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

}  // namespace
}  // namespace savant
