// Inputs made to hang savant, crash it or make it grow without bound: FIFOs and devices where a
// file is expected, JSON and TOML nested tens of thousands deep, images whose analysis would
// need gigabytes, gzip bombs, two spellings of one setting. Each runs the real program under a
// time and memory limit (support/bounded_run.hpp), so that a regression fails the test instead
// of hanging CTest or swapping the machine, and each must end at once with a message that says
// what is wrong.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "savant/data/idx.hpp"
#include "savant/formats/model_file.hpp"
#include "support/bounded_run.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

void make_fifo(const fs::path& path) {
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << path;
}

// Refused with exit code `code` (1 content savant cannot use, 5 over one of its limits) and
// killed and reported as such).
void expect_refused(const BoundedRun& run, int code, const std::string& message) {
  EXPECT_FALSE(run.timed_out) << describe(run);
  EXPECT_FALSE(run.over_memory) << describe(run);
  EXPECT_EQ(run.exit_code, code) << describe(run);
  EXPECT_NE(run.output.find("savant: error: "), std::string::npos) << describe(run);
  EXPECT_NE(run.output.find(message), std::string::npos) << "expected: " << message << "\n"
                                                         << describe(run);
}

// A multi-member gzip file (zlib reads the members as one stream): `head` and 16 MiB of zeros,
// then `members - 1` more members of 16 MiB of zeros each. 256 members inflate to 4 GiB from
// about 4 MB.
std::string gzip_bomb(const std::string& head, int members) {
  auto gzip = [](const std::string& bytes) {
    z_stream stream{};
    EXPECT_EQ(deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
  };
  const std::string zeros(16 << 20, '\0');
  std::string bomb = gzip(head + zeros);
  const std::string member = gzip(zeros);
  for (int m = 1; m < members; ++m) bomb += member;
  return bomb;
}

std::string idx_images_header(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  std::string header = {0, 0, 8, 3};
  for (std::uint32_t d : {count, rows, cols}) {
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<char>(d >> shift));
  }
  return header;
}

class HostileInputs : public ::testing::Test {
 protected:
  // An 8x8 data set and a run made from it by the real command.
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    write_dataset(data(), random_split(64, 8, 8, 10, 1), random_split(32, 8, 8, 10, 2), true);
    savant_ok(fmt::format("reproduce --data {} --out {} --grid 2 --hidden 8 --epochs 1 --threads 1",
                          data().string(), run().string()));
    write_text(*dir_ / "sweep.toml", "grid = 2\nhidden = 8\nepochs = 1\ntrain_on = \"original\"\n");
    savant_ok(fmt::format("sweep --data {} --db {} --config {}", data().string(), db().string(),
                          (*dir_ / "sweep.toml").string()));
  }
  static void TearDownTestSuite() { delete dir_; }

  static fs::path data() { return *dir_ / "data"; }
  static fs::path run() { return *dir_ / "run"; }
  static fs::path db() { return *dir_ / "sweep.sqlite"; }
  static fs::path sweep_file() { return *dir_ / "sweep.toml"; }

  // A copy of the run, to break.
  fs::path copy_of_run() {
    const fs::path copy = tmp_ / "run";
    fs::copy(run(), copy);
    return copy;
  }

  TempDir tmp_;
  static TempDir* dir_;
};

TempDir* HostileInputs::dir_ = nullptr;

TEST_F(HostileInputs, FifoAsSweepFileIsRefusedAtOnce) {
  make_fifo(tmp_ / "sweep.toml");
  expect_refused(
      run_savant_bounded({"sweep", "--config", (tmp_ / "sweep.toml").string(), "--data",
                          data().string(), "--db", (tmp_ / "s.sqlite").string(), "--dry-run"},
                         30),
      1,
      "sweep.toml' is a FIFO (named pipe); savant reads only regular files: expected a sweep file");
}

TEST_F(HostileInputs, DeviceAsSweepFileIsRefused) {
  expect_refused(run_savant_bounded({"sweep", "--config", "/dev/zero", "--data", data().string(),
                                     "--db", (tmp_ / "s.sqlite").string(), "--dry-run"},
                                    30, 512),
                 1, "'/dev/zero' is a character device; savant reads only regular files");
}

TEST_F(HostileInputs, OversizedSweepFileIsRefusedBeforeItIsRead) {
  // Valid TOML (a setting and 2 MiB of comment lines), but no sweep file is that large.
  std::string text = "grid = 2\n";
  while (text.size() < (2 << 20)) text += "# " + std::string(77, 'x') + "\n";
  text.resize(2 << 20);
  write_text(tmp_ / "big.toml", text);
  expect_refused(
      run_savant_bounded({"sweep", "--config", (tmp_ / "big.toml").string(), "--data",
                          data().string(), "--db", (tmp_ / "s.sqlite").string(), "--dry-run"}),
      5, "holds 2.0 MiB (2097152 bytes), more than the 1.0 MiB savant reads as a sweep file");
}

TEST_F(HostileInputs, FifoAsDatabaseIsRefusedAtOnce) {
  const std::string fifo = (tmp_ / "fifo.sqlite").string();
  make_fifo(fifo);
  const std::string html = (tmp_ / "page.html").string(), out = (tmp_ / "out.sqlite").string();
  const std::vector<std::vector<std::string>> commands = {
      {"summarize", "--db", fifo},
      {"report", "--db", fifo, "--out", html},
      {"merge", out, fifo},
      {"merge", fifo, db().string()},
      {"sweep", "--data", data().string(), "--db", fifo, "--config", sweep_file().string()},
      {"sweep", "--data", data().string(), "--db", fifo, "--config", sweep_file().string(),
       "--dry-run"},
  };
  for (const auto& args : commands) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(args, " ")));
    expect_refused(run_savant_bounded(args, 30), 1,
                   "fifo.sqlite' is a FIFO (named pipe); savant reads only regular files: expected "
                   "a savant sweep database");
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(html));
}

TEST_F(HostileInputs, DeviceAsDatabaseIsRefusedAndNothingIsMadeBesideIt) {
  // SQLite follows the link and would write /dev/null-journal beside the device.
  const bool journal_before = fs::exists("/dev/null-journal");
  const fs::path link = tmp_ / "null.sqlite";
  fs::create_symlink("/dev/null", link);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"sweep", "--data", data().string(), "--db",
                                              link.string(), "--config", sweep_file().string()},
                                             {"sweep", "--data", data().string(), "--db",
                                              "/dev/null", "--config", sweep_file().string()},
                                             {"merge", link.string(), db().string()},
                                             {"summarize", "--db", "/dev/null"}}) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(args, " ")));
    expect_refused(run_savant_bounded(args, 60), 1,
                   "is a character device; savant reads only regular files: expected a savant "
                   "sweep database");
  }
  if (!journal_before && fs::exists("/dev/null-journal")) {
    fs::remove("/dev/null-journal");
    ADD_FAILURE() << "/dev/null-journal was created";
  }
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(tmp_.path())) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(left, std::vector<std::string>{"null.sqlite"});
}

TEST_F(HostileInputs, FifoInADataSetIsRefusedAtOnce) {
  fs::copy(data(), tmp_ / "data");
  fs::remove(tmp_ / "data/t10k-labels-idx1-ubyte.gz");
  make_fifo(tmp_ / "data/t10k-labels-idx1-ubyte.gz");
  expect_refused(
      run_savant_bounded({"reproduce", "--data", (tmp_ / "data").string(), "--out",
                          (tmp_ / "out").string(), "--grid", "2", "--hidden", "8", "--epochs", "1"},
                         60),
      1,
      "t10k-labels-idx1-ubyte.gz' is a FIFO (named pipe); savant reads only regular "
      "files: expected an IDX file");
  EXPECT_FALSE(fs::exists(tmp_ / "out"));
}

TEST_F(HostileInputs, DeeplyNestedResultsJsonIsRefused) {
  // Arrays 100,000 deep in a field the report copies: a recursion per level overflowed the stack.
  const fs::path copy = copy_of_run();
  nlohmann::json results = read_json_file(copy / "results.json");
  results.erase("manifest");
  results["machine"]["nested"] = "DEEP";
  std::string text = results.dump();
  text.replace(text.find("\"DEEP\""), 6, std::string(100000, '[') + std::string(100000, ']'));
  write_text(copy / "results.json", text);
  expect_refused(run_savant_bounded({"report", copy.string(), "--out", (tmp_ / "r.html").string()}),
                 1, "results.json is nested deeper than 64 levels of arrays and objects");
  EXPECT_FALSE(fs::exists(tmp_ / "r.html"));
}

TEST_F(HostileInputs, ImagesTooLargeToAnalyseAreRefusedFromTheHeader) {
  // 40 blank images of 128 x 128, gzip: a few KB whose analysis would need gigabytes (R alone is
  // 2 GiB per model).
  const fs::path big = tmp_ / "big";
  fs::create_directories(big);
  for (const char* split : {"train", "t10k"}) {
    write_idx_images(big / fmt::format("{}-images-idx3-ubyte.gz", split),
                     ImageSet{40, 128, 128, std::vector<std::uint8_t>(40 * 128 * 128)});
    write_idx_labels(big / fmt::format("{}-labels-idx1-ubyte.gz", split),
                     std::vector<std::uint8_t>(40, 1));
  }
  const BoundedRun r = run_savant_bounded(
      {"reproduce", "--data", big.string(), "--out", (tmp_ / "out").string(), "--epochs", "1"});
  expect_refused(r, 5,
                 "images of 128x128 (16384 pixels) are larger than savant analyses: the weight "
                 "correlation R alone would need 2.0 GiB per model; savant takes at most 4096 "
                 "pixels per image");
  EXPECT_LT(r.peak_rss_mib, 256) << describe(r);
}

TEST_F(HostileInputs, GzipBombIsRefusedFromItsHeader) {
  // 4 MB that inflate to 4 GiB, under a header that claims 65536 images of 128 x 128 (1 GiB).
  fs::copy(data(), tmp_ / "data");
  write_text(tmp_ / "data/train-images-idx3-ubyte.gz",
             gzip_bomb(idx_images_header(65536, 128, 128), 256));
  const BoundedRun r = run_savant_bounded(
      {"reproduce", "--data", (tmp_ / "data").string(), "--out", (tmp_ / "out").string()});
  expect_refused(r, 5, "images of 128x128 (16384 pixels) are larger than savant analyses");
  EXPECT_LT(r.peak_rss_mib, 256) << describe(r);
}

TEST_F(HostileInputs, GzipBombIsInflatedOnlyAsFarAsItsHeaderSays) {
  // A header that fits the data set (64 images of 8 x 8) over 4 GiB of zeros: the reader stops
  // one byte past what the header declares.
  fs::copy(data(), tmp_ / "data");
  write_text(tmp_ / "data/train-images-idx3-ubyte.gz", gzip_bomb(idx_images_header(64, 8, 8), 256));
  const BoundedRun r = run_savant_bounded(
      {"reproduce", "--data", (tmp_ / "data").string(), "--out", (tmp_ / "out").string()});
  expect_refused(r, 1, "unexpected bytes after the payload");
  EXPECT_LT(r.peak_rss_mib, 256) << describe(r);
}

// A model of `inputs` inputs, 8 hidden units and 10 classes, without metadata.
void save_wide_model(const fs::path& path, std::size_t inputs) {
  save_model(path, Network(ParameterLayout({inputs, 8, 10})), {});
}

TEST_F(HostileInputs, ReportRefusesARunWhoseModelsDeclareHugeImages) {
  // results.json and both models agree on 160 x 160 images: R would be 4.9 GiB per model.
  const fs::path copy = copy_of_run();
  nlohmann::json results = read_json_file(copy / "results.json");
  results.erase("manifest");
  results["data"]["image_rows"] = 160;
  results["data"]["image_cols"] = 160;
  write_text(copy / "results.json", results.dump());
  save_wide_model(copy / "original_model.safetensors", 160 * 160);
  save_wide_model(copy / "shuffled_model.safetensors", 160 * 160);
  const BoundedRun r =
      run_savant_bounded({"report", copy.string(), "--out", (tmp_ / "r.html").string()});
  expect_refused(r, 5,
                 "images of 160x160 (25600 pixels) are larger than savant analyses: the weight "
                 "correlation R alone would need 4.9 GiB per model");
  EXPECT_LT(r.peak_rss_mib, 256) << describe(r);
}

TEST_F(HostileInputs, AnalyzeRefusesAModelOfHugeImages) {
  // A 1 MB model whose 25600 inputs are a 160 x 160 image.
  save_wide_model(tmp_ / "wide.safetensors", 160 * 160);
  const BoundedRun r =
      run_savant_bounded({"analyze", "--model", (tmp_ / "wide.safetensors").string(), "--out",
                          (tmp_ / "out").string()});
  expect_refused(r, 5,
                 "wide.safetensors: images of 25600 pixels are larger than savant analyses: the "
                 "weight correlation R alone would need 4.9 GiB per model");
  EXPECT_LT(r.peak_rss_mib, 256) << describe(r);
}

TEST_F(HostileInputs, DeeplyNestedSweepKeysAreRefused) {
  // x.x.x... = 1, 100,000 tables deep: toml++ limits arrays' nesting, not dotted keys'.
  std::string text = "x";
  for (int i = 0; i < 100000; ++i) text += ".x";
  write_text(tmp_ / "deep.toml", text + " = 1\n");
  expect_refused(
      run_savant_bounded({"sweep", "--config", (tmp_ / "deep.toml").string(), "--data",
                          data().string(), "--db", (tmp_ / "s.sqlite").string(), "--dry-run"}),
      2, "deep.toml: 100000 '.', '[' and '{' outside strings and comments, more than the 1024");
}

TEST_F(HostileInputs, OneSettingUnderTwoSpellingsIsRefused) {
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"train-on = \"original\"\ngrid = 2\ntrain_on = \"shuffled\"\n",
            "two.toml: 'train-on' (line 1) and 'train_on' (line 3) both set train_on"},
           {"learning_rate = 0.01\nlr = 0.1\n",
            "two.toml: 'learning_rate' (line 1) and 'lr' (line 2) both set learning_rate"}}) {
    write_text(tmp_ / "two.toml", text);
    expect_refused(
        run_savant_bounded({"sweep", "--config", (tmp_ / "two.toml").string(), "--data",
                            data().string(), "--db", (tmp_ / "s.sqlite").string(), "--dry-run"}),
        2, message);
  }
}

}  // namespace
}  // namespace savant::testing
