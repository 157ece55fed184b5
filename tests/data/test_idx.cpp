#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <fstream>

#include "savant/core/error.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/idx.hpp"
#include "support/bounded_run.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string idx_header(std::uint8_t type, std::uint8_t rank, std::vector<std::uint32_t> dims) {
  std::string out = {0, 0, static_cast<char>(type), static_cast<char>(rank)};
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>(d >> s));
  }
  return out;
}

// Expects `fn` to throw savant::Error whose message contains every one of `parts`.
template <typename Fn>
void expect_error(Fn fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    for (const std::string& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(Idx, RoundTripRawAndGzip) {
  TempDir dir;
  Split split = testing::random_split(17, 6, 5, 10, 1);
  for (const std::string name : {"images.idx", "images.idx.gz"}) {
    write_idx_images(dir / name, split.images);
    ImageSet back = read_idx_images(dir / name);
    EXPECT_EQ(back.count, 17u);
    EXPECT_EQ(back.rows, 6u);
    EXPECT_EQ(back.cols, 5u);
    EXPECT_EQ(back.pixels, split.images.pixels);
  }
  write_idx_labels(dir / "labels.gz", split.labels);
  EXPECT_EQ(read_idx_labels(dir / "labels.gz"), split.labels);
  // The .gz file really is gzip (magic 1f 8b), as gzip(1) and any MNIST loader expect.
  std::ifstream in(dir / "images.idx.gz", std::ios::binary);
  EXPECT_EQ(in.get(), 0x1f);
  EXPECT_EQ(in.get(), 0x8b);
}

TEST(Idx, RawFileIsByteExact) {
  TempDir dir;
  Split split = testing::random_split(2, 2, 3, 10, 2);
  write_idx_images(dir / "x", split.images);
  std::ifstream in(dir / "x", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(bytes.substr(0, 16), idx_header(8, 3, {2, 2, 3}));
  EXPECT_EQ(bytes.size(), 16u + 12u);
}

TEST(Idx, BadMagic) {
  TempDir dir;
  write_bytes(dir / "f", "\x01\x02\x08\x03" + std::string(20, '\0'));
  expect_error([&] { read_idx_images(dir / "f"); }, {"f", "bad magic"});
}

TEST(Idx, WrongTypeByte) {
  TempDir dir;
  write_bytes(dir / "f", idx_header(0x0D, 3, {1, 1, 1}) + "abcd");
  expect_error([&] { read_idx_images(dir / "f"); }, {"element type 0x0d", "unsigned byte"});
}

TEST(Idx, WrongRank) {
  TempDir dir;
  write_bytes(dir / "f", idx_header(8, 1, {3}) + "abc");
  expect_error([&] { read_idx_images(dir / "f"); }, {"1 dimension(s), expected 3"});
}

TEST(Idx, TruncatedPayload) {
  TempDir dir;
  write_bytes(dir / "f", idx_header(8, 3, {2, 2, 2}) + "1234567");
  expect_error([&] { read_idx_images(dir / "f"); }, {"truncated"});
}

TEST(Idx, TruncatedHeader) {
  TempDir dir;
  write_bytes(dir / "f", std::string("\0\0\x08\x03\0\0", 6));
  expect_error([&] { read_idx_images(dir / "f"); }, {"truncated", "header"});
}

TEST(Idx, TrailingBytes) {
  TempDir dir;
  write_bytes(dir / "f", idx_header(8, 1, {2}) + "123");
  expect_error([&] { read_idx_labels(dir / "f"); }, {"unexpected bytes after the payload"});
}

TEST(Idx, ZeroDimension) {
  TempDir dir;
  write_bytes(dir / "f", idx_header(8, 3, {0, 28, 28}));
  expect_error([&] { read_idx_images(dir / "f"); }, {"dimension 0 is zero"});
}

TEST(Idx, HugeClaimIsRejectedBeforeAllocation) {
  TempDir dir;
  write_bytes(dir / "f", idx_header(8, 3, {0xFFFFFFFF, 0xFFFF, 0xFFFF}) + "x");
  expect_error([&] { read_idx_images(dir / "f"); },
               {"4294967295 images, more than the 1000000 savant reads from one file"});
}

TEST(Idx, ImagesTooLargeToAnalyseAreRefusedFromTheHeader) {
  // 128 x 128 pixels: R would be 2 GiB per model. Only the header is there: nothing is read or
  // allocated past it.
  TempDir dir;
  write_bytes(dir / "f", idx_header(8, 3, {40, 128, 128}));
  expect_error([&] { read_idx_images(dir / "f"); },
               {"images of 128x128 (16384 pixels) are larger than savant analyses: the weight "
                "correlation R alone would need 2.0 GiB per model; savant takes at most 4096 "
                "pixels per image"});
  // A side alone can be too large, and the largest shapes in bounds are read.
  write_bytes(dir / "f", idx_header(8, 3, {1, 1, 4097}));
  expect_error([&] { read_idx_images(dir / "f"); }, {"images of 1x4097 (4097 pixels)"});
  write_bytes(dir / "f", idx_header(8, 3, {1, 64, 64}) + std::string(4096, '\x7f'));
  EXPECT_EQ(read_idx_images(dir / "f").pixels.size(), 4096u);
  write_bytes(dir / "f", idx_header(8, 3, {1, 1, 4096}) + std::string(4096, '\x7f'));
  EXPECT_EQ(read_idx_images(dir / "f").cols, 4096u);
}

TEST(Idx, ImageAndLabelCountsAreBounded) {
  TempDir dir;
  write_bytes(dir / "images", idx_header(8, 3, {1000001, 1, 1}));
  expect_error([&] { read_idx_images(dir / "images"); },
               {"1000001 images, more than the 1000000 savant reads from one file"});
  write_bytes(dir / "labels", idx_header(8, 1, {1000001}));
  expect_error([&] { read_idx_labels(dir / "labels"); }, {"1000001 images, more than"});
}

TEST(Idx, FifoIsRefusedWithoutWaitingForAWriter) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "images").c_str(), 0600), 0);
  const testing::BoundedRun run =
      testing::error_in_child([&] { (void)read_idx_images(dir / "images"); });
  EXPECT_EQ(run.exit_code, 3) << testing::describe(run);
  EXPECT_NE(run.output.find("' is a FIFO (named pipe); savant reads only regular files: expected "
                            "an IDX file"),
            std::string::npos)
      << testing::describe(run);
}

TEST(Idx, CorruptGzip) {
  TempDir dir;
  Split split = testing::random_split(50, 4, 4, 10, 3);
  write_idx_images(dir / "f.gz", split.images);
  std::ifstream in(dir / "f.gz", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  write_bytes(dir / "f.gz", bytes.substr(0, bytes.size() / 2));
  expect_error([&] { read_idx_images(dir / "f.gz"); }, {"f.gz"});
}

TEST(Idx, MissingFileAndDirectory) {
  TempDir dir;
  expect_error([&] { read_idx_images(dir / "nope"); }, {"nope", "not found"});
  expect_error([&] { read_idx_images(dir.path()); }, {"is a directory"});
}

TEST(Dataset, LoadsRawOrGzipAndValidates) {
  TempDir dir;
  Split train = testing::random_split(20, 4, 4, 10, 1),
        test = testing::random_split(8, 4, 4, 10, 2);
  testing::write_dataset(dir.path(), train, test, true);
  Dataset data = load_dataset(dir.path());
  EXPECT_EQ(data.train.images.count, 20u);
  EXPECT_EQ(data.test.labels, test.labels);
}

TEST(Dataset, CountMismatch) {
  TempDir dir;
  Split train = testing::random_split(20, 4, 4, 10, 1),
        test = testing::random_split(8, 4, 4, 10, 2);
  testing::write_dataset(dir.path(), train, test, false);
  write_idx_labels(dir / "train-labels-idx1-ubyte", std::vector<std::uint8_t>(19, 1));
  expect_error([&] { load_dataset(dir.path()); }, {"holds 20 images but", "19 labels"});
}

TEST(Dataset, LabelOutOfRange) {
  TempDir dir;
  Split train = testing::random_split(20, 4, 4, 10, 1),
        test = testing::random_split(8, 4, 4, 10, 2);
  test.labels[5] = 10;
  testing::write_dataset(dir.path(), train, test, false);
  expect_error([&] { load_dataset(dir.path()); }, {"t10k-labels-idx1-ubyte", "label 10 of item 5"});
}

TEST(Dataset, MissingFile) {
  TempDir dir;
  expect_error([&] { load_dataset(dir.path()); }, {"train-images-idx3-ubyte"});
  expect_error([&] { load_dataset(dir / "absent"); }, {"does not exist"});
}

TEST(Dataset, TrainAndTestSizesMustAgree) {
  TempDir dir;
  testing::write_dataset(dir.path(), testing::random_split(4, 4, 4, 10, 1),
                         testing::random_split(4, 8, 8, 10, 2), false);
  expect_error([&] { load_dataset(dir.path()); }, {"4x4", "8x8"});
}

}  // namespace
}  // namespace savant
