// The table of settings (experiment/settings.hpp) is the one place a setting is declared: a
// setting added to a copy of the table appears in set_field, validate, the configuration's JSON
// writer and reader, the sweep's axes, sweep files, job keys, the sweep database's columns and
// the summaries. (The command line and Python read the same table; they are tested from
// outside, against the declared one: tests/cli, python/tests.)

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>

#include "savant/core/error.hpp"
#include "savant/experiment/settings.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/sweep.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

// The declared table and one more setting, "width": a second name of the hidden layers' width
// (so that it has a field to live in), added after the first version.
std::vector<Setting> table_with_width() {
  std::vector<Setting> table = default_settings();
  table.push_back(whole_setting("width", "width of each hidden layer, again",
                                kTrains | kSweepAxis | kIdentity | kRecorded,
                                &ExperimentConfig::hidden, 2, 4096));
  return table;
}

std::vector<std::string> run_columns(const std::filesystem::path& db) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(raw, "SELECT name FROM pragma_table_info('runs')", -1, &stmt, nullptr);
  std::vector<std::string> names;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return names;
}

StoredJob done_job(const JobConfig& config) {
  StoredJob job;
  job.config = config;
  job.status = "done";
  job.result.original_test.correct = job.result.shuffled_test.correct = 1;
  job.result.original_test.total = job.result.shuffled_test.total = 2;
  job.savant_version = "test";
  job.host = "here";
  return job;
}

TEST(SettingsTable, EveryNameIsSnakeCaseAndFoundOnceUnderEachOfItsNames) {
  for (const Setting& s : settings()) {
    EXPECT_TRUE(std::all_of(s.name.begin(), s.name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || c == '_';
    })) << s.name;
    EXPECT_EQ(find_setting(s.name), &s);
    if (!s.old_name.empty()) {
      EXPECT_EQ(find_setting(s.old_name), &s);
    }
    EXPECT_FALSE(s.help.empty()) << s.name;
    // The default round-trips through text and JSON.
    ExperimentConfig c;
    s.parse(c, s.text(ExperimentConfig{}));
    EXPECT_EQ(s.text(c), s.text(ExperimentConfig{})) << s.name;
  }
  EXPECT_EQ(find_setting("lr")->name, "learning_rate");
  EXPECT_EQ(find_setting("colour"), nullptr);
}

TEST(SettingsTable, AnAddedSettingIsParsedCheckedAndWrittenAndReadAsJson) {
  const SettingsOverride with_width(table_with_width());
  ExperimentConfig c;
  set_field(c, "width", "64");
  EXPECT_EQ(c.hidden, 64u);
  set_field(c, "width", "8192");
  try {
    validate(c);
    FAIL() << "width 8192 passed validate";
  } catch (const InvalidSetting& e) {
    EXPECT_EQ(e.setting(), "width");
  }
  set_field(c, "width", "64");
  const nlohmann::json j = config_json(c);
  EXPECT_EQ(j.at("width"), 64);
  EXPECT_EQ(config_from_json(j, "test").hidden, 64u);
  // A file written before the setting existed reads as its default.
  nlohmann::json old = j;
  old.erase("width");
  EXPECT_NO_THROW(config_from_json(old, "test"));
  // A setting of the first version stays required.
  old.erase("grid");
  EXPECT_THROW(config_from_json(old, "test"), Error);
}

TEST(SettingsTable, AnAddedSettingIsASweepAxisAndPartOfTheJobKeyWhenNotItsDefault) {
  const SettingsOverride with_width(table_with_width());
  SweepSpec spec;
  parse_sweep_text("width = [16, 32]\ntrain_on = \"original\"\n", "s.toml", spec, nullptr);
  EXPECT_EQ(spec.values("width"), (std::vector<std::string>{"16", "32"}));
  validate(spec);
  const std::vector<JobConfig> jobs = expand_jobs(spec, 0x01020304);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].hidden, 32u);
  EXPECT_NE(job_key(jobs[1]).find(",width=32,"), std::string::npos) << job_key(jobs[1]);
  EXPECT_EQ(config_json(jobs[1]).at("width"), 32);
  EXPECT_NE(summary_csv({}).find(",width,"), std::string::npos);
  // At its default the key is the one databases held before the setting existed.
  JobConfig at_default;
  const std::string key = job_key(at_default);
  EXPECT_EQ(key.find("width"), std::string::npos) << key;
  set_sweep_option(spec, "width", {"1"});  // a whole number: parsed; out of range: refused
  EXPECT_THROW(validate(spec), InvalidSetting);
}

TEST(SettingsTable, AnAddedSettingIsAColumnOfTheSweepDatabaseAddedToOldFiles) {
  TempDir dir;
  const auto path = dir / "sweep.sqlite";
  JobConfig old_job;
  old_job.seed = 7;
  {
    SweepDb db(path, SweepDb::Mode::kWrite);  // made by the declared table
    db.record(done_job(old_job));
  }
  auto columns = run_columns(path);
  EXPECT_EQ(std::count(columns.begin(), columns.end(), "width"), 0);
  EXPECT_EQ(std::count(columns.begin(), columns.end(), "learning_rate"), 1);

  const SettingsOverride with_width(table_with_width());
  {
    SweepDb db(path, SweepDb::Mode::kWrite);
    JobConfig wide;
    wide.hidden = 64;
    db.record(done_job(wide));
    const std::vector<StoredJob> jobs = db.read_all();
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].config.hidden, 128u);  // the old job: its columns, width's default
    EXPECT_EQ(jobs[1].config.hidden, 64u);
    EXPECT_EQ(db.done_keys().count(job_key(old_job)), 1u);
  }
  columns = run_columns(path);
  EXPECT_EQ(std::count(columns.begin(), columns.end(), "width"), 1);
}

}  // namespace
}  // namespace savant
