#pragma once
// Every file a user names is read through here. Only a regular file is read: a FIFO would block
// the open or the read forever, a device such as /dev/zero never ends, and a directory is not
// data. The file is opened without blocking and checked on the opened descriptor (fstat), so
// what is checked is what is read. A caller gives the largest size a legitimate file of its
// kind can have; a bigger file is refused before it is read.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace savant {

class InputFile {
 public:
  // Opens `path` read-only (O_NONBLOCK, O_NOCTTY, O_CLOEXEC). Throws Error naming the file when
  // it is missing, cannot be opened, or is not a regular file (a directory, a FIFO, a device, a
  // socket). `expected` says what the file should be, for the message: "an IDX file".
  InputFile(const std::filesystem::path& path, std::string_view expected);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // The file's size when it was opened.
  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_; }
  // Hands the descriptor over (to gzdopen); this object no longer closes it.
  int release();

  // Up to `size` bytes into `out`, from where the descriptor stands; 0 at the end of the file.
  // Throws Error naming the file when the read fails.
  std::size_t read(char* out, std::size_t size);

  // The whole file, from where the descriptor stands. Throws Error, naming the file, the size
  // and the limit, when it holds more than `max_bytes` (before reading when its size says so,
  // and while reading when it grows); or when a read fails.
  std::string read_all(std::uint64_t max_bytes);

 private:
  std::filesystem::path path_;
  std::string expected_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// InputFile(path, expected).read_all(max_bytes).
std::string read_input_file(const std::filesystem::path& path, std::string_view expected,
                            std::uint64_t max_bytes);

// For a file another library opens by name (SQLite): throws Error, as InputFile does, when
// `path` exists and is not a regular file. A missing path is not an error here. The check is a
// stat, which neither opens nor waits on a FIFO or a device.
void refuse_special_file(const std::filesystem::path& path, std::string_view expected);

// For a descriptor opened by other means (a writer's, O_NONBLOCK): throws Error, as InputFile
// does, unless `fd` is a regular file; `path` and `expected` are for the message.
void check_regular_file(int fd, const std::filesystem::path& path, std::string_view expected);

// "12.5 MiB": a byte count for messages.
std::string byte_size(std::uint64_t bytes);

}  // namespace savant
