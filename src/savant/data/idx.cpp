#include "savant/data/idx.hpp"

#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/input_file.hpp"
#include "savant/data/image_limits.hpp"

namespace savant {
namespace {

constexpr std::uint8_t kTypeUnsignedByte = 0x08;

// Reads a raw or gzip file (zlib reads raw files transparently) and reports any error with
// the file's name. Only a regular file is opened (core/input_file.hpp): the descriptor is
// checked, then handed to zlib.
class IdxInput {
 public:
  explicit IdxInput(const std::filesystem::path& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      throw SystemError(
          fmt::format("{}: file not found (check the data directory, or install the data "
                      "set with scripts/setup)",
                      path.string()),
          ENOENT, path.string());
    }
    InputFile input(path, "an IDX file");
    size_ = input.size();
    const int fd = input.release();
    file_.reset(gzdopen(fd, "rb"));
    if (!file_) {
      ::close(fd);
      throw ResourceError(fmt::format("{}: cannot open for reading: out of memory", path.string()));
    }
    gzbuffer(file_.get(), 1 << 17);
  }

  // Reads exactly `size` bytes or throws, calling it truncated.
  void read_exact(std::uint8_t* out, std::size_t size, const char* what) {
    while (size > 0) {
      unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30));
      int n = gzread(file_.get(), out, chunk);
      if (n < 0) throw_zlib_error();
      if (n == 0) {
        int code = 0;
        gzerror(file_.get(), &code);
        if (code != Z_OK) throw_zlib_error();
        throw InputError(
            fmt::format("{}: truncated: the file ends inside the {}", path_.string(), what));
      }
      out += n;
      size -= static_cast<std::size_t>(n);
    }
  }

  void expect_end() {
    std::uint8_t extra;
    int n = gzread(file_.get(), &extra, 1);
    if (n < 0) throw_zlib_error();
    if (n > 0) {
      throw InputError(
          fmt::format("{}: unexpected bytes after the payload (the header's dimensions do "
                      "not match the file's size)",
                      path_.string()));
    }
  }

  const std::filesystem::path& path() const { return path_; }

  // The bytes left in the file when it is stored raw (not gzip), else nullopt: zlib only
  // knows after the first read whether it is passing bytes through.
  std::optional<std::uint64_t> raw_bytes_left() {
    if (gzdirect(file_.get()) != 1) return std::nullopt;
    const z_off_t position = gztell(file_.get());
    if (position < 0 || size_ < static_cast<std::uint64_t>(position)) return std::nullopt;
    return size_ - static_cast<std::uint64_t>(position);
  }

 private:
  [[noreturn]] void throw_zlib_error() {
    int code = 0;
    const char* message = gzerror(file_.get(), &code);
    throw InputError(
        fmt::format("{}: cannot decompress: {} (the gzip file is corrupt or truncated)",
                    path_.string(), message ? message : "unknown zlib error"));
  }

  struct GzClose {
    void operator()(gzFile f) const { gzclose(f); }
  };
  std::filesystem::path path_;
  std::uint64_t size_ = 0;  // the file's, at open
  std::unique_ptr<std::remove_pointer_t<gzFile>, GzClose> file_;
};

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Reads the header and returns the dimensions after checking magic, type and rank.
std::vector<std::uint32_t> read_header(IdxInput& in, std::uint8_t expected_rank) {
  std::array<std::uint8_t, 4> magic{};
  in.read_exact(magic.data(), magic.size(), "header");
  if (magic[0] != 0 || magic[1] != 0) {
    throw InputError(
        fmt::format("{}: bad magic number {:02x}{:02x}{:02x}{:02x}: not an IDX file "
                    "(expected 0000 then type and rank, e.g. 00000803 for images)",
                    in.path().string(), magic[0], magic[1], magic[2], magic[3]));
  }
  if (magic[2] != kTypeUnsignedByte) {
    throw InputError(
        fmt::format("{}: element type 0x{:02x} is not supported; savant reads unsigned "
                    "byte data (type 0x08)",
                    in.path().string(), magic[2]));
  }
  if (magic[3] != expected_rank) {
    throw InputError(fmt::format("{}: has {} dimension(s), expected {} ({})", in.path().string(),
                                 magic[3], expected_rank,
                                 expected_rank == 1 ? "a label file"
                                                    : "an image file: count, rows, "
                                                      "columns"));
  }
  std::vector<std::uint8_t> raw(4u * expected_rank);
  in.read_exact(raw.data(), raw.size(), "header");
  std::vector<std::uint32_t> dims(expected_rank);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    dims[i] = big_endian_u32(raw.data() + 4 * i);
    if (dims[i] == 0) {
      throw InputError(
          fmt::format("{}: dimension {} is zero; the file holds no data", in.path().string(), i));
    }
  }
  // Before anything is allocated: what the header claims must be a data set savant can hold.
  check_image_count(dims[0], in.path().string());
  if (expected_rank == 3) check_image_shape(dims[1], dims[2], in.path().string());
  std::uint64_t total = 1;
  for (std::uint32_t d : dims) total *= d;  // at most kMaxImages x kMaxImagePixels: no wrap
  if (total > kMaxIdxPayload) {
    throw ResourceError(fmt::format(
        "{}: the header claims {} bytes of data, more than the {} savant reads from one file "
        "(a corrupt header?)",
        in.path().string(), total, byte_size(kMaxIdxPayload)));
  }
  return dims;
}

// A header can claim up to kMaxIdxPayload bytes whatever the file holds. A raw file's size is
// checked against the claim before anything is allocated; a gzip file's size says nothing,
// so its payload is read in pieces that at most double what has arrived so far, and a
// corrupt header costs memory in proportion to the data actually present.
std::vector<std::uint8_t> read_payload(IdxInput& in, std::uint64_t size) {
  if (const std::optional<std::uint64_t> left = in.raw_bytes_left()) {
    if (*left < size) {
      throw InputError(
          fmt::format("{}: truncated: the header's dimensions need {} bytes of data but the "
                      "file holds {}",
                      in.path().string(), size, *left));
    }
    if (*left > size) {
      throw InputError(
          fmt::format("{}: unexpected bytes after the payload: the header's dimensions need {} "
                      "bytes of data but the file holds {}",
                      in.path().string(), size, *left));
    }
  }
  std::vector<std::uint8_t> data;
  constexpr std::uint64_t kFirstPiece = std::uint64_t{1} << 16;
  while (data.size() < size) {
    const std::size_t start = data.size();
    const std::size_t piece = static_cast<std::size_t>(
        std::min<std::uint64_t>(std::max<std::uint64_t>(kFirstPiece, start), size - start));
    data.resize(start + piece);
    in.read_exact(data.data() + start, piece, "data");
  }
  in.expect_end();
  return data;
}

std::string header_bytes(std::uint8_t rank, std::span<const std::uint32_t> dims) {
  std::string out = {0, 0, static_cast<char>(kTypeUnsignedByte), static_cast<char>(rank)};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(d >> shift));
  }
  return out;
}

std::string gzip(std::string_view bytes) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper, as gzip(1) writes. Level 1: on the 47 MB of
  // Fashion-MNIST's training images it is 25 times faster than level 9 (2 s against 57 s)
  // for a file 5% larger.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw ResourceError("zlib: cannot initialise compression (out of memory)");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw ResourceError("zlib: compression failed");
  out.resize(stream.total_out);
  return out;
}

void write_idx(const std::filesystem::path& path, std::uint8_t rank,
               std::span<const std::uint32_t> dims, std::span<const std::uint8_t> payload) {
  std::string bytes = header_bytes(rank, dims);
  bytes.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (path.extension() == ".gz") bytes = gzip(bytes);
  write_file_atomically(path, bytes);
}

std::uint32_t checked_u32(std::size_t value, const std::filesystem::path& path) {
  if (value == 0 || value > 0xFFFFFFFFu) {
    throw InputError(
        fmt::format("{}: dimension {} cannot be written to an IDX file", path.string(), value));
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace

ImageSet read_idx_images(const std::filesystem::path& path) {
  IdxInput in(path);
  std::vector<std::uint32_t> dims = read_header(in, 3);
  ImageSet images;
  images.count = dims[0];
  images.rows = dims[1];
  images.cols = dims[2];
  images.pixels = read_payload(in, std::uint64_t{dims[0]} * dims[1] * dims[2]);
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
  IdxInput in(path);
  std::vector<std::uint32_t> dims = read_header(in, 1);
  return read_payload(in, dims[0]);
}

void write_idx_images(const std::filesystem::path& path, const ImageSet& images) {
  std::array<std::uint32_t, 3> dims = {checked_u32(images.count, path),
                                       checked_u32(images.rows, path),
                                       checked_u32(images.cols, path)};
  write_idx(path, 3, dims, images.pixels);
}

void write_idx_labels(const std::filesystem::path& path, std::span<const std::uint8_t> labels) {
  std::array<std::uint32_t, 1> dims = {checked_u32(labels.size(), path)};
  write_idx(path, 1, dims, labels);
}

}  // namespace savant
