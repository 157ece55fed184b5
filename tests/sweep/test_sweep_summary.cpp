// What summarize and the sweep report make of a sweep's jobs: the filter language of --where
// (and what it refuses), the grouping of --by, 95% intervals of fractions kept in [0, 1], the
// per-epoch curves of the history table, and the two palettes of the report's charts.

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "savant/core/error.hpp"
#include "savant/sweep/filter.hpp"
#include "savant/sweep/report.hpp"
#include "savant/sweep/summary.hpp"

namespace savant {
namespace {

Evaluation counts(std::size_t correct, std::size_t total) {
  Evaluation e;
  e.correct = correct;
  e.total = total;
  return e;
}

StoredJob job(int grid, const char* regime, std::uint64_t seed, std::size_t correct) {
  StoredJob j;
  j.config.grid = grid;
  j.config.train_on = parse_regime(regime);
  j.config.seed = seed;
  j.config.data_digest = 0x1234;
  j.status = "done";
  j.result.original_test = counts(correct, 1000);
  j.result.shuffled_test = counts(300, 1000);
  j.result.signature = {0.25, 0.125, 0.125, 10, 20};
  j.result.history = {{1, 1.0 + 0.25 * static_cast<double>(seed), 0.5, 1.0, 0.9, 0.6, 1.5, 0.3},
                      {2, 0.5 + 0.25 * static_cast<double>(seed), 0.75, 1.0, 0.8, 0.7, 1.4, 0.35}};
  return j;
}

// Grids 2, 4 and 7, original and shuffled models, seeds 0 and 1.
std::vector<StoredJob> sweep() {
  std::vector<StoredJob> jobs;
  for (int grid : {2, 4, 7}) {
    for (const char* regime : {"original", "shuffled"}) {
      for (std::uint64_t seed : {0, 1}) jobs.push_back(job(grid, regime, seed, 800 + seed * 10));
    }
  }
  return jobs;
}

std::size_t matching(const std::string& filter) {
  return filter_jobs(sweep(), JobFilter(filter)).size();
}

TEST(SweepFilter, ComparesSettingsAsTheyParseTheirValues) {
  EXPECT_EQ(matching("grid=4"), 4u);
  EXPECT_EQ(matching("grid == 4"), 4u);
  EXPECT_EQ(matching("grid in (2,4)"), 8u);
  EXPECT_EQ(matching("grid not in (2, 4)"), 4u);
  EXPECT_EQ(matching("grid >= 4 and train_on = shuffled"), 4u);
  EXPECT_EQ(matching("grid < 4 or seed = 1"), 8u);
  EXPECT_EQ(matching("not (grid = 2 or grid = 7)"), 4u);
  EXPECT_EQ(matching("train-on != original AND seed=0"), 3u);
  EXPECT_EQ(matching("shuffle != none"), 12u);
  EXPECT_EQ(matching("shuffle = 'derange'"), 12u);
  // Values as the setting parses them: 0.0010 is the default learning rate 0.001.
  EXPECT_EQ(matching("learning_rate = 0.0010"), 12u);
  EXPECT_EQ(matching("lr = 1e-3"), 12u);
  EXPECT_EQ(matching("train_on in (mixed:0.5, fresh)"), 0u);
  EXPECT_EQ(filter_jobs(sweep(), JobFilter()).size(), 12u);
}

// Each of these is refused with an InvalidSetting for "where" whose message says `expected`.
TEST(SweepFilter, RefusesWhatItCannotReadAndSaysWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"gird = 4", "did you mean 'grid'?"},
      {"grid = four", "grid 'four'"},
      {"grid = 4; DROP TABLE runs", "unexpected ';' at column 9"},
      {"grid = 4 -- comment", "unexpected '--'"},
      {"grid = 4) or (1=1", "unexpected ')'"},
      {"shuffle > derange", "not a number"},
      {"grid in 2,4", "expected '('"},
      {"grid = 'x", "not closed"},
      {"grid ! 4", "must be followed by '='"},
      {"grid = 4 grid = 2", "join conditions with 'and' or 'or'"},
      {"grid = \x1b[2J", "byte 0x1b"},
      {std::string(100, '('), "nested deeper than"},
      {"grid = 4 and " + std::string(kMaxFilterLength, ' '), "longer than"},
  };
  for (const auto& [text, expected] : cases) {
    try {
      JobFilter filter(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InvalidSetting& e) {
      EXPECT_EQ(e.setting(), "where") << text;
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
          << text << " -> " << e.what();
      // A message never carries a control character to the terminal.
      for (char c : std::string(e.what())) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << text;
    }
  }
}

TEST(SweepGrouping, GroupsByTheNamedSettingsInTheirOrder) {
  EXPECT_EQ(parse_grouping("grid"), std::vector<std::string>{"grid"});
  EXPECT_EQ(parse_grouping("train-on, grid"), (std::vector<std::string>{"train_on", "grid"}));
  const std::vector<StatsEntry> entries = summarize_jobs(sweep(), {"train_on"});
  ASSERT_EQ(entries.size(), 4u);         // two models, two test sets
  EXPECT_EQ(entries[0].accuracy.n, 6u);  // three grids, two seeds each
  EXPECT_EQ(group_values(entries[0]),
            (std::vector<std::pair<std::string, std::string>>{{"train_on", "original"}}));
  EXPECT_EQ(group_values(entries[2]),
            (std::vector<std::pair<std::string, std::string>>{{"train_on", "shuffled"}}));
  const nlohmann::json json = summary_json(entries);
  EXPECT_EQ(json[0]["config"], (nlohmann::json{{"train_on", "original"}}));
  EXPECT_EQ(summary_csv(entries).rfind("train_on,test,seeds,", 0), 0u) << summary_csv(entries);
  // By default: every configuration on its own.
  EXPECT_EQ(summarize_jobs(sweep()).size(), 12u);
  for (const char* bad : {"gird", "grid,grid", "grid,,shuffle", "grid;x"}) {
    EXPECT_THROW(parse_grouping(bad), InvalidSetting) << bad;
  }
  try {
    parse_grouping("grid,shufle");
    ADD_FAILURE();
  } catch (const InvalidSetting& e) {
    EXPECT_EQ(e.setting(), "by");
    EXPECT_NE(std::string(e.what()).find("did you mean 'shuffle'?"), std::string::npos) << e.what();
  }
}

// With two seeds t(0.975, 1) = 12.7: 80% and 99% give an interval from about -1.2 to 2.0.
TEST(SweepSummary, IntervalsOfFractionsStayWithinZeroAndOne) {
  StoredJob second = job(2, "original", 1, 990);
  second.result.signature.contrast = -0.125;  // a difference of correlations: not clipped
  const std::vector<StatsEntry> entries = summarize_jobs({job(2, "original", 0, 800), second});
  const Summary& a = entries[0].accuracy;
  EXPECT_EQ(a.n, 2u);
  EXPECT_DOUBLE_EQ(a.mean, 0.895);
  EXPECT_EQ(a.ci95_low, 0.0);
  EXPECT_EQ(a.ci95_high, 1.0);
  EXPECT_LT(entries[0].contrast.ci95_low, -1.0);
  const nlohmann::json json = summary_json(entries);
  EXPECT_EQ(json[0]["ci95_low"], 0.0);
  EXPECT_EQ(json[0]["ci95_high"], 1.0);
  const std::string csv = summary_csv(entries);
  EXPECT_NE(csv.find(",2,89.5,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",0,100,"), std::string::npos) << csv;
  // The report's bands too.
  const auto specs = sweep_report_specs({job(2, "original", 0, 800), job(2, "original", 1, 990)});
  for (const auto& row : specs[0]["data"]["values"]) {
    EXPECT_GE(row["accuracy_low"].get<double>(), 0.0);
    EXPECT_LE(row["accuracy_high"].get<double>(), 1.0);
  }
}

TEST(SweepReport, DrawsTheTrainingCurvesOfTheHistoryTable) {
  const std::vector<EpochStats> epochs = summarize_epochs(sweep());
  ASSERT_EQ(epochs.size(), 6u * 2u);  // six configurations, two epochs each
  ASSERT_EQ(epochs[0].series.size(), epoch_series().size());
  EXPECT_EQ(epochs[0].epoch, 1u);
  EXPECT_EQ(epochs[0].series[0].n, 2u);
  EXPECT_DOUBLE_EQ(epochs[0].series[0].mean, 1.125);  // losses 1.0 and 1.25
  EXPECT_DOUBLE_EQ(epochs[1].series[0].mean, 0.625);
  EXPECT_GE(epochs[0].series[0].ci95_low, 0.0);  // a loss never below 0
  const auto specs = sweep_report_specs(sweep());
  std::set<std::string> titles;
  for (const auto& spec : specs) titles.insert(spec["title"].get<std::string>());
  for (const EpochSeries& series : epoch_series()) {
    bool drawn = false;
    for (const auto& spec : specs) {
      // value() with a pointer: a const json's operator[] on a missing key is undefined.
      const nlohmann::json::json_pointer y_field("/spec/layer/1/encoding/y/field");
      if (spec.value(y_field, std::string()) == series.field) {
        drawn = true;
        EXPECT_EQ(spec["usermeta"]["panels"], 3);  // a panel per grid
        EXPECT_EQ(spec["data"]["values"].size(), 12u);
      }
    }
    EXPECT_TRUE(drawn) << series.field;
  }
  EXPECT_TRUE(titles.contains("Training loss per epoch"));
  EXPECT_TRUE(titles.contains("Accuracy on the shuffled test images per epoch"));
}

// A series that no job measured (the test curves skipped, or a database older than them) is
// not drawn as an empty chart.
TEST(SweepReport, LeavesOutCurvesNoJobMeasured) {
  std::vector<StoredJob> jobs = sweep();
  const std::size_t all = sweep_report_specs(jobs).size();
  for (StoredJob& job : jobs) {
    for (EpochRecord& e : job.result.history) {
      e.original_test_accuracy = e.shuffled_test_accuracy = std::nan("");
    }
  }
  EXPECT_EQ(sweep_report_specs(jobs).size(), all - 2);
}

// Models are Okabe-Ito (the original one blue, the shuffled one orange); grid sizes take
// another palette, without that blue or that orange.
TEST(SweepReport, ModelsAndGridsHaveColoursOfTheirOwn) {
  std::vector<StoredJob> jobs = sweep();
  for (std::uint64_t seed : {0, 1}) jobs.push_back(job(2, "mixed:0.5", seed, 700));
  std::set<std::string> model_colours, grid_colours;
  for (const auto& spec : sweep_report_specs(jobs)) {
    const auto& layer = spec.contains("spec") ? spec["spec"]["layer"] : spec["layer"];
    const auto& colour = layer[1]["encoding"]["color"];
    for (const auto& c : colour["scale"]["range"]) {
      (colour["field"] == "model" ? model_colours : grid_colours).insert(c.get<std::string>());
    }
  }
  EXPECT_TRUE(model_colours.contains("#0072b2"));
  EXPECT_TRUE(model_colours.contains("#e69f00"));
  ASSERT_FALSE(grid_colours.empty()) << "no chart coloured by grid (the mixing-P chart)";
  for (const std::string& c : grid_colours) EXPECT_FALSE(model_colours.contains(c)) << c;
}

}  // namespace
}  // namespace savant
