#include "savant/core/output_set.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_EXCHANGE, RENAME_NOREPLACE (glibc 2.28)
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"

namespace savant {
namespace fs = std::filesystem;
namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

fs::path parent_of(const fs::path& target) {
  return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

// The hidden names beside `target` that belong to it: its lock and its staging directories.
std::string lock_name(const fs::path& target) {
  return fmt::format(".{}.lock", target.filename().string());
}
std::string staging_prefix(const fs::path& target) {
  return fmt::format(".{}.savant-", target.filename().string());
}

std::string random_suffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kChars) - 2);
  std::string s(8, 'x');
  for (char& c : s) c = kChars[pick(device)];
  return s;
}

void sync_directory(const fs::path& dir) {
  // Best effort: some file systems refuse fsync on a directory.
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Whether the entries of an existing target are all savant's to replace; throws otherwise.
void check_replaceable(const fs::path& target, std::span<const std::string> replaceable) {
  std::error_code ec;
  for (fs::directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (std::find(replaceable.begin(), replaceable.end(), name) != replaceable.end() &&
        it->symlink_status().type() == fs::file_type::regular) {
      continue;
    }
    throw Error(fmt::format(
        "output directory '{}' holds '{}', which this command does not write; savant replaces "
        "an output directory as a whole and never deletes what it did not write: choose a new "
        "or empty directory, or move '{}' away",
        target.string(), name, name));
  }
  if (ec) {
    throw Error(
        fmt::format("cannot read output directory '{}': {}", target.string(), ec.message()));
  }
}

// The output path as the directory entry it names: "out/" and "out/." are "out". Throws Error
// for "." and "..", which name no entry of their parent.
fs::path entry_of(const fs::path& path) {
  fs::path target = path.lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  if (target.empty() || target.filename() == "." || target.filename() == "..") {
    throw Error(
        fmt::format("output '{}' must name a directory entry (not '.' or '..'); give the "
                    "directory's name, e.g. ../{}",
                    path.string(), fs::absolute(path).lexically_normal().filename().string()));
  }
  return target;
}

// `target`, once the directory it goes in exists.
const fs::path& with_parent(const fs::path& target) {
  const fs::path parent = parent_of(target);
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) {
    throw Error(fmt::format("cannot create output directory '{}': {} ('{}')", target.string(),
                            ec.message(), parent.string()));
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    throw Error(fmt::format("cannot create output directory '{}': '{}' is not writable ({})",
                            target.string(), parent.string(), errno_text(errno)));
  }
  return target;
}

// rename(2) for a file system without RENAME_EXCHANGE: two renames, the old set moved aside
// first. A kill between them leaves no target, and the old set in a staging name.
int swap_by_two_renames(const fs::path& staging, const fs::path& target) {
  const fs::path aside = parent_of(target) / (staging_prefix(target) + random_suffix());
  if (::rename(target.c_str(), aside.c_str()) != 0) return -1;
  if (::rename(staging.c_str(), target.c_str()) != 0) {
    const int error = errno;
    (void)::rename(aside.c_str(), target.c_str());
    errno = error;
    return -1;
  }
  return ::rename(aside.c_str(), staging.c_str());
}

}  // namespace

OutputLock::OutputLock(const fs::path& output)
    : target_(entry_of(output)), path_(parent_of(target_) / lock_name(target_)) {
  const fs::path& target = target_;
  const fs::path& path = path_;
  for (;;) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd_ < 0) {
      throw Error(
          fmt::format("cannot create the lock '{}' for '{}': {} (is the directory "
                      "writable?)",
                      path.string(), target.string(), errno_text(errno)));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      char text[32] = {};
      const ssize_t n = ::pread(fd_, text, sizeof(text) - 1, 0);
      ::close(fd_);
      fd_ = -1;
      if (error != EWOULDBLOCK) {
        throw Error(fmt::format("cannot lock '{}': {}", path.string(), errno_text(error)));
      }
      const std::string pid = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : "";
      throw Error(fmt::format(
          "'{}' is in use by {}: another savant command is writing it; wait for it to end or "
          "choose another output",
          target.string(), pid.empty() ? "another process" : "process " + pid));
    }
    // The holder before us may have unlinked the file after we opened it (release() does): then
    // we hold a lock nobody else can see, and must take the new file's.
    struct stat held {
    }, named{};
    if (::fstat(fd_, &held) == 0 && ::stat(path.c_str(), &named) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
      break;
    }
    ::close(fd_);
  }
  // What dead writers left beside the target: we hold the lock, so no living one owns any.
  const std::string prefix = staging_prefix(target);
  std::error_code ec;
  for (fs::directory_iterator it(parent_of(target), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().starts_with(prefix)) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid only improves the message another writer gets; the lock holds without it.
  }
}

OutputLock::~OutputLock() {
  // Unlink while still holding the lock: a waiter that opened the old file sees it is gone.
  (void)::unlink(path_.c_str());
  ::close(fd_);
}

OutputSet::OutputSet(fs::path target, std::span<const std::string> replaceable,
                     std::span<const fs::path> inputs)
    : target_(entry_of(target)), lock_(with_parent(target_)) {
  refuse_output_over_inputs(target_, inputs);
  const fs::path parent = parent_of(target_);
  struct stat st {};
  if (::lstat(target_.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      throw Error(fmt::format(
          "output '{}' is not a directory but {}; savant does not replace it: choose another "
          "output directory",
          target_.string(), file_kind(st.st_mode)));
    }
    if (::access(target_.c_str(), W_OK | X_OK) != 0) {
      throw Error(fmt::format("output directory '{}' is not writable: {}", target_.string(),
                              errno_text(errno)));
    }
    struct stat here {};
    if (::stat(".", &here) == 0 && here.st_dev == st.st_dev && here.st_ino == st.st_ino) {
      throw Error(
          fmt::format("output directory '{}' is the current directory, which savant "
                      "would replace as a whole: name a directory inside it",
                      target_.string()));
    }
    check_replaceable(target_, replaceable);
  } else if (errno != ENOENT) {
    throw Error(fmt::format("cannot use output '{}': {}", target_.string(), errno_text(errno)));
  }
  for (int attempt = 0;; ++attempt) {
    staging_ = parent / (staging_prefix(target_) + random_suffix());
    if (::mkdir(staging_.c_str(), 0777) == 0) break;  // the umask applies
    if (errno != EEXIST || attempt == 100) {
      const int error = errno;
      staging_.clear();
      throw Error(fmt::format("cannot create a directory beside '{}': {} (is '{}' writable?)",
                              target_.string(), errno_text(error), parent.string()));
    }
  }
}

OutputSet::~OutputSet() {
  if (staging_.empty()) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void OutputSet::commit() {
  struct stat old {};
  const bool replacing = ::lstat(target_.c_str(), &old) == 0;
  if (replacing) {
    // A file replaced keeps its permissions (a private model stays private).
    std::error_code ec;
    for (fs::directory_iterator it(staging_, ec), end; !ec && it != end; it.increment(ec)) {
      struct stat before {};
      const fs::path previous = target_ / it->path().filename();
      if (::lstat(previous.c_str(), &before) == 0 && S_ISREG(before.st_mode)) {
        (void)::chmod(it->path().c_str(), before.st_mode & 07777);
      }
    }
    (void)::chmod(staging_.c_str(), old.st_mode & 07777);
  }
  sync_directory(staging_);
  const unsigned flags = replacing ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  int swapped = ::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), flags);
  if (swapped != 0 && replacing && (errno == EINVAL || errno == ENOSYS)) {
    swapped = swap_by_two_renames(staging_, target_);
  }
  if (swapped != 0) {
    throw Error(
        fmt::format("cannot put the new '{}' in place: {}; the previous one is "
                    "unchanged",
                    target_.string(), errno_text(errno)));
  }
  sync_directory(parent_of(target_));
  // staging_ now names the old set (or nothing): remove it. A kill here leaves it to the
  // next run's clean-up, never in the target.
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
  staging_.clear();
}

void refuse_output_over_inputs(const fs::path& output, std::span<const fs::path> inputs) {
  struct stat out {};
  if (::stat(output.c_str(), &out) != 0) return;  // nothing there yet: nothing to write over
  for (const fs::path& input : inputs) {
    std::error_code ec;
    const fs::path real = fs::canonical(input, ec);
    if (ec) continue;
    for (fs::path p = real;; p = p.parent_path()) {
      struct stat st {};
      if (::stat(p.c_str(), &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino) {
        throw Error(fmt::format(
            "output '{}' {} the input '{}': savant would write over what it reads; choose "
            "another output",
            output.string(), p == real ? "is" : "holds", input.string()));
      }
      if (p == p.root_path() || !p.has_parent_path()) break;
    }
  }
}

}  // namespace savant
