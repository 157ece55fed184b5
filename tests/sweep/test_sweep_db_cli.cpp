// The sweep commands and the database from outside: the job limit, two processes sharing one
// database, readers that leave no file beside it, summarize --csv, and report --db --png that
// writes nothing when the chart cannot be drawn.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
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

// Columns a line takes: one per UTF-8 code point.
std::size_t columns(const std::string& line) {
  return static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// To a pipe nothing is wrapped: the sweep's job lines and summarize's table are narrower than
// 80 columns as written. --where and --by choose and group the jobs.
TEST(SweepDbCli, ProgressAndSummaryFitEightyColumnsAndSummarizeFiltersAndGroups) {
  TempDir dir;
  const auto data = make_data(dir);
  const auto db = dir / "w.sqlite";
  auto r = savant(fmt::format(
      "sweep --data {} --grid 2,4 --train-on original,shuffled --seeds 2 --epochs 1 --hidden 8 "
      "--train-limit 300 --threads 2 --db {}",
      data.string(), db.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::size_t job_lines = 0;
  for (const std::string& line : lines_of(r.output)) {
    if (line.rfind("[", 0) != 0 || line.find("] g=") == std::string::npos) continue;
    ++job_lines;
    EXPECT_LT(columns(line), 80u) << line;
    EXPECT_NE(line.find(" | "), std::string::npos) << line;  // the time so far
  }
  EXPECT_EQ(job_lines, 8u) << r.output;
  EXPECT_NE(r.output.find("ETA"), std::string::npos) << r.output;

  r = savant("summarize --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string& line : lines_of(r.output)) EXPECT_LT(columns(line), 80u) << line;
  EXPECT_NE(r.output.find("g=4 derange shuffled h=8 l=1 e=1 train_limit=300"), std::string::npos)
      << r.output;

  r = savant(fmt::format("summarize --db {} --where 'grid = 4' --by train_on --csv", db.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> rows = lines_of(r.output);
  ASSERT_EQ(rows.size(), 1u + 2 * 2) << r.output;
  EXPECT_EQ(rows[0].rfind("train_on,test,seeds,", 0), 0u) << r.output;
  EXPECT_EQ(rows[1].rfind("original,original_test,2,", 0), 0u) << r.output;
  EXPECT_EQ(rows[3].rfind("shuffled,original_test,2,", 0), 0u) << r.output;
  r = savant(fmt::format("summarize --db {} --by grid", db.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\ngrid=2\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("accuracy, original test     4"), std::string::npos) << r.output;
}

// keep_models = true keeps each job's model beside the database, named by its job key, as
// `savant train` writes one: `savant analyze` draws its heat map afterwards. A job whose model
// is missing runs again (to the same numbers); the others are left alone.
TEST(SweepDbCli, KeepModelsKeepsEachJobsModelBesideTheDatabase) {
  TempDir dir;
  const auto data = make_data(dir);
  const auto db = dir / "k.sqlite";
  const auto toml = dir / "k.toml";
  std::ofstream(toml) << "grid = [2, 4]\ntrain_on = [\"original\", \"shuffled\"]\nepochs = 1\n"
                         "hidden = 8\ntrain_limit = 300\nkeep_models = true\n";
  const std::string command = fmt::format("sweep --data {} --config {} --threads 2 --db {}",
                                          data.string(), toml.string(), db.string());
  auto r = savant(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto models = dir / "k.models";
  const std::vector<StoredJob> jobs = SweepDb(db, SweepDb::Mode::kReadOnly).read_all();
  ASSERT_EQ(jobs.size(), 4u);
  std::vector<std::string> expected;
  for (const StoredJob& job : jobs) expected.push_back(job_key(job.config) + ".safetensors");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(files_in(models), expected);

  const StoredJob* shuffled = nullptr;
  for (const StoredJob& job : jobs) {
    if (job.config.grid == 4 && job.config.train_on.kind == RegimeKind::kShuffled) shuffled = &job;
  }
  ASSERT_NE(shuffled, nullptr);
  const auto model = models / (job_key(shuffled->config) + ".safetensors");
  r = savant(
      fmt::format("analyze --model '{}' --out {}", model.string(), (dir / "analysis").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "analysis" / "heatmap.png")) << r.output;
  // The model's metadata says how it was trained: analyze singles out its grid.
  EXPECT_NE(r.output.find("grid 4"), std::string::npos) << r.output;

  std::filesystem::remove(model);
  r = savant(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 already done"), std::string::npos) << r.output;
  EXPECT_EQ(files_in(models), expected);
  const std::vector<StoredJob> again = SweepDb(db, SweepDb::Mode::kReadOnly).read_all();
  ASSERT_EQ(again.size(), 4u);
  for (const StoredJob& job : again) {
    const auto same = std::find_if(jobs.begin(), jobs.end(), [&](const StoredJob& j) {
      return job_key(j.config) == job_key(job.config);
    });
    ASSERT_NE(same, jobs.end());
    EXPECT_TRUE(same_results(job, *same)) << job_key(job.config);
  }
  r = savant(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 already done"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace savant
