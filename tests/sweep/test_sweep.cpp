#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/mpi.hpp"
#include "savant/sweep/plot.hpp"
#include "savant/sweep/report.hpp"
#include "savant/sweep/sweep.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Regime, ParsesAndPrintsCanonically) {
  EXPECT_EQ(parse_regime("original").kind, RegimeKind::kOriginal);
  EXPECT_EQ(parse_regime("shuffled").kind, RegimeKind::kShuffled);
  EXPECT_EQ(parse_regime("fresh").kind, RegimeKind::kFresh);
  const Regime mixed = parse_regime("mixed:0.50");
  EXPECT_EQ(mixed.kind, RegimeKind::kMixed);
  EXPECT_EQ(mixed.mix, 0.5);
  EXPECT_EQ(to_string(mixed), "mixed:0.5");
  for (const char* bad : {"mixed", "mixed:", "mixed:1.5", "mixed:-0.1", "mixed:x", "shuffle"}) {
    EXPECT_THROW(parse_regime(bad), UsageError) << bad;
  }
}

TEST(Sweep, ExpandsTheCartesianProductWithSeedsOutermost) {
  SweepSpec spec;
  set_sweep_option(spec, "grid", {"2", "4"});
  set_sweep_option(spec, "train_on", {"original", "mixed:0.5", "fresh"});
  set_sweep_option(spec, "hidden", {"32", "128"});
  set_sweep_option(spec, "seeds", {"3"});
  validate(spec);
  const auto jobs = expand_jobs(spec, 0xabcdef01);
  ASSERT_EQ(jobs.size(), 2u * 3u * 2u * 3u);
  EXPECT_EQ(jobs.front().seed, 0u);
  EXPECT_EQ(jobs.back().seed, 2u);
  EXPECT_EQ(job_key(jobs.front()),
            "grid=2,shuffle=derange,train_on=original,hidden=32,layers=1,epochs=5,batch=32,"
            "lr=0.001,train_limit=0,data=abcdef01,seed=0");
  std::set<std::string> keys;
  for (const auto& j : jobs) keys.insert(job_key(j));
  EXPECT_EQ(keys.size(), jobs.size());
  // Duplicated values do not duplicate jobs.
  set_sweep_option(spec, "grid", {"2", "4", "2"});
  EXPECT_EQ(expand_jobs(spec, 0xabcdef01).size(), jobs.size());
}

TEST(Sweep, UnknownOrBadValuesAreUsageErrors) {
  SweepSpec spec;
  EXPECT_THROW(set_sweep_option(spec, "grid", {"four"}), UsageError);
  EXPECT_THROW(set_sweep_option(spec, "train_on", {"sideways"}), UsageError);
  EXPECT_THROW(set_sweep_option(spec, "shuffle", {"rotate"}), UsageError);
  EXPECT_THROW(set_sweep_option(spec, "colour", {"red"}), UsageError);
  set_sweep_option(spec, "grid", {"1"});
  EXPECT_THROW(validate(spec), UsageError);
  set_sweep_option(spec, "grid", {"4"});
  set_sweep_option(spec, "hidden", {"0"});
  EXPECT_THROW(validate(spec), UsageError);
}

TEST(Sweep, ShardsPartitionTheJobs) {
  SweepSpec spec;
  set_sweep_option(spec, "grid", {"2", "4", "7"});
  set_sweep_option(spec, "seeds", {"5"});
  const auto jobs = expand_jobs(spec, 1);
  std::multiset<std::string> seen;
  for (std::size_t k = 1; k <= 4; ++k) {
    for (const auto& j : select_shard(jobs, parse_shard(fmt::format("{}/4", k)))) {
      seen.insert(job_key(j));
    }
  }
  EXPECT_EQ(seen.size(), jobs.size());
  for (const auto& j : jobs) EXPECT_EQ(seen.count(job_key(j)), 1u);
  for (const char* bad : {"0/2", "3/2", "1", "a/b", "1/0"}) {
    EXPECT_THROW(parse_shard(bad), UsageError) << bad;
  }
}

TEST(Sweep, TomlFileSetsOptionsAndFlagsWin) {
  TempDir dir;
  const auto file = dir / "sweep.toml";
  std::ofstream(file) << "grid = [2, 4, 7]\ntrain_on = [\"original\", \"mixed:0.25\"]\n"
                         "hidden = 64\nlr = 0.01\nseeds = 3\ndb = \"x.sqlite\"\n";
  SweepSpec spec;
  std::filesystem::path db;
  load_sweep_file(file, spec, &db, [](std::string_view key) { return key == "hidden"; });
  EXPECT_EQ(spec.values("grid"), (std::vector<std::string>{"2", "4", "7"}));
  ASSERT_EQ(spec.train_on.size(), 2u);
  EXPECT_EQ(spec.train_on[1].mix, 0.25);
  EXPECT_EQ(spec.values("hidden"), (std::vector<std::string>{"128"}));  // given on the command line
  EXPECT_EQ(spec.values("learning_rate"), (std::vector<std::string>{"0.01"}));
  EXPECT_EQ(spec.seeds, 3u);
  EXPECT_EQ(db, "x.sqlite");
}

TEST(Sweep, BadTomlFilesAreUsageErrorsThatChangeNothing) {
  TempDir dir;
  for (const char* text : {"grid = [2, 4\n", "colour = 3\n", "grid = [\"two\"]\n",
                           "train_on = \"mixed:2\"\n", "grid = true\n"}) {
    const auto file = dir / "bad.toml";
    std::ofstream(file) << text;
    SweepSpec spec;
    EXPECT_THROW(load_sweep_file(file, spec, nullptr), UsageError) << text;
    EXPECT_EQ(spec.values("grid"), (std::vector<std::string>{"4"})) << text;
  }
}

TEST(Sweep, OneSettingUnderTwoSpellingsIsAnErrorNamingBoth) {
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"train-on = \"original\"\ntrain_on = \"shuffled\"\n",
            "s.toml: 'train-on' (line 1) and 'train_on' (line 2) both set train_on; keep one of "
            "them; nothing was run"},
           {"lr = 0.1\nlearning-rate = 0.01\n",
            "s.toml: 'learning-rate' (line 2) and 'lr' (line 1) both set learning_rate"}}) {
    SweepSpec spec;
    try {
      parse_sweep_text(text, "s.toml", spec, nullptr);
      ADD_FAILURE() << text;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(message, 0), 0u) << e.what();
    }
  }
}

TEST(Sweep, NestingIsBoundedBeforeTheTomlParser) {
  // Dotted keys nest tables without limit in toml++; 1024 '.', '[' and '{' are allowed in all.
  std::string deep = "x";
  for (int i = 0; i < 100000; ++i) deep += ".x";
  SweepSpec spec;
  try {
    parse_sweep_text(deep + " = 1\n", "s.toml", spec, nullptr);
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("s.toml: 100000 '.', '[' and '{' outside strings and "
                                          "comments, more than the 1024 a sweep file may hold",
                                          0),
              0u)
        << e.what();
  }
  // Those inside strings and comments do not count, whatever quotes and escapes surround them.
  std::string text = "# " + std::string(2000, '.') + "\n";
  text += "data = \"" + std::string(2000, '[') + "\\\"" + std::string(2000, '{') + "\"\n";
  text += "db = '''" + std::string(2000, '.') + "\n" + std::string(2000, '.') + "'''\n";
  text += "learning_rate = [0.1, 0.01]\n";
  std::filesystem::path db;
  parse_sweep_text(text, "s.toml", spec, &db);
  EXPECT_EQ(spec.values("learning_rate"), (std::vector<std::string>{"0.1", "0.01"}));
  EXPECT_EQ(spec.base.data, std::string(2000, '[') + "\"" + std::string(2000, '{'));
  EXPECT_EQ(db, std::string(2000, '.') + "\n" + std::string(2000, '.'));
}

TEST(Sweep, SweepFileOverItsLimitIsRefusedBeforeItIsRead) {
  TempDir dir;
  std::ofstream(dir / "big.toml") << "grid = 2\n" << std::string(2 << 20, '#');
  SweepSpec spec;
  try {
    load_sweep_file(dir / "big.toml", spec, nullptr);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than the 1.0 MiB savant reads as a sweep file"),
              std::string::npos)
        << e.what();
  }
}

TEST(Regimes, MixedShufflesAboutPOfTheImagesDeterministically) {
  const Split split = testing::random_split(400, 8, 8, 10, 3);
  const ImageSet none = mixed_images(split.images, 2, ShuffleMode::kDerange, 5, 0.0);
  EXPECT_EQ(none.pixels, split.images.pixels);
  const ImageSet all = mixed_images(split.images, 2, ShuffleMode::kDerange, 5, 1.0);
  EXPECT_EQ(
      all.pixels,
      shuffle_images(split.images, 2, ShuffleMode::kDerange, 5, Stream::kShuffleTrain, 1).pixels);
  const ImageSet half = mixed_images(split.images, 2, ShuffleMode::kDerange, 5, 0.5);
  EXPECT_EQ(half.pixels, mixed_images(split.images, 2, ShuffleMode::kDerange, 5, 0.5).pixels);
  std::size_t changed = 0;
  for (std::size_t k = 0; k < split.images.count; ++k) {
    changed += std::equal(half.image(k).begin(), half.image(k).end(), split.images.image(k).begin())
                   ? 0
                   : 1;
  }
  EXPECT_GT(changed, 150u);
  EXPECT_LT(changed, 250u);
}

TEST(Regimes, FreshDrawsNewPuzzlesEveryEpoch) {
  const Split split = testing::random_split(50, 8, 8, 10, 3);
  ImageSet e1, e2, again;
  fresh_images(split.images, 4, ShuffleMode::kDerange, 9, 1, e1);
  fresh_images(split.images, 4, ShuffleMode::kDerange, 9, 2, e2);
  fresh_images(split.images, 4, ShuffleMode::kDerange, 9, 1, again);
  EXPECT_EQ(e1.pixels, again.pixels);
  EXPECT_NE(e1.pixels, e2.pixels);
  EXPECT_NE(e1.pixels, split.images.pixels);
}

Evaluation counts(std::size_t correct, std::size_t total) {
  Evaluation e;
  e.correct = correct;
  e.total = total;
  return e;
}

StoredJob sample_job(std::uint64_t seed, std::size_t correct) {
  StoredJob job;
  job.config.seed = seed;
  job.config.train_on = parse_regime("mixed:0.5");
  job.config.data_digest = 0x1234;
  job.status = "done";
  job.result.original_test = counts(correct, 1000);
  job.result.shuffled_test = counts(300, 1000);
  job.result.signature = {0.25, 0.125, 0.125, 10, 20};
  job.result.history = {{1, 0.5, 0.75, 1.0}, {2, 0.25, 0.875, 1.0}};
  job.result.started_at = "2026-01-01T00:00:00.000Z";
  job.savant_version = "test";
  job.host = "here";
  return job;
}

// A job is a configuration through reproduce's own steps: its shuffled-regime model has the
// numbers of reproduce's shuffled model, and its original-regime model those of the original.
TEST(SweepJob, GivesTheNumbersOfReproduce) {
  TempDir dir;
  const Split train = testing::random_split(96, 8, 8, 3, 1);
  const Split test = testing::random_split(40, 8, 8, 3, 2);
  testing::write_dataset(dir.path(), train, test, false);
  ExperimentConfig config;
  config.data = dir.path();
  config.grid = 2;
  config.hidden = 6;
  config.epochs = 2;
  config.batch = 16;
  config.seed = 11;
  const ReproduceResult reproduced = run_reproduce(config);
  const SweepData data = load_sweep_data(dir.path(), 0);
  for (const ModelReport* model : {&reproduced.original, &reproduced.shuffled}) {
    JobConfig job;
    static_cast<ExperimentConfig&>(job) = config;
    job.train_on = {model == &reproduced.original ? RegimeKind::kOriginal : RegimeKind::kShuffled,
                    0};
    job.data_digest = data.digest;
    const JobResult r = run_job(job, data);
    EXPECT_EQ(r.original_test.correct, model->on_original_test.correct) << model->name;
    EXPECT_EQ(r.shuffled_test.correct, model->on_shuffled_test.correct) << model->name;
    EXPECT_EQ(r.signature.contrast, model->signature.contrast) << model->name;
    ASSERT_EQ(r.history.size(), model->history.size());
    for (std::size_t e = 0; e < r.history.size(); ++e) {
      EXPECT_EQ(r.history[e].loss, model->history[e].loss) << model->name << " epoch " << e;
    }
  }
}

// A poll that throws (Ctrl-C in Python) stops the job that is training: with the first poll
// throwing, jobs of 10000 epochs (160000 steps) are cut short, not committed, and the exception
// comes back.
TEST(SweepRunner, PollThatThrowsStopsTheRunningJobs) {
  TempDir dir;
  testing::write_dataset(dir.path(), testing::random_split(512, 8, 8, 3, 1),
                         testing::random_split(16, 8, 8, 3, 2), false);
  const SweepData data = load_sweep_data(dir.path(), 0);
  JobConfig job;
  job.data = dir.path();
  job.grid = 2;
  job.hidden = 32;
  job.epochs = 10000;
  job.train_on = {RegimeKind::kOriginal, 0};
  job.data_digest = data.digest;
  std::vector<JobConfig> jobs = {job, job};
  jobs[1].seed = 1;
  std::size_t committed = 0, polls = 0;
  struct Interrupted {};
  EXPECT_THROW(run_jobs(
                   jobs, data, 2, [&](JobOutcome&&) { ++committed; }, {},
                   [&] {
                     ++polls;
                     throw Interrupted{};
                   }),
               Interrupted);
  EXPECT_EQ(committed, 0u);
  EXPECT_EQ(polls, 1u);
}

TEST(SweepDb, RecordsReadsBackAndSkipsDoneJobs) {
  TempDir dir;
  {
    SweepDb db(dir / "r.sqlite", SweepDb::Mode::kWrite);
    db.record(sample_job(0, 800));
    db.record(sample_job(1, 810));
    StoredJob failed = sample_job(2, 0);
    failed.status = "failed";
    failed.error = "diverged";
    db.record(failed);
  }
  SweepDb db(dir / "r.sqlite", SweepDb::Mode::kReadOnly);
  EXPECT_EQ(db.done_keys().size(), 2u);
  const auto jobs = db.read_all();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_TRUE(same_results(jobs[0], sample_job(0, 800)));
  EXPECT_EQ(jobs[0].config, sample_job(0, 800).config);
  EXPECT_EQ(jobs[2].error, "diverged");
  const auto stats = summarize_jobs(jobs);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].test, "original_test");
  EXPECT_EQ(stats[0].accuracy.n, 2u);
  EXPECT_NEAR(stats[0].accuracy.mean, 0.805, 1e-12);
  const auto json = summary_json(stats);
  EXPECT_EQ(json[1]["test"], "shuffled_test");
  EXPECT_EQ(json[0]["config"]["train_on"], "mixed:0.5");
  EXPECT_TRUE(json[0].contains("ci95_low"));
}

TEST(SweepMpi, OutcomesRoundTripExactlyThroughJson) {
  StoredJob job = sample_job(3, 812);
  job.result.signature.within = std::nan("");
  job.result.history[0].loss = 0.1 + 0.2;  // not exactly representable in few digits
  const JobOutcome outcome{job.config, true, job.result, ""};
  const JobOutcome back = outcome_from_json(outcome_to_json(outcome), job.config);
  StoredJob again = job;
  again.result = back.result;
  EXPECT_TRUE(back.ok);
  EXPECT_TRUE(same_results(again, job));
  EXPECT_EQ(back.result.started_at, job.result.started_at);
  EXPECT_THROW(outcome_from_json(outcome_to_json(outcome), sample_job(4, 0).config), Error);
}

TEST(SweepDb, RefusesForeignFilesAndLeavesThemUnchanged) {
  TempDir dir;
  const auto text = dir / "notes.txt";
  std::ofstream(text) << "not a database, but precious notes\n";
  const auto other = dir / "other.sqlite";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(other.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  for (const auto& path : {text, other}) {
    const std::string before = read_bytes(path);
    EXPECT_THROW(SweepDb(path, SweepDb::Mode::kWrite), Error) << path;
    EXPECT_THROW(SweepDb(path, SweepDb::Mode::kReadOnly), Error) << path;
    EXPECT_EQ(read_bytes(path), before) << path;
    EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal")) << path;
  }
  EXPECT_THROW(SweepDb(dir / "missing.sqlite", SweepDb::Mode::kReadOnly), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.sqlite"));
}

TEST(SweepDb, MergeCombinesAndRefusesConflictsWithoutChangingTheOutput) {
  TempDir dir;
  {
    SweepDb a(dir / "a.sqlite", SweepDb::Mode::kWrite);
    a.record(sample_job(0, 800));
    SweepDb b(dir / "b.sqlite", SweepDb::Mode::kWrite);
    b.record(sample_job(0, 800));  // the same job with the same results: fine
    b.record(sample_job(1, 810));
    SweepDb c(dir / "c.sqlite", SweepDb::Mode::kWrite);
    c.record(sample_job(1, 999));  // the same job with other results
  }
  EXPECT_EQ(merge_databases(dir / "out.sqlite", {dir / "a.sqlite", dir / "b.sqlite"}), 2u);
  const auto before = SweepDb(dir / "out.sqlite", SweepDb::Mode::kReadOnly).read_all();
  EXPECT_THROW(merge_databases(dir / "out.sqlite", {dir / "c.sqlite"}), Error);
  const auto after = SweepDb(dir / "out.sqlite", SweepDb::Mode::kReadOnly).read_all();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) EXPECT_TRUE(same_results(after[i], before[i]));
  EXPECT_THROW(
      merge_databases(dir / "new.sqlite", {dir / "a.sqlite", dir / "c.sqlite", dir / "b.sqlite"}),
      Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "new.sqlite"));
}

TEST(SweepReport, EmbedsOneVegaLiteSpecPerChart) {
  std::vector<StoredJob> jobs = {sample_job(0, 800), sample_job(1, 810)};
  const auto specs = sweep_report_specs(jobs);
  // Accuracy and contrast against grid size, accuracy against P (the jobs are mixed:0.5), and a
  // training curve per per-epoch series these jobs measured (loss and training accuracy, not the
  // test curves); no width-and-depth chart when neither varies.
  EXPECT_EQ(specs.size(), 3u + 2u);
  for (const auto& spec : specs) {
    EXPECT_EQ(spec.dump().find("original_test"), std::string::npos) << "a raw key in the page";
  }
  std::vector<StoredJob> unmixed = jobs;
  for (StoredJob& job : unmixed) job.config.train_on = parse_regime("original");
  EXPECT_EQ(sweep_report_specs(unmixed).size(), 2u + 2u)
      << "a mixing-P chart with no mixed:P models";
  const std::string html = render_sweep_report(jobs);
  EXPECT_NE(html.find("vegaEmbed"), std::string::npos);
  EXPECT_NE(html.find("accuracy_low"), std::string::npos);
  EXPECT_EQ(specs[0]["data"]["values"].size(), 2u);  // one configuration, two test sets
  // Offline, like the run report: the libraries are inlined and nothing is fetched.
  EXPECT_EQ(html.find("<script src="), std::string::npos);
  EXPECT_EQ(html.find("cdn."), std::string::npos);
  EXPECT_NE(html.find("vega-lite"), std::string::npos);
}

TEST(SweepPlot, DrawsTheGridChartAsPng) {
  std::vector<StoredJob> jobs;
  for (int grid : {2, 4, 7}) {
    for (const char* regime : {"original", "shuffled"}) {
      for (std::uint64_t seed = 0; seed < 3; ++seed) {
        StoredJob job = sample_job(seed, 700 + seed);
        job.config.grid = grid;
        job.config.train_on = parse_regime(regime);
        jobs.push_back(job);
      }
    }
  }
  const std::string png = grid_accuracy_png(summarize_jobs(jobs));
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  // A sweep without original or shuffled models has nothing to draw.
  EXPECT_THROW(grid_accuracy_png(summarize_jobs({sample_job(0, 800)})), Error);
}

}  // namespace
}  // namespace savant
