#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/report/page_encoding.hpp"
#include "savant/store/run_reader.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;
using testing::run_command;
using testing::savant_binary;
using testing::TempDir;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Base64, MatchesRfc4648TestVectors) {
  auto encode = [](std::string_view s) {
    return base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
  };
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg==");
  EXPECT_EQ(encode("fo"), "Zm8=");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foob"), "Zm9vYg==");
  EXPECT_EQ(encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
  const std::vector<std::uint8_t> high = {0xff, 0xfe, 0x00};
  EXPECT_EQ(base64_encode(high), "//4A");
}

TEST(QuantiseUpperTriangle, PacksRowByRowWithNaNMarked) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // R (3, 3); only the upper triangle with the diagonal is kept.
  const std::vector<double> R = {1.0,  -1.0, 0.0,  //
                                 -1.0, nan,  0.5,  //
                                 0.0,  0.5,  1.0};
  const std::vector<std::uint8_t> q = quantise_upper_triangle(R, 3);
  const std::vector<std::uint8_t> want = {254, 0, 127, kQuantisedNaN, 191, 254};
  EXPECT_EQ(q, want);
  // The page decodes b / 127 - 1: within half a step of the value.
  EXPECT_NEAR(q[4] / 127.0 - 1.0, 0.5, 0.5 / 127.0);
}

TEST(QuantiseUpperTriangle, RoundsHalvesAwayFromZeroAsLround) {
  // x = (r + 1) * 127 for each r, then the byte lround(x) gives, for every r on a fine grid
  // and at the halves' neighbours.
  std::vector<double> values;
  for (int k = -2540; k <= 2540; ++k) values.push_back(k / 2540.0);
  for (int b = 0; b < 254; ++b) {
    const double half = (b + 0.5) / 127.0 - 1.0;
    values.push_back(std::nextafter(half, -2.0));
    values.push_back(half);
    values.push_back(std::nextafter(half, 2.0));
  }
  for (double r : values) {
    const std::vector<double> R = {r};
    const std::uint8_t want =
        static_cast<std::uint8_t>(std::lround((std::clamp(r, -1.0, 1.0) + 1.0) * 127.0));
    EXPECT_EQ(quantise_upper_triangle(R, 1)[0], want) << r;
  }
}

TEST(EscapeEndTag, EscapesTheTagInAnyCaseAndNothingElse) {
  EXPECT_EQ(escape_end_tag("a</script>b</SCRIPT>", "script"), "a<\\/script>b<\\/SCRIPT>");
  EXPECT_EQ(escape_end_tag("</scrip", "script"), "</scrip");  // too short to be the tag
  EXPECT_EQ(escape_end_tag("</script", "script"), "<\\/script");
  EXPECT_EQ(escape_end_tag("x</style></scriptx", "style"), "x<\\/style></scriptx");
  EXPECT_EQ(escape_end_tag("<</script", "script"), "<<\\/script");
  EXPECT_EQ(escape_end_tag("", "script"), "");
}

TEST(RenderReport, DataCannotCloseItsScriptElement) {
  const std::string page = render_report({{"note", "</script><script>alert(1)</script><!--"}});
  EXPECT_EQ(page.find("</script><script>alert(1)"), std::string::npos);
  EXPECT_NE(page.find(R"(\u003c/script>\u003cscript>alert(1))"), std::string::npos);
}

// One small real run (random images, so it is fast) shared by the tests below.
class ReportRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    const fs::path data = dir_->path() / "data";
    testing::write_dataset(data, testing::random_split(300, 28, 28, 10, 1),
                           testing::random_split(40, 28, 28, 10, 2), true);
    const auto r = run_command(savant_binary() + " reproduce --epochs 1 --threads 1 --data " +
                               data.string() + " --out " + run_dir().string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    run_output_ = r.output;
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static fs::path run_dir() { return dir_->path() / "run"; }

  // A copy of the run without its report, for a test to damage.
  static fs::path copy_of_run(const TempDir& into) {
    const fs::path copy = into.path() / "run";
    fs::copy(run_dir(), copy, fs::copy_options::recursive);
    fs::remove(copy / "report.html");
    return copy;
  }

  // Exit 1: what the run holds cannot be used; 4: the system refused (a file is not there).
  static void expect_report_fails(const fs::path& run, const std::string& message_part,
                                  int exit_code = 1) {
    const auto r = run_command(savant_binary() + " report " + run.string());
    EXPECT_EQ(r.exit_code, exit_code) << r.output;
    EXPECT_NE(r.output.find(message_part), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(run / "report.html"));
    for (const auto& entry : fs::directory_iterator(run)) {
      EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
          << "left behind: " << entry.path();
    }
  }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::string run_output_;
};

TEST_F(ReportRun, ReproduceWritesTheReportAndPrintsItsPath) {
  const fs::path report = run_dir() / "report.html";
  ASSERT_TRUE(fs::exists(report));
  EXPECT_NE(run_output_.find(report.string()), std::string::npos) << run_output_;
}

TEST_F(ReportRun, PageIsSelfContained) {
  TempDir out;
  const fs::path page_path = out.path() / "sub" / "page.html";
  fs::create_directories(page_path.parent_path());
  const auto r = run_command(savant_binary() + " report " + run_dir().string() + " --out " +
                             page_path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string page = read_text(page_path);
  EXPECT_LT(page.size(), std::size_t{5} << 20);
  // Nothing is loaded from elsewhere: no external scripts, styles or images.
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  EXPECT_EQ(page.find("<link rel=\"stylesheet\""), std::string::npos);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.find("<!-- savant:"), std::string::npos) << "a placeholder was not filled";
  EXPECT_NE(page.find("vegaEmbed"), std::string::npos);
}

TEST_F(ReportRun, DataHoldsEverySection) {
  const nlohmann::json data = report_data(run_dir());
  for (const char* key : {"accuracy", "article", "history", "epochs_to_fit", "confusion",
                          "grid_signature", "timing_seconds", "config", "machine", "adjacent",
                          "pairs", "correlation", "gallery", "units", "hidden_units"}) {
    EXPECT_TRUE(data.contains(key)) << key;
  }
  // The training chart's test curves: each epoch's loss and accuracy on both test sets.
  for (const char* m : {"original_model", "shuffled_model"}) {
    for (const char* curve : {"original_test_loss", "original_test_accuracy", "shuffled_test_loss",
                              "shuffled_test_accuracy"}) {
      EXPECT_TRUE(data["history"][m].back()[curve].is_number()) << m << " " << curve;
    }
  }
  // Each unit's receptive field, one byte a weight (base64), and its outgoing weights.
  for (const char* m : {"original_model", "shuffled_model"}) {
    EXPECT_EQ(data["hidden_units"][m]["weights"].get<std::string>().size(),
              (128 * 784 + 2) / 3 * 4);
    EXPECT_EQ(data["hidden_units"][m]["order"].size(), 128u);
    EXPECT_EQ(data["hidden_units"][m]["outgoing"].size(), 128u);
  }
  // 784 pixels: 784 * 785 / 2 bytes of upper triangle, base64 (4 characters per 3 bytes).
  EXPECT_EQ(data["correlation"]["original_model"].get<std::string>().size(),
            (784 * 785 / 2 + 2) / 3 * 4);
  EXPECT_EQ(data["adjacent"]["shuffled_model"].size(), 784u);
  ASSERT_EQ(data["gallery"].size(), kReportGalleryImages);
  const nlohmann::json& sample = data["gallery"][0];
  EXPECT_EQ(sample["original"].get<std::string>().size(), (784 + 2) / 3 * 4);
  EXPECT_NE(sample["original"], sample["shuffled"]);
  for (const char* m : {"original_model", "shuffled_model"}) {
    for (const char* v : {"original", "shuffled"}) {
      EXPECT_LT(sample["predictions"][m][v]["label"].get<int>(), 10);
      EXPECT_GT(sample["predictions"][m][v]["confidence"].get<double>(), 0.0);
    }
  }
}

// "The run" shows the run's own machine, start and command line from results.json.
TEST_F(ReportRun, DataShowsTheRunsOwnMachineAndCommandLine) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  nlohmann::json j = nlohmann::json::parse(read_text(run / "results.json"));
  j["machine"] = {
      {"host", "cluster-node-7"}, {"cpu", "a CPU of the run"}, {"hardware_threads", 96}};
  j["run"]["started"] = "2001-02-03T04:05:06Z";
  write_text(run / "results.json", j.dump());
  const nlohmann::json data = report_data(run);
  EXPECT_EQ(data["machine"]["host"], "cluster-node-7");
  EXPECT_EQ(data["machine"]["hardware_threads"], 96);
  EXPECT_NE(data["machine"]["source"].get<std::string>().find("run's machine"), std::string::npos);
  EXPECT_EQ(data["run"]["started"], "2001-02-03T04:05:06Z");
  EXPECT_EQ(data["run"]["command_line"][1], "reproduce");
  EXPECT_EQ(data["config"]["engine"], j["config"]["engine"]);
  // The page labels them and orders the timings as the pipeline runs, total last.
  const std::string page = read_text(run_dir() / "report.html");
  for (const char* label : {"'hardware threads'", "'training images used'", "'started (UTC)'",
                            "'command line'", "'training engine'", "'host'"}) {
    EXPECT_NE(page.find(label), std::string::npos) << label;
  }
  EXPECT_NE(page.find("'analyze', 'units', 'write', 'total'"), std::string::npos);
}

TEST_F(ReportRun, ResultsWithoutMachineOrRunAreRead) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  nlohmann::json j = nlohmann::json::parse(read_text(run / "results.json"));
  j.erase("machine");
  j.erase("run");
  write_text(run / "results.json", j.dump());
  const nlohmann::json data = report_data(run);
  EXPECT_FALSE(data.contains("run"));
  EXPECT_NE(data["machine"]["source"].get<std::string>().find("made this report"),
            std::string::npos);
}

TEST_F(ReportRun, DamagedCommandLineNamesTheKey) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  nlohmann::json j = nlohmann::json::parse(read_text(run / "results.json"));
  j["run"]["command_line"][1] = 7;
  write_text(run / "results.json", j.dump());
  expect_report_fails(run, "'/run/command_line/1'");
}

TEST_F(ReportRun, GalleryIsShuffledAsTheRunShuffledTheTestSet) {
  const nlohmann::json data = report_data(run_dir());
  const Dataset dataset = load_dataset(data["config"]["data"].get<std::string>());
  const ImageSet shuffled =
      shuffle_images(dataset.test.images, 4, ShuffleMode::kDerange, 0, Stream::kShuffleTest, 1);
  for (const nlohmann::json& sample : data["gallery"]) {
    const std::size_t k = sample["index"];
    const auto original = dataset.test.images.image(k);
    const auto want = shuffled.image(k);
    EXPECT_EQ(sample["original"], base64_encode(original)) << k;
    EXPECT_EQ(sample["shuffled"], base64_encode(want)) << k;
    EXPECT_EQ(sample["label"], dataset.test.labels[k]) << k;
  }
}

TEST_F(ReportRun, MissingResultsJsonIsAClearError) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  fs::remove(run / "results.json");
  expect_report_fails(run, "results.json not found", 4);
}

TEST_F(ReportRun, MalformedResultsJsonIsAClearError) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  const std::string text = read_text(run / "results.json");
  write_text(run / "results.json", text.substr(0, text.size() / 2));
  expect_report_fails(run, "is not valid JSON");
}

TEST_F(ReportRun, WrongTypeNamesTheKey) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  nlohmann::json j = nlohmann::json::parse(read_text(run / "results.json"));
  j["accuracy"]["shuffled_model"]["original_test"] = "high";
  write_text(run / "results.json", j.dump());
  expect_report_fails(run, "'/accuracy/shuffled_model/original_test' is of type string");
}

TEST_F(ReportRun, MissingKeyNamesTheKey) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  nlohmann::json j = nlohmann::json::parse(read_text(run / "results.json"));
  j["history"].erase("original_model");
  write_text(run / "results.json", j.dump());
  expect_report_fails(run, "'/history/original_model' is missing");
}

TEST_F(ReportRun, ResultsOfEarlierVersionsWithoutUnitsAreRead) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  nlohmann::json j = nlohmann::json::parse(read_text(run / "results.json"));
  ASSERT_TRUE(j.contains("units"));
  j.erase("units");
  j["timing_seconds"].erase("units");
  write_text(run / "results.json", j.dump());
  const auto r = run_command(savant_binary() + " report " + run.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json data = report_data(run);
  EXPECT_FALSE(data.contains("units"));
  EXPECT_FALSE(data.contains("hidden_units"));
}

TEST_F(ReportRun, DamagedUnitsNameTheKey) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  const nlohmann::json good = nlohmann::json::parse(read_text(run / "results.json"));
  nlohmann::json j = good;
  j["units"]["shuffled_model"]["specialisation"]["change"]["owned"][1] = {1, 2};
  write_text(run / "results.json", j.dump());
  expect_report_fails(run, "'/units/shuffled_model/specialisation/change/owned/1' has 2 entries");
  j = good;
  j["units"]["comparison"]["shuffled_test"].erase("cka");
  write_text(run / "results.json", j.dump());
  expect_report_fails(run, "'/units/comparison/shuffled_test/cka' is missing");
  j = good;
  j["units"]["original_model"]["border_discontinuity"]["trained"] = "smooth";
  write_text(run / "results.json", j.dump());
  expect_report_fails(run,
                      "'/units/original_model/border_discontinuity/trained' is of type string");
}

TEST_F(ReportRun, MissingDataSetSaysWhere) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  nlohmann::json j = nlohmann::json::parse(read_text(run / "results.json"));
  j["config"]["data"] = (tmp.path() / "no-such-data").string();
  write_text(run / "results.json", j.dump());
  expect_report_fails(run, "no-such-data", 4);
}

TEST_F(ReportRun, DataOptionOverridesConfigData) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  nlohmann::json j = nlohmann::json::parse(read_text(run / "results.json"));
  const std::string data = j["config"]["data"];
  j["config"]["data"] = (tmp.path() / "moved-away").string();
  write_text(run / "results.json", j.dump());
  const auto r = run_command(savant_binary() + " report " + run.string() + " --data " + data);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(run / "report.html"));
}

TEST_F(ReportRun, MissingModelFileIsAnError) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  fs::remove(run / "shuffled_model.safetensors");
  expect_report_fails(run, "shuffled_model.safetensors");
}

TEST_F(ReportRun, FailureLeavesAnExistingReportAlone) {
  TempDir tmp;
  const fs::path run = copy_of_run(tmp);
  write_text(run / "report.html", "previous");
  write_text(run / "results.json", "{");
  const auto r = run_command(savant_binary() + " report " + run.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(read_text(run / "report.html"), "previous");
}

TEST(ReportCommand, RunDirThatIsNoDirectory) {
  TempDir tmp;
  const auto r = run_command(savant_binary() + " report " + (tmp.path() / "nothing").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("is not a directory"), std::string::npos) << r.output;
}

TEST(ReportCommand, NoRunDirIsAUsageError) {
  const auto r = run_command(savant_binary() + " report");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace savant
