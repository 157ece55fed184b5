#include "savant/data/idx.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/huge_pages.hpp"
#include "savant/core/input_file.hpp"
#include "savant/data/idx_cache.hpp"
#include "savant/data/image_limits.hpp"

namespace savant {
namespace {

constexpr std::uint8_t kTypeUnsignedByte = 0x08;

// The bytes of an IDX file: a raw file as stored, a gzip file (gzip(1)'s format, one member or
// several) decompressed whole by libdeflate, which on the 26 MB of Fashion-MNIST's training
// images takes less than half of zlib's time (docs/PERFORMANCE.md). Only a regular file is read
// (core/input_file.hpp). What is decompressed is bounded by the header's claim: the header is
// read first (zlib inflates its few bytes), checked, and the rest is inflated into room for the
// claimed payload and one byte more, so a small file claiming much costs no more memory than
// the data it holds, and a file holding more than its header says is refused without being
// inflated to the end.
class IdxInput {
 public:
  // `head_size`: the IDX header's size, which head() will be asked for.
  IdxInput(const std::filesystem::path& path, std::size_t head_size) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      throw SystemError(
          fmt::format("{}: file not found (check the data directory, or install the data "
                      "set with scripts/setup)",
                      path.string()),
          ENOENT, path.string());
    }
    InputFile file(path, "an IDX file");
    // A big gzip file read before: its content from the cache (data/idx_cache.hpp), checked
    // against the file's gzip trailer; else the file is read and inflated as below, and its
    // content cached.
    if (const std::optional<GzipIdentity> id = gzip_identity(file.fd())) {
      cache_dir_ = idx_cache_dir();
      if (cache_dir_) cached_ = read_cached_content(*cache_dir_, *id, head_size);
      if (cached_) return;
      identity_ = id;
    }
    // A gzip file of kMaxIdxPayload incompressible bytes is a little larger than that (stored
    // blocks cost 5 bytes in 64 KiB); anything much larger cannot be an IDX file savant reads.
    stored_ = file.read_all(kMaxIdxPayload + kMaxIdxPayload / 8);
    gzip_ = stored_.size() >= 2 && static_cast<std::uint8_t>(stored_[0]) == 0x1f &&
            static_cast<std::uint8_t>(stored_[1]) == 0x8b;
  }

  // The first `size` bytes of the file's content (fewer when it ends before). Throws when the
  // gzip data is corrupt in its first 128 KiB: a header inflated from a damaged stream would
  // otherwise be judged (its counts) before the damage is seen, as zlib's gzread, which fills
  // a buffer of that size, did not.
  std::string head(std::size_t size) {
    if (cached_) return cached_->head.substr(0, size);
    if (!gzip_) return stored_.substr(0, size);
    std::string out(std::max<std::size_t>(size, std::size_t{1} << 17), '\0');
    z_stream stream{};
    if (inflateInit2(&stream, 15 + 16) != Z_OK) {
      throw ResourceError(fmt::format("{}: cannot decompress: out of memory", path_.string()));
    }
    stream.next_in = reinterpret_cast<Bytef*>(stored_.data());
    stream.avail_in = static_cast<uInt>(std::min<std::size_t>(stored_.size(), 1u << 30));
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    int rc = Z_OK;
    while (stream.avail_out > 0) {
      rc = inflate(&stream, Z_NO_FLUSH);
      if (rc == Z_STREAM_END && stream.avail_in > 0) {
        rc = inflateReset(&stream);  // the next member
        continue;
      }
      if (rc != Z_OK) break;
    }
    const std::size_t produced = std::min(size, out.size() - stream.avail_out);
    const std::string message = stream.msg != nullptr ? stream.msg : "";
    inflateEnd(&stream);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) throw_corrupt(message);
    out.resize(produced);
    return out;
  }

  // The content after its first `offset` bytes, at most `size` of them; when the content goes
  // on past that, the result holds one byte more (and no more is inflated).
  std::vector<std::uint8_t> body(std::size_t offset, std::uint64_t size) {
    const std::size_t room = offset + static_cast<std::size_t>(size) + 1;
    if (cached_ && offset == cached_->head.size()) {
      std::vector<std::uint8_t> rest = std::move(cached_->rest);
      if (rest.size() > room - offset) rest.resize(room - offset);
      return rest;
    }
    if (!gzip_) {
      const std::size_t end = std::min(stored_.size(), room);
      return std::vector<std::uint8_t>(stored_.begin() + static_cast<std::ptrdiff_t>(offset),
                                       stored_.begin() + static_cast<std::ptrdiff_t>(end));
    }
    // The content is inflated straight into the vector returned, whose memory is touched once:
    // on this machine's VM, first touching fresh memory costs more than inflating into it. Its
    // size: the header's claim, but no more than DEFLATE can expand the file (1032 times: a
    // 258-byte match in 2 bits) and, at first, than the gzip trailer's size of the content
    // (that of the last member only, when there are several: then a second try with the room
    // the claim allows).
    const std::size_t most = std::min(room, stored_.size() * 1040 + 64);
    const std::size_t trailer = content_size_in_trailer();
    std::vector<std::uint8_t> out = zeroed_big_buffer<std::vector<std::uint8_t>>(
        std::min(most, std::max<std::size_t>(trailer + 1, 1 << 16)));
    std::size_t produced = inflate_into(out);
    if (produced == out.size() && out.size() < most) {
      out = zeroed_big_buffer<std::vector<std::uint8_t>>(most);
      produced = inflate_into(out);
    }
    // The whole content of a file of one member, as its trailer says: worth caching.
    if (identity_ && cache_dir_ && members_ == 1 && produced < out.size() &&
        (produced & 0xFFFFFFFFu) == identity_->content_size) {
      (void)store_cached_content(*cache_dir_, *identity_, std::span(out.data(), produced));
    }
    if (produced <= offset) return {};
    out.resize(produced);
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(offset));
    return out;
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  [[noreturn]] void throw_corrupt(const std::string& message) {
    throw InputError(
        fmt::format("{}: cannot decompress: {} (the gzip file is corrupt or truncated)",
                    path_.string(), message.empty() ? "unknown error" : message));
  }

  // ISIZE, the last 4 bytes of a gzip file: its (last member's) content's size modulo 2^32.
  std::size_t content_size_in_trailer() const {
    if (stored_.size() < 18) return 0;
    const auto* p = reinterpret_cast<const std::uint8_t*>(stored_.data() + stored_.size() - 4);
    return std::size_t{p[0]} | std::size_t{p[1]} << 8 | std::size_t{p[2]} << 16 |
           std::size_t{p[3]} << 24;
  }

  // Inflates every member into `out`; returns the bytes produced, all of `out` when the content
  // does not fit.
  std::size_t inflate_into(std::vector<std::uint8_t>& out) {
    struct Free {
      void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
    };
    const std::unique_ptr<libdeflate_decompressor, Free> decompressor(
        libdeflate_alloc_decompressor());
    if (!decompressor) {
      throw ResourceError(fmt::format("{}: cannot decompress: out of memory", path_.string()));
    }
    std::size_t in = 0, produced = 0;
    members_ = 0;
    while (in < stored_.size() && produced < out.size()) {
      std::size_t member_in = 0, member_out = 0;
      const libdeflate_result rc = libdeflate_gzip_decompress_ex(
          decompressor.get(), stored_.data() + in, stored_.size() - in, out.data() + produced,
          out.size() - produced, &member_in, &member_out);
      if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) return out.size();
      if (rc != LIBDEFLATE_SUCCESS) throw_corrupt("invalid compressed data");
      in += member_in;
      produced += member_out;
      ++members_;
    }
    return produced;
  }

  std::filesystem::path path_;
  std::string stored_;  // the file's bytes
  bool gzip_ = false;
  std::size_t members_ = 0;  // gzip members inflated
  std::optional<std::filesystem::path> cache_dir_;
  std::optional<GzipIdentity> identity_;  // of a gzip file to cache once inflated
  std::optional<CachedContent> cached_;   // its content, read from the cache
};

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Reads the header and returns the dimensions after checking magic, type and rank.
std::vector<std::uint32_t> read_header(IdxInput& in, std::uint8_t expected_rank) {
  const std::size_t header_size = 4u + 4u * expected_rank;
  const std::string head = in.head(header_size);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(head.data());
  auto truncated = [&] {
    return InputError(
        fmt::format("{}: truncated: the file ends inside the header", in.path().string()));
  };
  if (head.size() < 4) throw truncated();
  const std::array<std::uint8_t, 4> magic = {bytes[0], bytes[1], bytes[2], bytes[3]};
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
  if (head.size() < header_size) throw truncated();
  const std::uint8_t* raw = bytes + 4;
  std::vector<std::uint32_t> dims(expected_rank);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    dims[i] = big_endian_u32(raw + 4 * i);
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

// The payload after the header, of exactly `size` bytes, or an error that says how many the file
// holds.
std::vector<std::uint8_t> read_payload(IdxInput& in, std::uint8_t rank, std::uint64_t size) {
  std::vector<std::uint8_t> data = in.body(4u + 4u * rank, size);
  if (data.size() < size) {
    throw InputError(
        fmt::format("{}: truncated: the header's dimensions need {} bytes of data but the "
                    "file holds {}",
                    in.path().string(), size, data.size()));
  }
  if (data.size() > size) {
    throw InputError(
        fmt::format("{}: unexpected bytes after the payload: the header's dimensions need {} "
                    "bytes of data but the file holds more",
                    in.path().string(), size));
  }
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
  IdxInput in(path, 4 + 4 * 3);
  std::vector<std::uint32_t> dims = read_header(in, 3);
  ImageSet images;
  images.count = dims[0];
  images.rows = dims[1];
  images.cols = dims[2];
  images.pixels = read_payload(in, 3, std::uint64_t{dims[0]} * dims[1] * dims[2]);
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
  IdxInput in(path, 4 + 4 * 1);
  std::vector<std::uint32_t> dims = read_header(in, 1);
  return read_payload(in, 1, dims[0]);
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
