#include "savant/core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Whether `path` exists (its lstat in `st`); throws Error when it exists and is not a regular
// file.
bool existing_regular_file(const std::filesystem::path& path, struct stat& st) {
  if (::lstat(path.c_str(), &st) != 0) return false;
  if (!S_ISREG(st.st_mode)) {
    throw Error(
        fmt::format("'{}' exists and is {}; savant only replaces regular files: choose "
                    "another output path",
                    path.string(), file_kind(st.st_mode)));
  }
  return true;
}

}  // namespace

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
  // The temporary's name: "<name>.tmp." and six characters, beside the target.
  std::string tmp;
  int fd = -1;
  std::random_device device;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = (dir / fmt::format("{}.tmp.{:06x}", path.filename().string(), device() & 0xffffffu))
              .string();
    // 0666 and the umask, like any file a program creates; O_EXCL: never an existing one.
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt == 100)) {
      throw Error(
          fmt::format("cannot create a file in '{}': {} (check that the directory exists "
                      "and is writable)",
                      dir.string(), errno_text()));
    }
  }
  auto fail = [&](const char* what) {
    std::string reason = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    throw Error(fmt::format("cannot write '{}': {} failed: {} (is the disk full?)", path.string(),
                            what, reason));
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
  if (::close(fd) != 0) {
    std::string reason = errno_text();
    ::unlink(tmp.c_str());
    throw Error(fmt::format("cannot write '{}': close failed: {}", path.string(), reason));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string reason = errno_text();
    ::unlink(tmp.c_str());
    throw Error(fmt::format("cannot write '{}': {}", path.string(), reason));
  }
  // The rename lives in the directory: without this a power cut (unlike a kill) could still
  // lose it. Best effort: some file systems refuse fsync on a directory.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void check_output_file(const std::filesystem::path& path) {
  struct stat existing {};
  existing_regular_file(path, existing);
  ensure_writable_directory(path.has_parent_path() ? path.parent_path() : ".");
}

void ensure_writable_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    throw Error(fmt::format(
        "output path '{}' exists and is not a directory; choose another output directory",
        dir.string()));
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw Error(fmt::format("cannot create output directory '{}': {}", dir.string(), ec.message()));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw Error(
        fmt::format("output directory '{}' is not writable: {}", dir.string(), errno_text()));
  }
}

}  // namespace savant
