// The sweep commands and the database from outside: the job limit, two processes sharing one
// database, readers that leave no file beside it, summarize --csv, and report --db --png that
// writes nothing when the chart cannot be drawn.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <regex>

#include <fmt/format.h>

#include "savant/sweep/database.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

testing::CommandResult savant(const std::string& args) {
  return testing::run_command(testing::savant_binary() + " " + args);
}

std::filesystem::path make_data(const TempDir& dir) {
  const auto data = dir / "data";
  testing::write_dataset(data, testing::random_split(400, 28, 28, 10, 1),
                         testing::random_split(200, 28, 28, 10, 2), false);
  return data;
}

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SweepDbCli, TooManyJobsFailAtOnceNamingTheCount) {
  std::string widths = "1";
  for (int h = 2; h <= 50; ++h) widths += fmt::format(",{}", h);
  const auto start = std::chrono::steady_clock::now();
  const auto r = savant("sweep --seeds 100000 --hidden " + widths + " --dry-run");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("10,000,000 jobs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1,000,000"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("--hidden"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("--batch"), std::string::npos) << r.output;
  EXPECT_LT(seconds, 1.0);
}

TEST(SweepDbCli, TwoProcessesShareTheJobsAndReadersLeaveNoFileBeside) {
  TempDir dir;
  const auto data = make_data(dir);
  const auto out = dir / "out";
  std::filesystem::create_directory(out);
  const auto db = out / "r.sqlite";
  const std::string command =
      fmt::format("sweep --data {} --grid 2,4,7 --seeds 2 --epochs 2 --threads 1 --db {}",
                  data.string(), db.string());
  auto first = std::async(std::launch::async, [&] { return savant(command); });
  auto second = std::async(std::launch::async, [&] { return savant(command); });
  const auto a = first.get(), b = second.get();
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  // Each process prints "[i/N] ..." for every job it ran: twelve in all.
  const std::regex line(R"(\[\d+/\d+\] g=)");
  auto count = [&](const std::string& text) {
    return std::distance(std::sregex_iterator(text.begin(), text.end(), line),
                         std::sregex_iterator());
  };
  EXPECT_EQ(count(a.output) + count(b.output), 12) << a.output << b.output;
  EXPECT_EQ(SweepDb(db, SweepDb::Mode::kReadOnly).done_keys().size(), 12u);
  EXPECT_EQ(files_in(out), std::vector<std::string>{"r.sqlite"});

  // Readers open it read-only and leave nothing beside it.
  auto r = savant("summarize --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("seeds"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find('%'), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cka_original"), std::string::npos) << r.output;
  r = savant("summarize --csv --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1 + 2 * 6) << r.output;
  EXPECT_EQ(r.output.rfind("grid,shuffle,train_on,", 0), 0u) << r.output;
  r = savant(fmt::format("merge {} {}", (dir / "merged.sqlite").string(), db.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(files_in(out), std::vector<std::string>{"r.sqlite"});
  r = savant(fmt::format("report --db {} --out {}", db.string(), (dir / "r.html").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(files_in(out), std::vector<std::string>{"r.sqlite"});
}

TEST(SweepDbCli, ReportWritesNeitherPageNorChartWhenTheChartCannotBeDrawn) {
  TempDir dir;
  const auto data = make_data(dir);
  const auto db = dir / "fresh.sqlite";
  // Only `fresh` jobs: the chart of original and shuffled models has nothing to draw.
  auto r = savant(fmt::format("sweep --data {} --train-on fresh --epochs 1 --db {}", data.string(),
                              db.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = savant(fmt::format("report --db {} --out {} --png {}", db.string(),
                         (dir / "page.html").string(), (dir / "grid.png").string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "page.html"));
  EXPECT_FALSE(std::filesystem::exists(dir / "grid.png"));
  r = savant(fmt::format("report --db {} --out {}", db.string(), (dir / "page.html").string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;  // without the chart the page is drawn
  EXPECT_TRUE(std::filesystem::exists(dir / "page.html"));
}

}  // namespace
}  // namespace savant
