// core/output_set, core/output_lock and core/output_path at their own layer: paths as the kernel
// resolves them, the lock that no planted file can turn into a write elsewhere, names beside an
// output that belong to it alone, and the one rule for outputs and inputs.

#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_lock.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/output_set.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {
namespace fs = std::filesystem;

void write_text(const fs::path& path, const std::string& text) {
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

// The Error `f` throws, as its kind; fails the test when it throws none.
template <typename F>
ErrorKind kind_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error";
  return ErrorKind::kInput;
}

// A directory with `lnk -> far/inner`, the layout where text and kernel disagree about "..".
class OutputPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_ / "far" / "inner");
    fs::create_directory_symlink("far/inner", root_ / "lnk");
  }
  TempDir dir_;
  fs::path root_ = fs::canonical(dir_.path());
};

TEST_F(OutputPaths, DotDotClimbsFromWhereALinkLeads) {
  EXPECT_EQ(kernel_path(root_ / "lnk/../victim"), root_ / "far" / "victim");
  // The last component is not followed: a link stays the link.
  EXPECT_EQ(kernel_path(root_ / "lnk"), root_ / "lnk");
  EXPECT_EQ(kernel_path(root_ / "lnk/"), root_ / "lnk");
  EXPECT_EQ(kernel_path(root_ / "lnk/."), root_ / "lnk");
  EXPECT_EQ(followed_path(root_ / "lnk"), root_ / "far" / "inner");
  // What does not exist yet is created as plain directories, where text and kernel agree.
  EXPECT_EQ(kernel_path(root_ / "lnk/../new/a/../b"), root_ / "far" / "new" / "b");
  EXPECT_EQ(kernel_path(root_ / "lnk/.."), root_ / "far");
}

TEST_F(OutputPaths, RelativePathsResolveFromTheCurrentDirectory) {
  const fs::path before = fs::current_path();
  fs::current_path(root_);
  const fs::path resolved = kernel_path("lnk/../x");
  fs::current_path(before);
  EXPECT_EQ(resolved, root_ / "far" / "x");
}

TEST_F(OutputPaths, ASetSpelledThroughALinkGoesWhereTheKernelSays) {
  write_text(root_ / "victim", "keep");
  OutputSet set(root_ / "lnk/../run", std::vector<std::string>{"a.txt"});
  EXPECT_EQ(set.target(), root_ / "far" / "run");
  write_file_atomically(set.staging() / "a.txt", "new");
  set.commit();
  EXPECT_EQ(file_text(root_ / "far" / "run" / "a.txt"), "new");
  EXPECT_FALSE(fs::exists(root_ / "run"));
  EXPECT_EQ(file_text(root_ / "victim"), "keep");
}

TEST_F(OutputPaths, OutputsNeverLieInOrOverInputs) {
  const fs::path data = root_ / "data";
  fs::create_directories(data);
  write_text(data / "train-images-idx3-ubyte", "images");
  const CommandInput inputs[] = {{data, "data set"}};
  // Into the directory, over one of its files, through a link, or as a directory holding it.
  std::string message =
      error_of([&] { refuse_output_over_inputs(data / "train-images-idx3-ubyte", inputs); });
  EXPECT_NE(message.find("would replace 'train-images-idx3-ubyte' in the data set"),
            std::string::npos)
      << message;
  message = error_of([&] { refuse_output_over_inputs(data / "new.safetensors", inputs); });
  EXPECT_NE(message.find("lies inside the data set"), std::string::npos) << message;
  fs::create_directory_symlink("../..", root_ / "far" / "inner" / "up");
  message = error_of([&] { refuse_output_over_inputs(root_ / "lnk/up/data/x", inputs); });
  EXPECT_NE(message.find("lies inside the data set"), std::string::npos) << message;
  message = error_of([&] { refuse_output_over_inputs(root_, inputs); });
  EXPECT_NE(message.find("holds the data set"), std::string::npos) << message;
  // An input given through a link is the directory it leads to.
  fs::create_directory_symlink("data", root_ / "data-link");
  const CommandInput linked[] = {{root_ / "data-link", "data set"}};
  message = error_of([&] { refuse_output_over_inputs(data / "x", linked); });
  EXPECT_NE(message.find("'" + (root_ / "data-link").string() + "'"), std::string::npos) << message;
  // Beside the data set is fine.
  EXPECT_NO_THROW(refuse_output_over_inputs(root_ / "model.safetensors", inputs));
  EXPECT_NO_THROW(refuse_output_over_inputs(root_ / "lnk/../data", inputs));  // far/data
}

// Each refusal of its kind (core/error.hpp): a path that the caller chose badly is usage, an
// output that is a file of another kind is input, the system's refusal carries errno and path.
TEST_F(OutputPaths, ErrorsCarryTheirKind) {
  const CommandInput inputs[] = {{root_ / "far", "data set"}};
  EXPECT_EQ(kind_of([&] { refuse_output_over_inputs(root_ / "far" / "x", inputs); }),
            ErrorKind::kUsage);
  write_text(root_ / "file", "x");
  const std::vector<std::string> names = {"a.txt"};
  EXPECT_EQ(kind_of([&] { OutputSet set(root_ / "file", names); }), ErrorKind::kInput);
  try {
    OutputSet set(root_ / "file" / "run", names);
    ADD_FAILURE() << "no error for an output under a file";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), ENOTDIR) << e.what();
    EXPECT_EQ(e.path(), (root_ / "file").string()) << e.what();
  }
}

TEST_F(OutputPaths, TwoOutputsOfOneCommandAreNeverOneFile) {
  const std::vector<fs::path> same = {root_ / "far" / "page.html", root_ / "lnk/../page.html"};
  EXPECT_NE(error_of([&] { refuse_same_outputs(same); }).find("are the same file"),
            std::string::npos);
  const std::vector<fs::path> two = {root_ / "page.html", root_ / "lnk/../page.html"};
  EXPECT_NO_THROW(refuse_same_outputs(two));
}

TEST_F(OutputPaths, NamesTooLongOrNotUtf8AreRefusedUpFront) {
  EXPECT_NO_THROW(check_output_path(root_ / std::string(244, 'a'), kBesideFile));
  std::string message =
      error_of([&] { check_output_path(root_ / std::string(245, 'a'), kBesideFile); });
  EXPECT_NE(message.find("choose a name of at most 244 bytes"), std::string::npos) << message;
  // A run directory's name leaves room for its staging directory beside it.
  message = error_of([&] { check_output_path(root_ / std::string(240, 'a'), kBesideOutputSet); });
  EXPECT_NE(message.find("at most 238 bytes"), std::string::npos) << message;
  fs::path deep = root_;
  for (int i = 0; i < 25; ++i) deep /= std::string(200, 'd');
  message = error_of([&] { check_output_path(deep / "m", kBesideFile); });
  EXPECT_NE(message.find("the system allows 4095"), std::string::npos) << message;
  message = error_of([&] { check_output_path(root_ / "bad\xff", kBesideFile); });
  EXPECT_NE(message.find("bad\\xff' is not UTF-8"), std::string::npos) << message;
  EXPECT_NO_THROW(check_output_path(root_ / "donn\xc3\xa9"
                                            "es",
                                    kBesideFile));
}

TEST(Utf8, ValidAndInvalidSequences) {
  EXPECT_TRUE(is_utf8("plain"));
  EXPECT_TRUE(is_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // e-acute, euro, an emoji
  EXPECT_FALSE(is_utf8("\xff"));
  EXPECT_FALSE(is_utf8("\xc3"));              // cut short
  EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_EQ(printable("a\xff\n"), "a\\xff\\x0a");
}

// The lock file beside an output: never followed, never written unless savant made it.
class Locks : public ::testing::Test {
 protected:
  TempDir dir_;
  fs::path out_ = dir_ / "out";
  fs::path lock_ = dir_ / ".out.lock";
};

TEST_F(Locks, APlantedLinkIsRefusedAndItsTargetUntouched) {
  write_text(dir_ / "victim", "keep");
  fs::create_symlink(dir_ / "victim", lock_);
  const std::string message = error_of([&] { OutputLock lock(out_); });
  EXPECT_NE(message.find("is a symbolic link, where savant keeps the lock"), std::string::npos)
      << message;
  EXPECT_NE(message.find("rm '" + lock_.string() + "'"), std::string::npos) << message;
  EXPECT_EQ(file_text(dir_ / "victim"), "keep");
  EXPECT_TRUE(fs::is_symlink(lock_));
  // A dangling one too: it is not created through.
  fs::remove(dir_ / "victim");
  EXPECT_NE(error_of([&] { OutputLock lock(out_); }).find("symbolic link"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "victim"));
}

TEST_F(Locks, AnythingButASavantLockIsRefused) {
  ASSERT_EQ(::mkfifo(lock_.c_str(), 0644), 0);
  EXPECT_NE(error_of([&] { OutputLock lock(out_); }).find("is a named pipe"), std::string::npos);
  fs::remove(lock_);
  // A hard link to another file.
  write_text(dir_ / "other", "12");
  fs::create_hard_link(dir_ / "other", lock_);
  EXPECT_NE(error_of([&] { OutputLock lock(out_); }).find("a hard link"), std::string::npos);
  EXPECT_EQ(file_text(dir_ / "other"), "12");
  fs::remove(lock_);
  // A file of the user's with other contents is theirs, not a lock savant left.
  write_text(lock_, "notes");
  EXPECT_NE(error_of([&] { OutputLock lock(out_); }).find("holds something other than a process"),
            std::string::npos);
  EXPECT_EQ(file_text(lock_), "notes");
  // Another user's file, as root in a shared directory: never written.
  if (::geteuid() == 0) {
    write_text(lock_, "123");
    ASSERT_EQ(::chown(lock_.c_str(), 65534, 65534), 0);
    EXPECT_NE(error_of([&] { OutputLock lock(out_); }).find("belongs to another user"),
              std::string::npos);
    EXPECT_EQ(file_text(lock_), "123");
  }
}

TEST_F(Locks, ADeadWritersLockIsMadeAnewAndAHeldOneRefused) {
  write_text(lock_, "999999");
  {
    OutputLock lock(out_);
    EXPECT_EQ(file_text(lock_), std::to_string(::getpid()));
    // Held: a second writer is told who holds it.
    const std::string message = error_of([&] { OutputLock second(out_); });
    EXPECT_NE(message.find(fmt::format("in use by process {}", ::getpid())), std::string::npos)
        << message;
    EXPECT_EQ(kind_of([&] { OutputLock second(out_); }), ErrorKind::kSystem);  // EWOULDBLOCK
  }
  EXPECT_FALSE(fs::exists(lock_));
}

// A writer of `x` and one of `x.savant-y` at once: neither touches the other's lock or staging.
TEST_F(Locks, NamesBesideAnOutputBelongToItAlone) {
  EXPECT_TRUE(is_staging_name(".x.savant-ab12cd34", "x"));
  EXPECT_FALSE(is_staging_name(".x.savant-y.lock", "x"));
  EXPECT_FALSE(is_staging_name(".x.savant-y.savant-abcdefgh", "x"));
  EXPECT_FALSE(is_staging_name(".x.savant-abcdefgh", "x.savant-y"));
  const std::vector<std::string> names = {"a.txt"};
  OutputSet other(dir_ / "x.savant-y", names);
  const fs::path other_staging = other.staging();
  ASSERT_TRUE(fs::is_directory(other_staging));
  write_file_atomically(other_staging / "a.txt", "other");
  {
    OutputSet x(dir_ / "x", names);  // cleans what dead writers of x left
    x.commit();
  }
  EXPECT_TRUE(fs::exists(dir_ / ".x.savant-y.lock"));
  EXPECT_TRUE(fs::is_directory(other_staging));
  other.commit();
  EXPECT_EQ(file_text(dir_ / "x.savant-y" / "a.txt"), "other");
  // While a dead writer's staging directory of x goes.
  fs::create_directories(dir_ / ".x.savant-dead0001");
  { OutputLock lock(dir_ / "x"); }
  EXPECT_FALSE(fs::exists(dir_ / ".x.savant-dead0001"));
}

// A temporary that a killed write_file_atomically left in a set is removed by its next writer,
// not taken for a file of the user's.
TEST_F(Locks, ASetsDeadTemporariesAreRemoved) {
  const std::vector<std::string> names = {"report.html"};
  fs::create_directories(out_);
  write_text(out_ / "report.html", "page");
  write_text(out_ / "report.html.tmp.0a1b2c", "half a page");
  OutputSet set(out_, names);
  EXPECT_FALSE(fs::exists(out_ / "report.html.tmp.0a1b2c"));
  // One whose writer is alive (holds its lock) is not the set's to remove.
  write_text(out_ / "report.html.tmp.3d4e5f", "being written");
  const int fd = ::open((out_ / "report.html.tmp.3d4e5f").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_FALSE(remove_dead_temporary(out_ / "report.html.tmp.3d4e5f"));
  ::close(fd);
  EXPECT_TRUE(remove_dead_temporary(out_ / "report.html.tmp.3d4e5f"));
}

}  // namespace
}  // namespace savant::testing
