// A sweep over the model setting (issue 23): every architecture's jobs run, resume and give the
// same numbers on any thread count or over MPI; the measures that need a dense first layer are
// NULL for the cnn, local and mixer models, the puzzle invariance and cka_original are not; and
// the mixer's original model is trained per grid (its tokens are the grid's blocks).

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "savant/formats/arch_model_file.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/driver.hpp"
#include "savant/sweep/report.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

testing::CommandResult savant(const std::string& args) {
  return testing::run_command(testing::savant_binary() + " " + args);
}

std::vector<StoredJob> read_jobs(const std::filesystem::path& db) {
  return SweepDb(db, SweepDb::Mode::kReadOnly).read_all();
}

std::map<std::string, StoredJob> by_key(const std::vector<StoredJob>& jobs) {
  std::map<std::string, StoredJob> out;
  for (const StoredJob& j : jobs) out.emplace(job_key(j.config), j);
  return out;
}

// Every job of `expected` is in `actual` with the same numbers.
void expect_contains(const std::vector<StoredJob>& actual, const std::vector<StoredJob>& expected) {
  const auto keyed = by_key(actual);
  for (const StoredJob& j : expected) {
    auto it = keyed.find(job_key(j.config));
    ASSERT_NE(it, keyed.end()) << "missing: " << job_key(j.config);
    EXPECT_TRUE(same_results(it->second, j)) << "differs: " << job_key(j.config);
  }
}

class SweepModels : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_ / "data";
    // 28 x 28 images, so that grids 4 and 7 divide them; few, so that each job takes a moment.
    testing::write_dataset(data_, testing::random_split(400, 28, 28, 10, 1),
                           testing::random_split(120, 28, 28, 10, 2), false);
  }
  std::string args(int seeds) const {
    return fmt::format(
        "sweep --data {} --model mlp,cnn,local,mixer --grid 4,7 --train-on original,shuffled "
        "--epochs 1 --batch 50 --seeds {}",
        data_.string(), seeds);
  }
  TempDir dir_;
  std::filesystem::path data_;
};

TEST_F(SweepModels, EveryModelRunsAndResumesWithTheSameNumbers) {
  const auto db = dir_ / "sweep.sqlite";
  auto r = savant(args(1) + " --threads 2 --keep-models --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<StoredJob> first = read_jobs(db);
  ASSERT_EQ(first.size(), 16u);  // 4 models x 2 grids x 2 regimes
  for (const StoredJob& j : first) {
    const std::string key = job_key(j.config);
    ASSERT_EQ(j.status, "done") << key << ": " << j.error;
    const JobResult& x = j.result;
    EXPECT_EQ(x.original_test.total, 120u) << key;
    EXPECT_FALSE(x.history.empty()) << key;
    // Every model has a puzzle invariance and a CKA against its original model; an original
    // job is its own original model.
    EXPECT_GE(x.units.invariance, 0.0) << key;
    EXPECT_LE(x.units.invariance, 1.0) << key;
    EXPECT_GE(x.units.invariance_accuracy, 0.0) << key;
    EXPECT_TRUE(std::isfinite(x.units.cka_original)) << key;
    if (j.config.train_on.kind == RegimeKind::kOriginal) {
      EXPECT_NEAR(x.units.cka_original, 1.0, 1e-5) << key;
    }
    const bool dense = j.config.model == Architecture::mlp;
    // The pixel correlations and the first layer's units are an mlp's alone: NULL otherwise.
    EXPECT_EQ(std::isfinite(x.signature.contrast), dense) << key;
    EXPECT_EQ(std::isfinite(x.units.specialisation), dense) << key;
    EXPECT_EQ(std::isfinite(x.units.lesion_spread), dense) << key;
  }

  // The kept models: a mixer's tokens are its grid's blocks, so its original model is one per
  // grid; a cnn's serves both grids (and the two original jobs hold the same model).
  const auto models = models_directory(db);
  for (const StoredJob& j : first) {
    if (j.config.model == Architecture::mlp) continue;
    const ArchModelFile file = load_arch_model(kept_model_path(db, j.config));
    EXPECT_EQ(file.network.layout.arch, j.config.model);
    if (j.config.model == Architecture::mixer) {
      EXPECT_EQ(file.network.layout.grid, static_cast<std::size_t>(j.config.grid));
    }
  }
  const auto original_of = [&](Architecture model, int grid) {
    for (const StoredJob& j : first) {
      if (j.config.model == model && j.config.grid == grid &&
          j.config.train_on.kind == RegimeKind::kOriginal) {
        return load_arch_model(kept_model_path(db, j.config)).network.params;
      }
    }
    return std::vector<float>{};
  };
  EXPECT_EQ(original_of(Architecture::cnn, 4), original_of(Architecture::cnn, 7));
  EXPECT_NE(original_of(Architecture::mixer, 4).size(), original_of(Architecture::mixer, 7).size());

  // Resumed with a second seed: the first seed's 16 jobs are not run again.
  r = savant(args(2) + " --threads 2 --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("16 already done"), std::string::npos) << r.output;
  const std::vector<StoredJob> resumed = read_jobs(db);
  ASSERT_EQ(resumed.size(), 32u);
  expect_contains(resumed, first);

  // In one go on one thread: the same numbers as the resumed sweep on two.
  const auto one = dir_ / "one.sqlite";
  r = savant(args(2) + " --threads 1 --db " + one.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_contains(read_jobs(one), resumed);

#ifdef SAVANT_MPIEXEC
  // Rank 0 writes, rank 1 trains: the same numbers (NULL measures included) as one process.
  // Leak detection off for this run alone, as tests/sweep/test_sweep_cli.cpp says why.
  r = testing::run_command(fmt::format(
      "LSAN_OPTIONS=detect_leaks=0 {} --allow-run-as-root --oversubscribe -np 2 {} {} --db {}",
      SAVANT_MPIEXEC, testing::savant_binary(), args(1), (dir_ / "mpi.sqlite").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_contains(read_jobs(dir_ / "mpi.sqlite"), first);
#endif

  // The summary keys each configuration by its model; the NULL measures stay null.
  r = savant("summarize --json --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto summary = nlohmann::json::parse(r.output);
  ASSERT_EQ(summary.size(), 32u);  // 16 configurations x 2 test sets
  std::map<std::string, int> rows_per_model;
  for (const auto& row : summary) {
    const std::string model = row.at("config").at("model").get<std::string>();
    ++rows_per_model[model];
    EXPECT_EQ(row.at("n"), 2);
    EXPECT_EQ(row.at("units").at("invariance").at("n"), 2) << model;
    EXPECT_EQ(row.at("signature").at("contrast").at("n"), model == "mlp" ? 2 : 0) << model;
  }
  EXPECT_EQ(rows_per_model,
            (std::map<std::string, int>{{"cnn", 8}, {"local", 8}, {"mixer", 8}, {"mlp", 8}}));

  // The sweep's page colours the accuracy chart by model, and its PNG draws a line per model
  // and regime (sweep/plot.cpp).
  const std::vector<nlohmann::json> specs = sweep_report_specs(resumed);
  ASSERT_FALSE(specs.empty());
  EXPECT_NE(specs[0].dump().find(R"("field":"architecture")"), std::string::npos);
  r = savant(fmt::format("report --db {} --out {} --png {}", db.string(),
                         (dir_ / "report.html").string(), (dir_ / "chart.png").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(std::filesystem::file_size(dir_ / "chart.png"), 1000u);
}

TEST_F(SweepModels, CombinationsAModelCannotTrainAreRefusedBeforeAnyWork) {
  const auto db = dir_ / "refused.sqlite";
  auto r = savant(fmt::format(
      "sweep --data {} --model cnn,mixer --grid 1,4 --shuffle permute --epochs 1 --db {}",
      data_.string(), db.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the mixer's tokens are the grid's blocks"), std::string::npos)
      << r.output;
  r = savant(fmt::format("sweep --data {} --model mlp,local --train-on original,fresh --db {}",
                         data_.string(), db.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("only the mlp model takes, not the local model"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(db));
}

}  // namespace
}  // namespace savant
