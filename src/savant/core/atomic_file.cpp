#include "savant/core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"

namespace savant {
namespace {

// Whether `path` exists (its lstat in `st`); throws Error when it exists and is not a regular
// file.
bool existing_regular_file(const std::filesystem::path& path, struct stat& st) {
  if (::lstat(path.c_str(), &st) != 0) return false;
  if (!S_ISREG(st.st_mode)) {
    throw InputError(
        fmt::format("'{}' exists and is {}; savant only replaces regular files: choose "
                    "another output path",
                    path.string(), file_kind(st.st_mode)));
  }
  return true;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Removes what writers of `path` that died left beside it (remove_dead_temporary).
void remove_dead_temporaries(const std::filesystem::path& dir, const std::string& name) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_temporary_name(it->path().filename().native(), name)) remove_dead_temporary(it->path());
  }
}

}  // namespace

bool is_temporary_name(std::string_view entry, std::string_view name) {
  constexpr std::string_view kInfix = ".tmp.";
  if (entry.size() != name.size() + kBesideFile || !entry.starts_with(name) ||
      entry.substr(name.size(), kInfix.size()) != kInfix) {
    return false;
  }
  return std::all_of(entry.end() - 6, entry.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool remove_dead_temporary(const std::filesystem::path& path) {
  struct stat seen {};
  if (::lstat(path.c_str(), &seen) != 0) return errno == ENOENT;
  if (!S_ISREG(seen.st_mode) || seen.st_uid != ::geteuid() || seen.st_nlink != 1) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;
  bool removed = false;
  struct stat opened {
  }, named{};
  // Locked: no writer holds it. Still under its name: not renamed into place meanwhile.
  if (::fstat(fd, &opened) == 0 && same_file(opened, seen) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
      ::lstat(path.c_str(), &named) == 0 && same_file(named, opened)) {
    removed = ::unlink(path.c_str()) == 0;
  }
  ::close(fd);
  return removed;
}

std::string file_kind(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "a regular file";
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  // Only a regular file is ever replaced: renaming over a link, a device or a pipe would
  // replace the node itself (as root, `--out /dev/null` would replace /dev/null).
  struct stat existing {};
  const bool replacing = existing_regular_file(path, existing);
  const std::string name = path.filename().string();
  remove_dead_temporaries(dir, name);
  // The temporary: "<name>.tmp." and six hex digits, beside the target, locked while it is
  // written (see the header).
  std::string tmp;
  int fd = -1;
  std::random_device device;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = (dir / fmt::format("{}.tmp.{:06x}", name, device() & 0xffffffu)).string();
    // 0666 and the umask, like any file a program creates; O_EXCL: never an existing one.
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt == 100)) {
      const int code = errno;
      throw SystemError(fmt::format("cannot create a file in '{}': {} (check that the directory "
                                    "exists and is writable)",
                                    dir.string(), std::strerror(code)),
                        code, dir.string());
    }
    if (fd < 0) continue;
    // Another writer's clean-up may have taken it for a dead one's between the open and the
    // lock, and removed it: then it is not ours any more (nor named), and another name is drawn.
    struct stat held {
    }, named{};
    while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    if (::fstat(fd, &held) != 0 || ::lstat(tmp.c_str(), &named) != 0 || !same_file(held, named)) {
      ::close(fd);
      fd = -1;
    }
  }
  auto fail = [&](const char* what) {
    const int code = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    throw SystemError(fmt::format("cannot write '{}': {} failed: {} (is the disk full?)",
                                  path.string(), what, std::strerror(code)),
                      code, path.string());
  };
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  // A file replaced keeps its permissions (a private model stays private).
  if (replacing && ::fchmod(fd, existing.st_mode & 07777) != 0) fail("chmod");
  if (::fsync(fd) != 0) fail("fsync");
  // Renamed while still open, so still locked: no clean-up can take it for a dead writer's.
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename");
  // The data is on disk (fsync above); closing cannot lose it.
  ::close(fd);
  // The rename lives in the directory: without this a power cut (unlike a kill) could still
  // lose it. Best effort: some file systems refuse fsync on a directory.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void check_output_file(const std::filesystem::path& path) {
  check_output_path(path, kBesideFile);
  struct stat existing {};
  existing_regular_file(path, existing);
  ensure_writable_directory(path.has_parent_path() ? path.parent_path() : ".");
}

void ensure_writable_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    throw InputError(fmt::format(
        "output path '{}' exists and is not a directory; choose another output directory",
        dir.string()));
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw SystemError(
        fmt::format("cannot create output directory '{}': {}", dir.string(), ec.message()),
        ec.value(), dir.string());
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    const int code = errno;
    throw SystemError(
        fmt::format("output directory '{}' is not writable: {}", dir.string(), std::strerror(code)),
        code, dir.string());
  }
}

}  // namespace savant
