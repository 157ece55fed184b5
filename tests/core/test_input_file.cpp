// The reader of every file a user names: regular files only, whole, up to a limit, and a FIFO
// or a device refused by name without waiting on it.

#include "savant/core/input_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "savant/core/error.hpp"
#include "support/bounded_run.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The message of the Error `f` throws; fails the test when it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(InputFile, ReadsARegularFileWhole) {
  TempDir dir;
  const std::string text(200000, 'x');
  write_text(dir / "f", text);
  EXPECT_EQ(read_input_file(dir / "f", "a test file", text.size()), text);
  InputFile file(dir / "f", "a test file");
  EXPECT_EQ(file.size(), text.size());
}

// Each refusal of its kind (core/error.hpp), as the front ends tell them apart: the system's
// with its errno and path, a file of another kind as input, one over the limit as a resource.
TEST(InputFile, ErrorsCarryTheirKind) {
  TempDir dir;
  try {
    (void)read_input_file(dir / "missing", "a test file", 1 << 20);
    ADD_FAILURE() << "no error for a missing file";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kSystem);
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_EQ(e.path(), (dir / "missing").string());
  }
  try {
    (void)read_input_file(dir.path(), "a test file", 1 << 20);
    ADD_FAILURE() << "no error for a directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
  }
  write_text(dir / "big", std::string(100, 'x'));
  try {
    (void)read_input_file(dir / "big", "a test file", 99);
    ADD_FAILURE() << "no error for a file over the limit";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kResource) << e.what();
  }
}

TEST(InputFile, RefusesAFifoWithoutWaitingForAWriter) {
  // Opened for reading in the ordinary way, a FIFO blocks until a writer comes: in a child, so
  // that a reader that waits fails the test at the time limit instead of hanging it.
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  const BoundedRun run =
      error_in_child([&] { (void)read_input_file(dir / "fifo", "a test file", 1 << 20); });
  EXPECT_EQ(run.exit_code, 3) << describe(run);
  EXPECT_EQ(run.output, "'" + (dir / "fifo").string() +
                            "' is a FIFO (named pipe); savant reads only regular files: expected "
                            "a test file");
}

TEST(InputFile, RefusesDevicesAndDirectoriesByName) {
  TempDir dir;
  EXPECT_EQ(error_of([] { (void)read_input_file("/dev/zero", "a test file", 1 << 20); }),
            "'/dev/zero' is a character device; savant reads only regular files: expected a "
            "test file");
  EXPECT_EQ(error_of([&] { InputFile f(dir.path(), "a test file"); }),
            "'" + dir.path().string() +
                "' is a directory; savant reads only regular files: expected a test file");
  // A link is followed: what counts is what it names.
  std::filesystem::create_symlink("/dev/null", dir / "link");
  EXPECT_NE(error_of([&] { InputFile f(dir / "link", "a test file"); }).find("character device"),
            std::string::npos);
}

TEST(InputFile, MissingFileIsNamed) {
  TempDir dir;
  EXPECT_EQ(error_of([&] { InputFile f(dir / "absent", "a test file"); }),
            (dir / "absent").string() + ": file not found");
}

TEST(InputFile, RefusesAFileOverTheLimitBeforeReadingIt) {
  TempDir dir;
  write_text(dir / "f", std::string(3 << 20, 'x'));
  EXPECT_EQ(error_of([&] { (void)read_input_file(dir / "f", "a test file", 1 << 20); }),
            "'" + (dir / "f").string() +
                "' holds 3.0 MiB (3145728 bytes), more than the 1.0 MiB savant reads as a test "
                "file; is it the right file?");
  write_text(dir / "small", std::string(101, 'x'));
  EXPECT_NE(error_of([&] {
              (void)read_input_file(dir / "small", "a test file", 100);
            }).find("holds 101 bytes, more than the 100 bytes"),
            std::string::npos);
  EXPECT_EQ(read_input_file(dir / "small", "a test file", 101).size(), 101u);
}

TEST(InputFile, StopsAtTheLimitWhenTheSizeSaysNothing) {
  // /proc files are regular files of size 0 that hold text: the limit holds while reading.
  const std::string message =
      error_of([] { (void)read_input_file("/proc/self/status", "a test file", 64); });
  EXPECT_NE(message.find("more than the 64 bytes savant reads as a test file"), std::string::npos)
      << message;
}

TEST(InputFile, ReadsInPiecesToTheEnd) {
  TempDir dir;
  write_text(dir / "f", "0123456789");
  InputFile file(dir / "f", "a test file");
  char buffer[4];
  std::string got;
  while (const std::size_t n = file.read(buffer, sizeof buffer)) got.append(buffer, n);
  EXPECT_EQ(got, "0123456789");
}

TEST(RefuseSpecialFile, NamesWhatIsNotARegularFile) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  write_text(dir / "file", "x");
  EXPECT_NO_THROW(refuse_special_file(dir / "absent", "a database"));
  EXPECT_NO_THROW(refuse_special_file(dir / "file", "a database"));
  EXPECT_EQ(error_of([&] { refuse_special_file(dir / "fifo", "a database"); }),
            "'" + (dir / "fifo").string() +
                "' is a FIFO (named pipe); savant reads only regular files: expected a database");
  EXPECT_NE(error_of([] {
              refuse_special_file("/dev/null", "a database");
            }).find("'/dev/null' is a character device"),
            std::string::npos);
}

TEST(CheckRegularFile, RefusesAPipeDescriptor) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_NE(error_of([&] {
              check_regular_file(fds[0], "pipe", "a database");
            }).find("'pipe' is a FIFO (named pipe)"),
            std::string::npos);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(ByteSize, SaysBytesThenBinaryUnits) {
  EXPECT_EQ(byte_size(0), "0 bytes");
  EXPECT_EQ(byte_size(1023), "1023 bytes");
  EXPECT_EQ(byte_size(1024), "1.0 KiB");
  EXPECT_EQ(byte_size(std::uint64_t{128} << 20), "128.0 MiB");
  EXPECT_EQ(byte_size(std::uint64_t{5} << 30), "5.0 GiB");
}

}  // namespace
}  // namespace savant::testing
