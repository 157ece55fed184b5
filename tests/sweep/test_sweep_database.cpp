// The sweep database's version 2: the unit measures of each job, the results view, the
// migration of version 1 files, claims shared by two runners, typed numbers, the job limit, and
// summaries in a stable order and as CSV.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/sweep.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

// One SQL query's rows as text (NULL as "NULL").
std::vector<std::vector<std::string>> query(const std::filesystem::path& db, const char* sql) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  std::vector<std::vector<std::string>> rows;
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* text = sqlite3_column_text(stmt, i);
      row.push_back(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return rows;
}

void exec(const std::filesystem::path& db, const char* sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_close(raw);
}

// A small data set of 8 x 8 images and the sweep of grids 2 and 4, original and shuffled, two
// seeds, over it.
struct SmallSweep {
  TempDir dir;
  SweepData data;
  std::vector<JobConfig> jobs;
  SmallSweep() {
    testing::write_dataset(dir.path(), testing::random_split(120, 8, 8, 3, 1),
                           testing::random_split(60, 8, 8, 3, 2), false);
    data = load_sweep_data(dir.path(), 0);
    SweepSpec spec;
    set_sweep_option(spec, "grid", {"2", "4"});
    set_sweep_option(spec, "hidden", {"6"});
    set_sweep_option(spec, "epochs", {"2"});
    set_sweep_option(spec, "batch", {"16"});
    set_sweep_option(spec, "seeds", {"2"});
    validate(spec);
    jobs = expand_jobs(spec, data.digest);
  }
};

TEST(SweepUnits, EveryJobHasItsMeasuresAndTheSharedOriginalModelChangesNothing) {
  SmallSweep sweep;
  ASSERT_EQ(sweep.jobs.size(), 8u);
  OriginalModels originals(sweep.jobs);
  std::map<std::string, JobResult> alone, shared;
  for (const JobConfig& job : sweep.jobs) {
    alone[job_key(job)] = run_job(job, sweep.data);
    shared[job_key(job)] = run_job(job, sweep.data, &originals);
  }
  for (const JobConfig& job : sweep.jobs) {
    const JobResult &a = alone[job_key(job)], &b = shared[job_key(job)];
    SCOPED_TRACE(job_key(job));
    for (const UnitColumn& u : kUnitColumns) {
      EXPECT_TRUE(std::isfinite(a.units.*u.field)) << u.name;  // g = 2 and 4 define them all
      EXPECT_EQ(a.units.*u.field, b.units.*u.field) << u.name;
    }
    EXPECT_EQ(a.original_test.correct, b.original_test.correct);
    EXPECT_GE(a.units.specialisation, 1.0 / (job.grid * job.grid));
    EXPECT_LE(a.units.specialisation, 1.0);
    EXPECT_GE(a.units.invariance, 0.0);
    EXPECT_LE(a.units.invariance_accuracy, 1.0);
    if (job.train_on.kind == RegimeKind::kOriginal) {
      EXPECT_NEAR(a.units.cka_original, 1.0, 1e-6);  // the model against itself
    } else {
      EXPECT_LT(a.units.cka_original, 1.0 - 1e-6);
    }
  }
  // The original model does not depend on the grid: one training serves g = 2 and g = 4.
  JobConfig g2 = sweep.jobs[0], g4 = sweep.jobs[0];
  ASSERT_EQ(g2.train_on.kind, RegimeKind::kOriginal);
  g4.grid = 4;
  const JobResult &r2 = alone[job_key(g2)], &r4 = alone[job_key(g4)];
  ASSERT_EQ(r2.history.size(), r4.history.size());
  for (std::size_t e = 0; e < r2.history.size(); ++e)
    EXPECT_EQ(r2.history[e].loss, r4.history[e].loss);
  EXPECT_EQ(r2.original_test.correct, r4.original_test.correct);
}

TEST(SweepUnits, BorderDiscontinuityIsUndefinedForOnePixelBlocks) {
  TempDir dir;
  testing::write_dataset(dir.path(), testing::random_split(60, 4, 4, 3, 1),
                         testing::random_split(30, 4, 4, 3, 2), false);
  const SweepData data = load_sweep_data(dir.path(), 0);
  JobConfig job;
  job.grid = 4;  // blocks of one pixel: no pairs inside a block
  job.hidden = 4;
  job.epochs = 1;
  job.train_on = {RegimeKind::kShuffled, 0};
  job.data_digest = data.digest;
  const JobResult r = run_job(job, data);
  EXPECT_TRUE(std::isnan(r.units.border_discontinuity));
  EXPECT_TRUE(std::isfinite(r.units.specialisation));
  EXPECT_TRUE(std::isfinite(r.units.lesion_spread));
}

// What the database holds for `jobs`, run here.
void run_into(const std::filesystem::path& db, const SmallSweep& sweep) {
  SweepDb out(db, SweepDb::Mode::kWrite);
  run_jobs(sweep.jobs, sweep.data, 2,
           [&](JobOutcome&& o) { out.record(stored_job(std::move(o), "here")); });
}

TEST(SweepDb, ResultsViewHasOneRowPerJobWithEveryNumberAndTheTypedLearningRate) {
  SmallSweep sweep;
  const auto db = sweep.dir / "r.sqlite";
  run_into(db, sweep);
  const auto jobs = SweepDb(db, SweepDb::Mode::kReadOnly).read_all();
  ASSERT_EQ(jobs.size(), sweep.jobs.size());
  const auto rows = query(db,
                          "SELECT job_key, original_test, shuffled_test, contrast, "
                          "specialisation, specialisation_change, border_discontinuity, "
                          "lesion_spread, invariance, invariance_accuracy, cka_original, "
                          "final_loss, learning_rate FROM results ORDER BY job_key");
  ASSERT_EQ(rows.size(), jobs.size());
  std::map<std::string, const StoredJob*> by_key;
  for (const StoredJob& j : jobs) by_key[job_key(j.config)] = &j;
  // SQLite's text of a REAL has 15 significant digits.
  auto near = [](const std::string& text, double value) {
    return std::abs(std::stod(text) - value) <= 1e-13 * std::max(1.0, std::abs(value));
  };
  for (const auto& row : rows) {
    const StoredJob& j = *by_key.at(row[0]);
    EXPECT_TRUE(near(row[1], j.result.original_test.accuracy()));
    EXPECT_TRUE(near(row[2], j.result.shuffled_test.accuracy()));
    int column = 4;
    for (const UnitColumn& u : kUnitColumns) {
      EXPECT_TRUE(near(row[static_cast<std::size_t>(column++)], j.result.units.*u.field)) << u.name;
    }
    EXPECT_TRUE(near(row[11], j.result.history.back().loss));
    EXPECT_EQ(row[12], "0.001");
  }
  // Each epoch's test curves, and the last one's is the job's final evaluation.
  for (const StoredJob& j : jobs) {
    const EpochRecord& last = j.result.history.back();
    EXPECT_EQ(last.original_test_accuracy, j.result.original_test.accuracy());
    EXPECT_TRUE(std::isfinite(last.original_test_loss));
    // An original job's model serves every grid: no shuffled curve (job.cpp).
    if (j.config.train_on.kind == RegimeKind::kOriginal) {
      EXPECT_TRUE(std::isnan(last.shuffled_test_accuracy));
    } else {
      EXPECT_EQ(last.shuffled_test_accuracy, j.result.shuffled_test.accuracy());
      EXPECT_TRUE(std::isfinite(last.shuffled_test_loss));
    }
    // epochs_to_fit: the first epoch at 99% training accuracy, or none.
    const auto fit = epochs_to_fit(j.result.history, 0.99);
    const std::string sql = fmt::format(
        "SELECT epochs_to_fit, fit_threshold FROM results WHERE job_key = '{}'", job_key(j.config));
    const auto row = query(db, sql.c_str());
    EXPECT_EQ(row[0][0], fit ? std::to_string(*fit) : "NULL");
    EXPECT_EQ(row[0][1], "0.99");
  }
  // The learning rate is stored as typed: a query with the number the user gave finds every row.
  EXPECT_EQ(query(db, "SELECT count(*) FROM results WHERE learning_rate = 0.001")[0][0], "8");
  EXPECT_EQ(query(db, "SELECT count(*) FROM runs WHERE learning_rate = 0.001")[0][0], "8");
}

// Version 1's statements, as savant 1 created its files.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE runs (job_key TEXT PRIMARY KEY, grid INTEGER NOT NULL, shuffle TEXT NOT NULL,
  train_on TEXT NOT NULL, regime TEXT NOT NULL, mix REAL, hidden INTEGER NOT NULL,
  layers INTEGER NOT NULL, epochs INTEGER NOT NULL, batch INTEGER NOT NULL,
  learning_rate REAL NOT NULL, train_limit INTEGER NOT NULL, data_digest TEXT NOT NULL,
  seed INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('done', 'failed')), error TEXT,
  started_at TEXT, finished_at TEXT, train_seconds REAL, savant_version TEXT NOT NULL,
  host TEXT NOT NULL);
CREATE TABLE accuracies (job_key TEXT NOT NULL REFERENCES runs(job_key) ON DELETE CASCADE,
  test TEXT NOT NULL CHECK (test IN ('original_test', 'shuffled_test')), correct INTEGER NOT NULL,
  total INTEGER NOT NULL, accuracy REAL NOT NULL, PRIMARY KEY (job_key, test));
CREATE TABLE signatures (job_key TEXT PRIMARY KEY REFERENCES runs(job_key) ON DELETE CASCADE,
  grid INTEGER NOT NULL, within REAL, across REAL, contrast REAL, within_pairs INTEGER NOT NULL,
  across_pairs INTEGER NOT NULL);
CREATE TABLE history (job_key TEXT NOT NULL REFERENCES runs(job_key) ON DELETE CASCADE,
  epoch INTEGER NOT NULL, loss REAL NOT NULL, train_accuracy REAL NOT NULL,
  seconds REAL NOT NULL, PRIMARY KEY (job_key, epoch));
INSERT INTO runs VALUES ('grid=4,shuffle=derange,train_on=shuffled,hidden=128,layers=1,epochs=5,batch=32,lr=0.001,train_limit=0,data=00001234,seed=0',
  4, 'derange', 'shuffled', 'shuffled', NULL, 128, 1, 5, 32, 0.0010000000474974513, 0, '00001234',
  0, 'done', NULL, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:09.000Z', 9.0, '1.0', 'old');
INSERT INTO accuracies VALUES ('grid=4,shuffle=derange,train_on=shuffled,hidden=128,layers=1,epochs=5,batch=32,lr=0.001,train_limit=0,data=00001234,seed=0', 'original_test', 500, 1000, 0.5);
INSERT INTO accuracies VALUES ('grid=4,shuffle=derange,train_on=shuffled,hidden=128,layers=1,epochs=5,batch=32,lr=0.001,train_limit=0,data=00001234,seed=0', 'shuffled_test', 700, 1000, 0.7);
INSERT INTO signatures VALUES ('grid=4,shuffle=derange,train_on=shuffled,hidden=128,layers=1,epochs=5,batch=32,lr=0.001,train_limit=0,data=00001234,seed=0', 4, 0.2, 0.1, 0.1, 10, 20);
INSERT INTO history VALUES ('grid=4,shuffle=derange,train_on=shuffled,hidden=128,layers=1,epochs=5,batch=32,lr=0.001,train_limit=0,data=00001234,seed=0', 1, 0.9, 0.6, 1.0);
PRAGMA application_id = 1398165076;
PRAGMA user_version = 1;
)sql";

TEST(SweepDb, AVersion1FileIsReadAsItIsAndMigratedByAWriter) {
  TempDir dir;
  const auto db = dir / "old.sqlite";
  exec(db, kVersion1);
  {
    // A reader leaves it as it is: no unit measures, still version 1.
    const auto jobs = SweepDb(db, SweepDb::Mode::kReadOnly).read_all();
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].result.shuffled_test.correct, 700u);
    EXPECT_TRUE(std::isnan(jobs[0].result.units.specialisation));
    EXPECT_EQ(summarize_jobs(jobs)[0].units[0].n, 0u);
    EXPECT_EQ(query(db, "PRAGMA user_version")[0][0], "1");
  }
  { SweepDb writer(db, SweepDb::Mode::kWrite); }
  EXPECT_EQ(query(db, "PRAGMA user_version")[0][0], "3");
  const auto rows = query(db,
                          "SELECT shuffled_test, specialisation, cka_original, final_loss, "
                          "epochs_to_fit FROM results");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"0.7", "NULL", "NULL", "0.9", "NULL"}));
  // Its epochs have no test curves: read as not measured.
  const auto jobs = SweepDb(db, SweepDb::Mode::kReadOnly).read_all();
  ASSERT_EQ(jobs[0].result.history.size(), 1u);
  EXPECT_TRUE(std::isnan(jobs[0].result.history[0].original_test_accuracy));
  EXPECT_EQ(SweepDb(db, SweepDb::Mode::kReadOnly).done_keys().size(), 1u);
}

TEST(SweepDb, TwoRunnersOnOneDatabaseRunEveryJobOnce) {
  SmallSweep sweep;
  const auto db = sweep.dir / "shared.sqlite";
  { SweepDb create(db, SweepDb::Mode::kWrite); }
  std::mutex count_mutex;
  std::map<std::string, int> runs;
  auto runner = [&] {
    SweepDb out(db, SweepDb::Mode::kWrite);
    std::mutex db_mutex;
    run_jobs(
        sweep.jobs, sweep.data, 1,
        [&](JobOutcome&& o) {
          {
            std::lock_guard lock(count_mutex);
            ++runs[job_key(o.job)];
          }
          std::lock_guard lock(db_mutex);
          out.record(stored_job(std::move(o), "here"));
        },
        [&](const JobConfig& job) {
          std::lock_guard lock(db_mutex);
          return out.claim(job_key(job));
        });
  };
  std::thread a(runner), b(runner);
  a.join();
  b.join();
  ASSERT_EQ(runs.size(), sweep.jobs.size());
  for (const auto& [key, count] : runs) EXPECT_EQ(count, 1) << key;
  EXPECT_EQ(SweepDb(db, SweepDb::Mode::kReadOnly).done_keys().size(), sweep.jobs.size());
  EXPECT_EQ(query(db, "SELECT count(*) FROM claims")[0][0], "0");  // removed with each result
}

TEST(SweepDb, AClaimOfADeadProcessIsTakenOverAndALiveOneIsNot) {
  TempDir dir;
  const auto db = dir / "c.sqlite";
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);  // now a pid that runs no process
  SweepDb out(db, SweepDb::Mode::kWrite);
  const std::string host = host_name();
  exec(db, fmt::format("INSERT INTO claims VALUES ('dead', {}, '{}', 'then');"
                       "INSERT INTO claims VALUES ('alive', {}, '{}', 'then');"
                       "INSERT INTO claims VALUES ('elsewhere', {}, 'another-host', 'then');",
                       child, host, getppid(), host, child)
               .c_str());
  EXPECT_TRUE(out.claim("dead"));
  EXPECT_FALSE(out.claim("alive"));
  EXPECT_FALSE(out.claim("elsewhere"));  // another host's process cannot be checked
  EXPECT_TRUE(out.claim("free"));
  EXPECT_EQ(query(db, "SELECT pid FROM claims WHERE job_key = 'dead'")[0][0],
            std::to_string(getpid()));
}

TEST(SweepSpec, CountsJobsBeforeBuildingThemAndRefusesMoreThanAMillion) {
  SweepSpec spec;
  set_sweep_option(spec, "seeds", {"100000"});
  std::vector<std::string> widths;
  for (int h = 1; h <= 50; ++h) widths.push_back(std::to_string(h));
  set_sweep_option(spec, "hidden", widths);
  try {
    validate(spec);
    FAIL() << "a sweep of 10,000,000 jobs was accepted";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("10,000,000 jobs"), std::string::npos) << message;
    EXPECT_NE(message.find("limit of 1,000,000"), std::string::npos) << message;
    EXPECT_EQ(message.find("--hidden"), std::string::npos) << message;
  }
  set_sweep_option(spec, "seeds", {"10000"});
  EXPECT_EQ(count_jobs(spec), 1'000'000u);  // the limit itself is allowed
  SweepSpec huge;
  std::vector<std::string> many(100000, "1");
  for (const char* s : {"hidden", "batch", "epochs", "layers"}) set_sweep_option(huge, s, many);
  EXPECT_THROW(count_jobs(huge), UsageError);  // 10^20 overflows 64 bits: still refused
}

StoredJob job_with(int grid, const char* train_on, std::uint64_t seed, std::size_t correct) {
  StoredJob job;
  job.config.grid = grid;
  job.config.train_on = parse_regime(train_on);
  job.config.seed = seed;
  job.status = "done";
  job.result.original_test.correct = correct;
  job.result.original_test.total = 1000;
  job.result.shuffled_test.correct = correct / 2;
  job.result.shuffled_test.total = 1000;
  job.result.units.invariance = 0.25;
  return job;
}

TEST(SweepSummary, OrderIsTheSettingsNotTheOrderOfRecording) {
  const std::vector<StoredJob> recorded = {
      job_with(4, "shuffled", 0, 600), job_with(2, "original", 1, 800),
      job_with(4, "original", 0, 820), job_with(2, "original", 0, 810)};
  std::vector<StoredJob> reversed(recorded.rbegin(), recorded.rend());
  const auto a = summary_json(summarize_jobs(recorded));
  EXPECT_EQ(a, summary_json(summarize_jobs(reversed)));
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0]["config"]["grid"], 2);
  EXPECT_EQ(a[2]["config"]["grid"], 4);
  EXPECT_EQ(a[2]["config"]["train_on"], "original");
  EXPECT_EQ(a[4]["config"]["train_on"], "shuffled");
  EXPECT_EQ(a[0]["n"], 2);
  EXPECT_EQ(a[0]["units"]["invariance"]["mean"], 0.25);
}

TEST(SweepSummary, CsvHasOneHeaderAndEveryNumberInPercentWhereAFraction) {
  const auto entries =
      summarize_jobs({job_with(2, "original", 0, 800), job_with(2, "original", 1, 810)});
  const std::string csv = summary_csv(entries);
  std::vector<std::string> lines;
  for (std::size_t start = 0, end; (end = csv.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(csv.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), 3u);
  auto fields = [](const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos;
         start = comma + 1) {
      out.push_back(line.substr(start, comma - start));
    }
    out.push_back(line.substr(start));
    return out;
  };
  const auto header = fields(lines[0]), first = fields(lines[1]);
  ASSERT_EQ(header.size(), first.size());
  std::map<std::string, std::string> row;
  for (std::size_t i = 0; i < header.size(); ++i) row[header[i]] = first[i];
  EXPECT_EQ(row["test"], "original_test");
  EXPECT_EQ(row["seeds"], "2");
  EXPECT_EQ(row["learning_rate"], "0.001");
  EXPECT_EQ(row["model"], "mlp");
  EXPECT_EQ(row["accuracy_pct_mean"], "80.5");
  EXPECT_EQ(row["invariance_pct_mean"], "25");
  EXPECT_EQ(row["specialisation_n"], "0");
  EXPECT_EQ(row["specialisation_mean"], "");  // undefined: empty
  EXPECT_EQ(row["label_noise"], "0");
  // 14 key columns: label_noise and model are settings of a job's identity.
  EXPECT_EQ(header.size(), 14u + 11u * 5u);
}

}  // namespace
}  // namespace savant
