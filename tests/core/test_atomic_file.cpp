// core/atomic_file: what a writer killed in the middle of write_file_atomically leaves, and that
// the next writer of the file removes it, but never the temporary of a writer still alive.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {
namespace fs = std::filesystem;

// The temporaries write_file_atomically left beside `path`.
std::vector<fs::path> temporaries_of(const fs::path& path) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) {
    if (is_temporary_name(entry.path().filename().native(), path.filename().native())) {
      found.push_back(entry.path());
    }
  }
  return found;
}

void stop_self(int) {
  ::raise(SIGSTOP);
}

// A child that writes `bytes` to `path` and is stopped in the middle of the write (by the file
// size limit, whose signal stops it), its temporary half written; the parent gets its pid.
pid_t writer_stopped_mid_write(const fs::path& path, std::size_t bytes) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    ::signal(SIGXFSZ, stop_self);
    try {
      write_file_atomically(path, std::string(bytes, 'x'));
    } catch (...) {
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, WUNTRACED);
  EXPECT_TRUE(WIFSTOPPED(status)) << "the writer was not stopped mid-write";
  return pid;
}

TEST(AtomicFile, TheNextWriterRemovesWhatAKilledOneLeft) {
  TempDir dir;
  const fs::path model = dir / "model.safetensors";
  write_file_atomically(model, "old");
  const pid_t pid = writer_stopped_mid_write(model, 1 << 20);
  ASSERT_EQ(temporaries_of(model).size(), 1u);
  // Its writer is alive: another writer of the file leaves its temporary alone.
  write_file_atomically(model, "second");
  EXPECT_EQ(temporaries_of(model).size(), 1u);
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_for(pid), 128 + SIGKILL);
  EXPECT_EQ(temporaries_of(model).size(), 1u);  // the kill left it
  write_file_atomically(model, "third");
  EXPECT_TRUE(temporaries_of(model).empty());
  EXPECT_EQ(file_text(model), "third");
}

TEST(AtomicFile, OnlyTemporariesOfTheFileItWritesAreRemoved) {
  TempDir dir;
  const fs::path target = dir / "m";
  std::ofstream(dir / "victim") << "keep";
  // Names of other files, of the user's, or a link in the temporary's form: none is touched.
  for (const char* name :
       {"m.safetensors.tmp.0a1b2c", "m.tmp.notes", "m.tmp.0A1B2C", "mm.tmp.0a1b2c"}) {
    std::ofstream(dir / name) << "keep";
  }
  fs::create_symlink(dir / "victim", dir / "m.tmp.abcdef");
  write_file_atomically(target, "new");
  for (const char* name :
       {"m.safetensors.tmp.0a1b2c", "m.tmp.notes", "m.tmp.0A1B2C", "mm.tmp.0a1b2c"}) {
    EXPECT_EQ(file_text(dir / name), "keep") << name;
  }
  EXPECT_TRUE(fs::is_symlink(dir / "m.tmp.abcdef"));
  EXPECT_EQ(file_text(dir / "victim"), "keep");
  EXPECT_TRUE(is_temporary_name("m.tmp.0a1b2c", "m"));
  EXPECT_FALSE(is_temporary_name("m.tmp.0a1b2", "m"));
}

}  // namespace
}  // namespace savant::testing
