// Replays the fuzz harnesses' seed corpora and every input that once crashed a reader
// (fuzz/regressions/<harness>/) through the harnesses' own code, so that the ordinary and
// the sanitizer test suites keep every fuzzing find fixed. Also: a header that claims huge
// dimensions is refused without allocating what it claims.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "savant/core/error.hpp"
#include "savant/data/idx.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/results_schema.hpp"
#include "savant/formats/model_file.hpp"
#include "savant/formats/safetensors.hpp"
#include "savant/sweep/sweep.hpp"
#include "support/test_support.hpp"
#include "targets.hpp"

namespace savant::testing {
namespace {

const std::filesystem::path kFuzzDir = SAVANT_FUZZ_DIR;

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs every file of fuzz/corpus/<harness>/ and fuzz/regressions/<harness>/; returns how many.
std::size_t replay(const std::string& harness,
                   const std::function<void(std::span<const std::uint8_t>)>& target) {
  std::size_t count = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const auto dir = kFuzzDir / kind / harness;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      SCOPED_TRACE(entry.path().string());
      const std::string bytes = read_all(entry.path());
      target({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
      ++count;
    }
  }
  return count;
}

TEST(FuzzRegressions, IdxCorpusAndCrashes) {
  EXPECT_GT(replay("idx", fuzz::idx_file), 0u);
}

TEST(FuzzRegressions, IdxGzipCorpusAndCrashes) {
  EXPECT_GT(replay("idx_gzip", fuzz::idx_gzip_file), 0u);
}

TEST(FuzzRegressions, SafetensorsCorpusAndCrashes) {
  EXPECT_GT(replay("safetensors", fuzz::safetensors_file), 0u);
}

TEST(FuzzRegressions, ModelCorpusAndCrashes) {
  EXPECT_GT(replay("model", fuzz::model_file), 0u);
}

TEST(FuzzRegressions, ResultsJsonCorpusAndCrashes) {
  EXPECT_GT(replay("results_json", fuzz::results_json_text), 0u);
}

TEST(FuzzRegressions, SweepTomlCorpusAndCrashes) {
  EXPECT_GT(replay("sweep_toml", fuzz::sweep_toml_text), 0u);
}

// The seeds the fuzzer starts from reach past the readers' first checks: they are accepted.
TEST(FuzzRegressions, ResultsJsonSeedIsAccepted) {
  const RunResults run =
      parse_results_json(read_all(kFuzzDir / "corpus/results_json/run-8x8-grid2.json"), "seed");
  EXPECT_EQ(run.rows * run.cols, 64u);
  EXPECT_EQ(run.grid, 2);
  EXPECT_TRUE(parse_results_json(
                  read_all(kFuzzDir / "corpus/results_json/fixed-grid4-machine.json"), "seed")
                  .machine.is_object());
}

// The nesting seeds sit on both sides of the depth limit, so that the fuzzer starts at it.
TEST(FuzzRegressions, ResultsJsonNestingSeedsMeetTheLimit) {
  const auto corpus = kFuzzDir / "corpus/results_json";
  EXPECT_EQ(parse_results_json(read_all(corpus / "nested-at-the-limit.json"), "seed")
                .machine["nested"]
                .size(),
            1u);
  for (const char* seed : {"nested-one-level-over.json", "nested-1000-deep.json"}) {
    try {
      (void)parse_results_json(read_all(corpus / seed), "seed");
      ADD_FAILURE() << seed << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("seed is nested deeper than 64 levels"),
                std::string::npos)
          << e.what();
    }
  }
}

// Every model seed is a model, and all but one have no savant metadata (files of other tools).
TEST(FuzzRegressions, ModelSeedsAreModelsMostWithoutMetadata) {
  std::size_t with_metadata = 0, count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kFuzzDir / "corpus/model")) {
    SCOPED_TRACE(entry.path().string());
    const ModelFile file =
        network_from_tensors(decode_safetensors(read_all(entry.path()), "seed"), "seed");
    with_metadata += provenance_from_metadata(file.metadata, "seed").has_value();
    ++count;
  }
  EXPECT_GE(count, 10u);
  EXPECT_EQ(with_metadata, 1u);
}

TEST(FuzzRegressions, SweepTomlSeedIsAccepted) {
  SweepSpec spec;
  std::filesystem::path db;
  parse_sweep_text(read_all(kFuzzDir / "corpus/sweep_toml/full.toml"), "seed", spec, &db);
  validate(spec);
  EXPECT_EQ(db, "sweep.sqlite");
  EXPECT_EQ(spec.values("grid"), (std::vector<std::string>{"2", "4", "7"}));
  EXPECT_EQ(spec.train_on.size(), 4u);
}

long max_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// A header for 262144 x 64 x 64 images (1 GiB, the most a reader accepts) over 10 bytes.
std::string huge_claim() {
  return std::string{0, 0, 8, 3, 0, 4, 0, 0, 0, 0, 0, 64, 0, 0, 0, 64} + "0123456789";
}

TEST(HugeDimensions, RawFileIsRefusedBeforeAllocating) {
  TempDir dir;
  std::ofstream(dir / "images", std::ios::binary) << huge_claim();
  const long before = max_rss_kib();
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)read_idx_images(dir / "images");
    FAIL() << "a 26-byte file claiming 1 GiB of images was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("need 1073741824 bytes of data but the file holds 10"),
              std::string::npos)
        << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_LT(max_rss_kib() - before, 64 * 1024) << "KiB of memory used to refuse the file";
}

TEST(HugeDimensions, GzipFileCostsMemoryOnlyForWhatItHolds) {
  // A gzip file's size says nothing about its payload: the reader must find out by reading,
  // in pieces that grow with what has arrived.
  TempDir dir;
  const std::string claim = huge_claim();
  gzFile gz = gzopen((dir / "images.gz").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, claim.data(), static_cast<unsigned>(claim.size())),
            static_cast<int>(claim.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
  const long before = max_rss_kib();
  try {
    (void)read_idx_images(dir / "images.gz");
    FAIL() << "a gzip file claiming 1 GiB of images but holding 10 bytes was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  EXPECT_LT(max_rss_kib() - before, 64 * 1024) << "KiB of memory used to refuse the file";
}

TEST(HugeDimensions, ClaimOverTheLimitIsRefusedFromTheHeader) {
  // 300000 x 64 x 64: each dimension within its limit, the payload (1.1 GiB) over its own.
  TempDir dir;
  std::ofstream(dir / "images", std::ios::binary)
      << std::string{0, 0,  8, 3, 0, 4, static_cast<char>(0x93), static_cast<char>(0xe0), 0, 0,
                     0, 64, 0, 0, 0, 64} +
             "0123456789";
  EXPECT_THROW(
      {
        try {
          (void)read_idx_images(dir / "images");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find(
                        "claims 1228800000 bytes of data, more than the 1.0 GiB savant reads"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      Error);
}

TEST(HostileFiles, SafetensorsFromADeviceIsRefusedNotReadForever) {
  try {
    (void)read_safetensors("/dev/zero");
    FAIL() << "/dev/zero was read as a model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "'/dev/zero' is a character device; savant reads only regular files"),
              std::string::npos)
        << e.what();
  }
}

TEST(HostileFiles, IdxFromADeviceIsRefused) {
  EXPECT_THROW((void)read_idx_images("/dev/zero"), Error);
  EXPECT_THROW((void)read_idx_labels("/dev/zero"), Error);
}

}  // namespace
}  // namespace savant::testing
