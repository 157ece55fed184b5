#include "savant/core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string tmpl = (dir / (path.filename().string() + ".tmp.XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    throw Error(
        fmt::format("cannot create a file in '{}': {} (check that the directory exists "
                    "and is writable)",
                    dir.string(), errno_text()));
  }
  auto fail = [&](const char* what) {
    std::string reason = errno_text();
    ::close(fd);
    ::unlink(tmpl.c_str());
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
  if (::fchmod(fd, 0644) != 0) fail("chmod");
  if (::fsync(fd) != 0) fail("fsync");
  if (::close(fd) != 0) {
    std::string reason = errno_text();
    ::unlink(tmpl.c_str());
    throw Error(fmt::format("cannot write '{}': close failed: {}", path.string(), reason));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    std::string reason = errno_text();
    ::unlink(tmpl.c_str());
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

void remove_stale_temporaries(const std::filesystem::path& dir,
                              std::span<const std::string> names) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    for (const std::string& name : names) {
      // mkstemp's template: the name, ".tmp.", six characters.
      const std::string prefix = name + ".tmp.";
      if (file.size() == prefix.size() + 6 && file.starts_with(prefix)) {
        std::error_code ignored;
        std::filesystem::remove(it->path(), ignored);
      }
    }
  }
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
