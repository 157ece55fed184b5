// savant at a real terminal (docs/RELIABILITY.md, "At a terminal"): every command that shows
// progress or prints a summary runs under a pseudo-terminal 40, 80 and 200 columns wide, with one
// and with two threads where it takes --threads, on a tiny data set. Each run must exit 0, write
// its whole output, use only escape sequences the screen model knows, and draw no line as wide as
// the terminal (a word longer than a whole line, a long path, is left for the terminal to wrap);
// and each model's progress line must keep its own name and numbers to the end.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "savant/experiment/outputs.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/formats/safetensors.hpp"
#include "savant/sweep/database.hpp"
#include "support/terminal.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {
namespace fs = std::filesystem;

constexpr int kWidths[] = {40, 80, 200};
constexpr int kThreads[] = {1, 2};
// Small and fast: one epoch of an 8-unit layer on 600 images of 16x16.
const std::vector<std::string> kTiny = {"--data", "data", "--hidden", "8", "--epochs", "1"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// No text after the line's indent but one word.
bool one_word(const std::string& line) {
  const std::size_t start = line.find_first_not_of(' ');
  return start == std::string::npos || line.find(' ', start) == std::string::npos;
}

std::string joined(const std::vector<std::string>& rows) {
  std::string text;
  for (const std::string& row : rows) text += row + "\n";
  return text;
}

// The names in `dir`; none when it does not exist.
std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) {
    names.insert(it->path().filename().string());
  }
  return names;
}

// Every line drawn on `screen` is narrower than the terminal, or one word (a path) alone.
void expect_fit(const Screen& screen, int width, const std::string& command) {
  ASSERT_FALSE(screen.drawn.empty()) << command;
  std::set<std::string> wide;
  for (const std::string& line : screen.drawn) {
    if (columns(line) >= static_cast<std::size_t>(width) && !one_word(line)) wide.insert(line);
  }
  EXPECT_TRUE(wide.empty()) << command << ": lines as wide as the terminal or wider:\n"
                            << fmt::format("{}", fmt::join(wide, "\n"));
}

class Terminal : public ::testing::Test {
 protected:
  // Every command runs in dir_, with paths relative to it as a user would type them.
  void SetUp() override {
    write_dataset(dir_ / "data", random_split(600, 16, 16, 10, 1), random_split(200, 16, 16, 10, 2),
                  false);
  }

  // Runs savant at a terminal `width` columns wide; checks the exit status, the escape
  // sequences and every drawn line's width. Returns what the screen shows at the end.
  std::string at_terminal(const std::vector<std::string>& args, int width) {
    const std::string command = fmt::format("savant {} at {} columns", fmt::join(args, " "), width);
    const TerminalRun run = run_in_terminal(args, width, dir_.path());
    EXPECT_FALSE(run.timed_out) << command;
    EXPECT_EQ(run.exit_code, 0) << command << "\n" << run.output;
    const Screen screen = replay(run.output);
    EXPECT_TRUE(screen.unknown.empty())
        << command << ": " << fmt::format("{}", fmt::join(screen.unknown, ", "));
    expect_fit(screen, width, command);
    return joined(screen.rows);
  }

  // A run directory and a model, written through a pipe (not what is tested here).
  void make_run() {
    savant_ok(fmt::format("reproduce --data {} --out {} --hidden 8 --epochs 1 --quiet",
                          (dir_ / "data").string(), (dir_ / "run").string()));
  }
  void make_sweep() {
    savant_ok(
        fmt::format("sweep --data {} --db {} --grid 2,4 --hidden 8 --epochs 1 --seeds 1 --quiet",
                    (dir_ / "data").string(), (dir_ / "sweep.sqlite").string()));
  }

  TempDir dir_;
};

TEST_F(Terminal, ReproduceFitsEveryWidth) {
  const std::vector<std::string> run_names = run_output_names(kDefaultFigureFormats);
  for (int width : kWidths) {
    for (int threads : kThreads) {
      const std::string out = fmt::format("run{}_{}", width, threads);
      const std::string screen = at_terminal(
          with({"reproduce", "--out", out, "--threads", std::to_string(threads)}, kTiny), width);
      EXPECT_NE(screen.find("Report:"), std::string::npos) << screen;
      EXPECT_EQ(names_in(dir_ / out), std::set<std::string>(run_names.begin(), run_names.end()))
          << out;
      EXPECT_NO_THROW(read_json_file(dir_ / out / "results.json")) << out;
    }
  }
}

// At one thread the models train one after the other, at two side by side; either way each
// finished epoch of each model leaves one line that stays, with its model's name and that epoch's
// loss and accuracy as results.json records them, and no live line is left at the end.
TEST_F(Terminal, EachModelKeepsItsNameToTheEnd) {
  for (int threads : kThreads) {
    const std::string out = fmt::format("names{}", threads);
    const std::string screen =
        at_terminal({"reproduce", "--data", "data", "--out", out, "--hidden", "8", "--epochs", "2",
                     "--threads", std::to_string(threads)},
                    80);
    const nlohmann::json history = read_json_file(dir_ / out / "results.json")["history"];
    for (const char* name : {"original_model", "shuffled_model"}) {
      SCOPED_TRACE(fmt::format("{} at {} thread(s)", name, threads));
      std::vector<std::string> lines;
      for (std::size_t at = screen.find(std::string(name) + " e"); at != std::string::npos;
           at = screen.find(std::string(name) + " e", at + 1)) {
        lines.push_back(screen.substr(at, screen.find('\n', at) - at));
      }
      ASSERT_EQ(lines.size(), 2u) << screen;
      for (std::size_t epoch = 1; epoch <= 2; ++epoch) {
        const std::string& line = lines[epoch - 1];
        const nlohmann::json& record = history.at(name).at(epoch - 1);
        EXPECT_EQ(line.rfind(fmt::format("{} e{}/2 ", name, epoch), 0), 0u) << line;
        EXPECT_NE(line.find(fmt::format("loss {:.4f} - acc {:.2f}%", record["loss"].get<double>(),
                                        100.0 * record["train_accuracy"].get<double>())),
                  std::string::npos)
            << line;
        EXPECT_EQ(line.find('['), std::string::npos) << "a live line was left: " << line;
      }
    }
  }
}

// Every help screen, the top level's and each command's, fits the terminal.
TEST_F(Terminal, HelpFitsEveryWidth) {
  for (int width : kWidths) {
    EXPECT_NE(at_terminal({"help"}, width).find("reproduce"), std::string::npos);
    for (const char* command : {"reproduce", "report", "train", "eval", "analyze", "shuffle",
                                "compare", "sweep", "summarize", "merge"}) {
      const std::string screen = at_terminal({command, "--help"}, width);
      EXPECT_NE(screen.find("--"), std::string::npos) << command << " at " << width << ":\n"
                                                      << screen;
    }
  }
}

TEST_F(Terminal, TrainFitsEveryWidth) {
  for (int width : kWidths) {
    for (int threads : kThreads) {
      const std::string out = fmt::format("model{}_{}.safetensors", width, threads);
      const std::string screen = at_terminal(with({"train", "--train-on", "shuffled", "--out", out,
                                                   "--threads", std::to_string(threads)},
                                                  kTiny),
                                             width);
      EXPECT_NE(screen.find("shuffled_model e1/1"), std::string::npos) << screen;
      EXPECT_NE(screen.find("Trained shuffled_model"), std::string::npos) << screen;
      EXPECT_EQ(read_safetensors(dir_ / out).tensors.size(), 4u) << out;
    }
  }
}

TEST_F(Terminal, SweepFitsEveryWidth) {
  for (int width : kWidths) {
    for (int threads : kThreads) {
      const std::string db = fmt::format("sweep{}_{}.sqlite", width, threads);
      const std::string screen =
          at_terminal({"sweep", "--data", "data", "--db", db, "--grid", "2,4", "--hidden", "8",
                       "--epochs", "1", "--seeds", "1", "--threads", std::to_string(threads)},
                      width);
      EXPECT_NE(screen.find("[4/4]"), std::string::npos) << screen;
      // The jobs' progress is one line, redrawn: the last job's is the one left on the screen.
      std::size_t job_lines = 0;
      for (std::size_t at = screen.find("] g="); at != std::string::npos;
           at = screen.find("] g=", at + 1)) {
        ++job_lines;
      }
      EXPECT_EQ(job_lines, 1u) << screen;
      SweepDb read(dir_ / db, SweepDb::Mode::kReadOnly);
      const std::vector<StoredJob> jobs = read.read_all();
      EXPECT_EQ(jobs.size(), 4u) << db;
      for (const StoredJob& job : jobs) EXPECT_EQ(job.status, "done") << job.error;
    }
  }
}

TEST_F(Terminal, AnalyzeFitsEveryWidth) {
  make_run();
  for (int width : kWidths) {
    const std::string out = fmt::format("analysis{}", width);
    const std::string screen =
        at_terminal({"analyze", "--model", "run/original_model.safetensors", "--out", out}, width);
    EXPECT_NE(screen.find("Grid signature"), std::string::npos) << screen;
    EXPECT_EQ(names_in(dir_ / out),
              (std::set<std::string>{"analysis.json", "heatmap.png", "correlation.safetensors"}));
  }
}

TEST_F(Terminal, ShuffleFitsEveryWidth) {
  const std::vector<std::string> names = shuffle_file_names();
  for (int width : kWidths) {
    for (int threads : kThreads) {
      const std::string out = fmt::format("shuffled{}_{}", width, threads);
      const std::string screen =
          at_terminal({"shuffle", "--data", "data", "--out", out, "--grid", "4", "--shuffle",
                       "derange", "--seed", "1", "--threads", std::to_string(threads)},
                      width);
      EXPECT_NE(screen.find("Labels unchanged."), std::string::npos) << screen;
      EXPECT_EQ(names_in(dir_ / out), std::set<std::string>(names.begin(), names.end())) << out;
    }
  }
}

TEST_F(Terminal, EvalFitsEveryWidth) {
  make_run();
  for (int width : kWidths) {
    for (int threads : kThreads) {
      const std::string screen =
          at_terminal({"eval", "--model", "run/shuffled_model.safetensors", "--data", "data",
                       "--threads", std::to_string(threads)},
                      width);
      EXPECT_NE(screen.find("original test: accuracy"), std::string::npos) << screen;
      EXPECT_NE(screen.find("shuffled test (grid 4"), std::string::npos) << screen;
    }
  }
}

TEST_F(Terminal, CompareFitsEveryWidth) {
  make_run();
  for (int width : kWidths) {
    for (int threads : kThreads) {
      const std::string screen = at_terminal(
          {"compare", "run/original_model.safetensors", "run/shuffled_model.safetensors", "--data",
           "data", "--threads", std::to_string(threads)},
          width);
      EXPECT_NE(screen.find("linear CKA"), std::string::npos) << screen;
      EXPECT_NE(screen.find("accuracy of B"), std::string::npos) << screen;
    }
  }
}

TEST_F(Terminal, ReportFitsEveryWidth) {
  make_run();
  make_sweep();
  for (int width : kWidths) {
    const std::string page = fmt::format("run{}.html", width);
    const std::string sweep_page = fmt::format("sweep{}.html", width);
    EXPECT_NE(at_terminal({"report", "run", "--out", page}, width).find(page), std::string::npos);
    EXPECT_NE(at_terminal({"report", "--db", "sweep.sqlite", "--out", sweep_page}, width)
                  .find(sweep_page),
              std::string::npos);
    EXPECT_GT(fs::file_size(dir_ / page), 0u);
    EXPECT_GT(fs::file_size(dir_ / sweep_page), 0u);
  }
}

TEST_F(Terminal, SummarizeFitsEveryWidth) {
  make_sweep();
  for (int width : kWidths) {
    const std::string screen = at_terminal({"summarize", "--db", "sweep.sqlite"}, width);
    EXPECT_NE(screen.find("configuration"), std::string::npos) << screen;
    EXPECT_NE(screen.find("border_discontinuity"), std::string::npos) << screen;
    // From 80 columns on, the table is as savant writes it to a pipe: it needs no wrapping.
    if (width >= 80) {
      auto trimmed = [](std::string text) {
        while (!text.empty() && text.back() == '\n') text.pop_back();
        return text;
      };
      const std::string piped =
          savant_ok(fmt::format("summarize --db {}", (dir_ / "sweep.sqlite").string()));
      EXPECT_EQ(trimmed(screen), trimmed(piped)) << width;
    }
  }
}

TEST_F(Terminal, MergeFitsEveryWidth) {
  make_sweep();
  for (int width : kWidths) {
    const std::string out = fmt::format("merged{}.sqlite", width);
    EXPECT_NE(at_terminal({"merge", out, "sweep.sqlite"}, width).find("4 job(s) added"),
              std::string::npos);
    EXPECT_EQ(SweepDb(dir_ / out, SweepDb::Mode::kReadOnly).read_all().size(), 4u);
  }
}

// An error, too, is broken to fit the terminal.
TEST_F(Terminal, AnErrorFitsEveryWidth) {
  for (int width : kWidths) {
    const TerminalRun run = run_in_terminal(
        {"reproduce", "--data", "no-such-directory", "--out", "run"}, width, dir_.path());
    EXPECT_EQ(run.exit_code, 4) << run.output;  // the system: no such directory
    const Screen screen = replay(run.output);
    EXPECT_NE(joined(screen.rows).find("savant: error:"), std::string::npos) << run.output;
    expect_fit(screen, width, fmt::format("savant reproduce at {} columns", width));
  }
}

}  // namespace
}  // namespace savant::testing
