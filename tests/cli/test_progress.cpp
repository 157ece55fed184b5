// The progress line (src/cli/progress): a pure function of a model's progress and the
// terminal's width, checked at 40, 80 and 200 columns; and the display's output on a pipe.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "cli/progress.hpp"

namespace savant {
namespace {

const std::string kName = "shuffled_model";

TrainProgress halfway() {
  return {&kName, 2, 10, 50, 100, 0.41234, 0.8512, 30.0};
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
  const std::string other = "original_model";
  TrainProgress a = halfway(), b = halfway();
  b.name = &other;
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
