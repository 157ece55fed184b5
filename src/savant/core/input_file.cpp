#include "savant/core/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/huge_pages.hpp"

namespace savant {
namespace {

[[noreturn]] void refuse_kind(const std::filesystem::path& path, mode_t mode,
                              std::string_view expected) {
  // "FIFO", the word of mkfifo(1), beside file_kind's "named pipe".
  const std::string kind = S_ISFIFO(mode) ? "a FIFO (named pipe)" : file_kind(mode);
  throw InputError(fmt::format("'{}' is {}; savant reads only regular files: expected {}",
                               path.string(), kind, expected));
}

// The descriptor's stat when it is a regular file, else Error.
struct stat regular_file_stat(int fd, const std::filesystem::path& path,
                              std::string_view expected) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int code = errno;
    throw SystemError(fmt::format("{}: cannot read: {}", path.string(), std::strerror(code)), code,
                      path.string());
  }
  if (!S_ISREG(st.st_mode)) refuse_kind(path, st.st_mode, expected);
  return st;
}

}  // namespace

InputFile::InputFile(const std::filesystem::path& path, std::string_view expected)
    : path_(path), expected_(expected) {
  // stat first: opening some devices does something (a tape rewinds, a watchdog arms), so a
  // node that is not a regular file is refused without being opened.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    refuse_kind(path, st.st_mode, expected);
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd_ < 0) {
    const int code = errno;
    if (code == ENOENT) {
      throw SystemError(fmt::format("{}: file not found", path.string()), code, path.string());
    }
    throw SystemError(
        fmt::format("{}: cannot open for reading: {}", path.string(), std::strerror(code)), code,
        path.string());
  }
  // And on the descriptor: the path may have been replaced since the stat.
  try {
    size_ = static_cast<std::uint64_t>(regular_file_stat(fd_, path, expected).st_size);
  } catch (const Error&) {
    ::close(fd_);
    throw;
  }
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

int InputFile::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

std::size_t InputFile::read(char* out, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(fd_, out, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) {
      const int code = errno;
      throw SystemError(fmt::format("{}: cannot be read: {}", path_.string(), std::strerror(code)),
                        code, path_.string());
    }
  }
}

std::string InputFile::read_all(std::uint64_t max_bytes) {
  auto too_large = [&](std::uint64_t size) {
    const std::string exact = size < 1024 ? "" : fmt::format(" ({} bytes)", size);
    return ResourceError(
        fmt::format("'{}' holds {}{}, more than the {} savant reads as {}; is it the right file?",
                    path_.string(), byte_size(size), exact, byte_size(max_bytes), expected_));
  };
  if (size_ > max_bytes) throw too_large(size_);
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(size_));
  if (size_ >= (std::uint64_t{4} << 20)) advise_huge_pages(bytes.data(), bytes.capacity());
  std::array<char, 1 << 16> buffer{};
  while (const std::size_t n = read(buffer.data(), buffer.size())) {
    // A file that grows while it is read (or one whose size says nothing, as in /proc).
    if (bytes.size() + n > max_bytes) throw too_large(bytes.size() + n);
    bytes.append(buffer.data(), n);
  }
  return bytes;
}

std::string read_input_file(const std::filesystem::path& path, std::string_view expected,
                            std::uint64_t max_bytes) {
  return InputFile(path, expected).read_all(max_bytes);
}

void refuse_special_file(const std::filesystem::path& path, std::string_view expected) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    refuse_kind(path, st.st_mode, expected);
}

void check_regular_file(int fd, const std::filesystem::path& path, std::string_view expected) {
  (void)regular_file_stat(fd, path, expected);
}

std::string byte_size(std::uint64_t bytes) {
  constexpr std::array<const char*, 7> kUnits = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} bytes", bytes);
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

}  // namespace savant
