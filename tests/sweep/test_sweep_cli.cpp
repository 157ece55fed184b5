// The sweep commands end to end: resuming after SIGKILL, shards and merge, and clear errors
// that change nothing.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "savant/sweep/database.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace savant {
namespace {

using testing::TempDir;

// A small synthetic data set of 28 x 28 images, so that grids 2, 4 and 7 all divide it.
std::filesystem::path make_data(const TempDir& dir) {
  const auto data = dir / "data";
  testing::write_dataset(data, testing::random_split(1200, 28, 28, 10, 1),
                         testing::random_split(300, 28, 28, 10, 2), false);
  return data;
}

std::string sweep_args(const std::filesystem::path& data) {
  return fmt::format(
      "sweep --data {} --grid 2,4,7 --train-on original,shuffled,mixed:0.5,fresh --seeds 2 "
      "--epochs 2",
      data.string());
}

testing::CommandResult savant(const std::string& args) {
  return testing::run_command(testing::savant_binary() + " " + args);
}

std::vector<StoredJob> read_jobs(const std::filesystem::path& db) {
  return SweepDb(db, SweepDb::Mode::kReadOnly).read_all();
}

// Every job of `expected` is in `actual` exactly once, with the same numbers, and nothing else.
void expect_same_jobs(const std::vector<StoredJob>& actual,
                      const std::vector<StoredJob>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  std::map<std::string, const StoredJob*> by_key;
  for (const StoredJob& j : actual) {
    EXPECT_TRUE(by_key.emplace(job_key(j.config), &j).second) << "twice: " << job_key(j.config);
  }
  for (const StoredJob& j : expected) {
    auto it = by_key.find(job_key(j.config));
    ASSERT_NE(it, by_key.end()) << "missing: " << job_key(j.config);
    EXPECT_EQ(it->second->status, "done");
    EXPECT_TRUE(same_results(*it->second, j)) << "differs: " << job_key(j.config);
  }
}

// The first column of the first row `sql` gives on `db`, as text. Opened as the next sweep
// opens it (for writing), so that SQLite rolls back the hot journal a killed writer may leave.
std::string query_text(const std::filesystem::path& db, const char* sql) {
  sqlite3* raw = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(raw);
  return result;
}

std::string integrity(const std::filesystem::path& db) {
  return query_text(db, "PRAGMA integrity_check");
}

TEST(SweepCli, SigkillAtRandomMomentsLosesNothingCommitted) {
  TempDir dir;
  const auto data = make_data(dir);
  const auto reference = dir / "reference.sqlite";
  auto r = savant(sweep_args(data) + " --threads 1 --db " + reference.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto expected = read_jobs(reference);
  ASSERT_EQ(expected.size(), 24u);

  const auto db = dir / "killed.sqlite";
  const std::string binary = testing::savant_binary();
  std::vector<std::string> args = {
      binary,      "sweep", "--data",     data.string(),
      "--grid",    "2,4,7", "--train-on", "original,shuffled,mixed:0.5,fresh",
      "--seeds",   "2",     "--epochs",   "2",
      "--threads", "2",     "--db",       db.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(50, 500);
  std::size_t done_before = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    const int ms = delay_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!std::filesystem::exists(db)) continue;  // killed before the database was created
    EXPECT_EQ(integrity(db), "ok") << "after a kill at " << ms << " ms";
    // Killed after the file was made but before its tables were committed: an empty database,
    // which the next sweep fills (SweepDb opens it as new). Nothing can have been committed.
    if (query_text(db, "SELECT count(*) FROM sqlite_master") == "0") {
      EXPECT_EQ(done_before, 0u) << "committed jobs vanished (kill at " << ms << " ms)";
      continue;
    }
    const auto jobs = read_jobs(db);
    std::size_t done = 0;
    for (const auto& j : jobs) done += j.status == "done" ? 1 : 0;
    EXPECT_GE(done, done_before) << "a committed job was lost (kill at " << ms << " ms)";
    std::printf("killed after %d ms: %zu of 24 jobs done\n", ms, done);
    done_before = done;
  }
  r = savant(sweep_args(data) + " --threads 2 --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_same_jobs(read_jobs(db), expected);

  // A rerun of a finished sweep runs nothing and changes nothing.
  r = savant(sweep_args(data) + " --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("24 already done"), std::string::npos) << r.output;
  expect_same_jobs(read_jobs(db), expected);
}

TEST(SweepCli, ShardsMergedEqualOneProcess) {
  TempDir dir;
  const auto data = make_data(dir);
  const std::string args = fmt::format(
      "sweep --data {} --grid 4,7 --train-on original,fresh "
      "--hidden 16,32 --seeds 2 --epochs 1",
      data.string());
  auto r = savant(args + " --db " + (dir / "one.sqlite").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (int k = 1; k <= 2; ++k) {
    r = savant(args + fmt::format(" --threads 1 --shard {}/2 --db {}", k,
                                  (dir / fmt::format("s{}.sqlite", k)).string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  EXPECT_EQ(read_jobs(dir / "s1.sqlite").size(), 8u);
  r = savant(fmt::format("merge {} {} {}", (dir / "merged.sqlite").string(),
                         (dir / "s1.sqlite").string(), (dir / "s2.sqlite").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_same_jobs(read_jobs(dir / "merged.sqlite"), read_jobs(dir / "one.sqlite"));

#ifdef SAVANT_MPIEXEC
  // Rank 0 writes, rank 1 trains: the same rows and numbers as one process. Leak detection is
  // off for this run alone: OpenMPI unloads its plugins in MPI_Finalize and leaves their
  // allocations behind, which LeakSanitizer reports from "<unknown module>" and no suppression
  // can name (AddressSanitizer's other checks stay on).
  r = testing::run_command(
      fmt::format("LSAN_OPTIONS=detect_leaks=0 {} --allow-run-as-root "
                  "--oversubscribe -np 2 {} {} --db {}",
                  SAVANT_MPIEXEC, testing::savant_binary(), args, (dir / "mpi.sqlite").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 MPI worker rank"), std::string::npos) << r.output;
  expect_same_jobs(read_jobs(dir / "mpi.sqlite"), read_jobs(dir / "one.sqlite"));
#endif

  r = savant("summarize --json --db " + (dir / "merged.sqlite").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto summary = nlohmann::json::parse(r.output);
  ASSERT_EQ(summary.size(), 16u);  // 8 configurations x 2 test sets
  for (const auto& row : summary) {
    EXPECT_TRUE(row["config"].is_object());
    EXPECT_TRUE(row["test"] == "original_test" || row["test"] == "shuffled_test");
    EXPECT_EQ(row["n"], 2);
    for (const char* key : {"mean", "std", "ci95_low", "ci95_high"}) {
      EXPECT_TRUE(row[key].is_number()) << key;
    }
    EXPECT_LE(row["ci95_low"].get<double>(), row["mean"].get<double>());
  }
  r = savant(fmt::format("report --db {} --out {}", (dir / "merged.sqlite").string(),
                         (dir / "report.html").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "report.html"));
}

TEST(SweepCli, BadInputIsAClearErrorAndChangesNothing) {
  TempDir dir;
  const auto data = make_data(dir);
  const auto db = dir / "r.sqlite";
  const std::string base =
      fmt::format("sweep --data {} --epochs 1 --db {}", data.string(), db.string());

  std::ofstream(dir / "bad.toml") << "grid = [2, 4\n";
  auto r = savant(base + " --config " + (dir / "bad.toml").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.toml:"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(db));

  r = savant(base + " --train-on original,sideways");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("sideways"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(db));

  r = savant(base + " --grid 5");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_FALSE(std::filesystem::exists(db));

  const auto foreign = dir / "foreign.sqlite";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE runs(x); INSERT INTO runs VALUES (42);", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  const auto size = std::filesystem::file_size(foreign);
  r = savant(fmt::format("sweep --data {} --epochs 1 --db {}", data.string(), foreign.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not a savant sweep database"), std::string::npos) << r.output;
  EXPECT_EQ(std::filesystem::file_size(foreign), size);
  EXPECT_FALSE(std::filesystem::exists(foreign.string() + "-wal"));
  r = savant("summarize --db " + foreign.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

}  // namespace
}  // namespace savant
