// The store (src/savant/store/): the writer of a run's set hashes what it writes, and a run
// written from memory reads back as the same run: the page drawn from memory is the page drawn
// from the files.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/core/checksum.hpp"
#include "savant/core/output_set.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/store/run_reader.hpp"
#include "savant/store/run_store.hpp"
#include "savant/store/set_writer.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

TEST(SetWriter, RecordsTheSizeAndSha256OfWhatItWrote) {
  TempDir dir;
  SetWriter files(dir.path());
  const std::string large(200'000, 'x');  // more than one read buffer of file_sha256
  std::thread other([&] { files.write("b.bin", large); });
  files.write("a.txt", "alpha\n");
  files.write("empty", "");
  other.join();
  const std::vector<std::string> names = {"empty", "missing", "b.bin", "a.txt"};
  const nlohmann::json manifest = files.manifest(names);
  ASSERT_EQ(manifest.size(), 3u);  // "missing" was never written
  const char* order[] = {"empty", "b.bin", "a.txt"};
  for (std::size_t i = 0; i < manifest.size(); ++i) {
    const fs::path file = dir.path() / order[i];
    EXPECT_EQ(manifest[i]["file"], order[i]);
    EXPECT_EQ(manifest[i]["bytes"].get<std::uintmax_t>(), fs::file_size(file)) << file;
    EXPECT_EQ(manifest[i]["sha256"], file_sha256(file)) << file;
  }
  // A file written again is recorded as last written.
  files.write("a.txt", "beta\n");
  EXPECT_EQ(files.manifest(names)[2]["sha256"], file_sha256(dir.path() / "a.txt"));
  EXPECT_EQ(files.manifest(names)[2]["sha256"], sha256_hex("beta\n"));
}

// The data script of a page (render_report), parsed.
nlohmann::json page_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"savant-data\">";
  const std::size_t begin = page.find(open);
  const std::size_t end = page.find("</script>", begin);
  if (begin == std::string::npos || end == std::string::npos) return nullptr;
  return nlohmann::json::parse(page.substr(begin + open.size(), end - begin - open.size()));
}

class StoredRunTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    data_ = dir_ / "data";
    testing::write_dataset(data_, testing::random_split(150, 12, 12, 10, 5),
                           testing::random_split(20, 12, 12, 10, 6), false);
    config_.data = data_;
    config_.grid = 4;
    config_.hidden = 8;
    config_.epochs = 1;
    config_.threads = GetParam();
  }
  TempDir dir_;
  fs::path data_;
  ExperimentConfig config_;
};

TEST_P(StoredRunTest, ManifestHashesAreTheFilesAndThePageIsTheOneReadBack) {
  ReproduceResult result = run_reproduce(config_);
  const fs::path out = dir_ / "run";
  {
    OutputSet set = open_run_directory(out, config_);
    commit_run(result, set);
  }
  const nlohmann::json results = testing::read_json_file(out / "results.json");
  EXPECT_EQ(results["run"]["id"], result.run_id);
  // Every file but results.json and report.html is listed, with its SHA-256 as on disk.
  std::vector<std::string> listed;
  for (const nlohmann::json& entry : results["manifest"]) {
    const fs::path file = out / entry["file"].get<std::string>();
    EXPECT_EQ(entry["sha256"], file_sha256(file)) << file;
    EXPECT_EQ(entry["bytes"].get<std::uintmax_t>(), fs::file_size(file)) << file;
    listed.push_back(entry["file"]);
  }
  std::vector<std::string> want = run_output_names(kDefaultFigureFormats);
  std::erase(want, "results.json");
  std::erase(want, "report.html");
  EXPECT_EQ(listed, want);

  // Read back, the run is the one in memory.
  const StoredRun stored = read_run(out);
  EXPECT_EQ(stored.networks[0].params, result.original.network.params);
  EXPECT_EQ(stored.networks[1].params, result.shuffled.network.params);
  EXPECT_EQ(stored.correlations[0].size(), result.original.correlation.size());
  EXPECT_EQ(stored.shown_original.pixels, result.shown_original.pixels);
  EXPECT_EQ(stored.shown_shuffled.pixels, result.shown_shuffled.pixels);
  EXPECT_EQ(stored.results.page, run_results_of(results).page);

  // The page written from memory shows what the page drawn from the files shows.
  const nlohmann::json written = page_data(testing::file_text(out / "report.html"));
  ASSERT_TRUE(written.is_object());
  EXPECT_EQ(written, report_data(run_page(stored)));
}

INSTANTIATE_TEST_SUITE_P(Threads, StoredRunTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace savant
