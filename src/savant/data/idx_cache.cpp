#include "savant/data/idx_cache.hpp"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/huge_pages.hpp"

namespace savant {
namespace {

// An entry: this header, then the content. Integers little-endian.
constexpr std::string_view kMagic = "savant idx cache 1\n";  // 19 bytes, then zeros to 24
constexpr std::size_t kHeader = 24 + 8 + 8 + 4 + 4 + 8;      // + size, mtime, crc, isize, length

void put(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

std::uint64_t get(const unsigned char* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = value << 8 | p[i];
  return value;
}

std::string header_of(const GzipIdentity& id, std::uint64_t length) {
  std::string out(kMagic);
  out.resize(24, '\0');
  put(out, id.size, 8);
  put(out, static_cast<std::uint64_t>(id.mtime_ns), 8);
  put(out, id.crc, 4);
  put(out, id.content_size, 4);
  put(out, length, 8);
  return out;
}

// Reads exactly `size` bytes at `offset`; false on an error or a short file.
bool read_at(int fd, void* out, std::size_t size, std::uint64_t offset) {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    const ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

std::optional<GzipIdentity> gzip_identity(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < kMinCachedGzip) return std::nullopt;
  std::array<unsigned char, 2> magic{};
  std::array<unsigned char, 8> trailer{};
  if (!read_at(fd, magic.data(), magic.size(), 0) || magic[0] != 0x1f || magic[1] != 0x8b ||
      !read_at(fd, trailer.data(), trailer.size(), size - trailer.size())) {
    return std::nullopt;
  }
  return GzipIdentity{size, std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
                      static_cast<std::uint32_t>(get(trailer.data(), 4)),
                      static_cast<std::uint32_t>(get(trailer.data() + 4, 4))};
}

std::optional<std::filesystem::path> idx_cache_dir() {
  if (const char* env = std::getenv("SAVANT_CACHE"); env != nullptr && *env != '\0') {
    if (std::string_view(env) == "off") return std::nullopt;
    return std::filesystem::path(env);
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
    return std::filesystem::path(xdg) / "savant";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    return std::filesystem::path(home) / ".cache" / "savant";
  }
  return std::nullopt;
}

std::filesystem::path idx_cache_entry(const std::filesystem::path& dir, const GzipIdentity& id) {
  return dir / fmt::format("idx-{:08x}-{}-{}.cache", id.crc, id.content_size, id.size);
}

std::optional<CachedContent> read_cached_content(const std::filesystem::path& dir,
                                                 const GzipIdentity& id, std::size_t head_size) {
  // O_NOFOLLOW: a link at the entry's name is a miss, whatever it points to.
  const int fd = ::open(idx_cache_entry(dir, id).c_str(),
                        O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close{fd};
  struct stat st {};
  std::array<unsigned char, kHeader> header{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      static_cast<std::uint64_t>(st.st_size) < kHeader + head_size ||
      !read_at(fd, header.data(), header.size(), 0)) {
    return std::nullopt;
  }
  const std::uint64_t length = static_cast<std::uint64_t>(st.st_size) - kHeader;
  const std::string expected = header_of(id, length);
  if (std::memcmp(header.data(), expected.data(), kHeader) != 0 ||
      (length & 0xFFFFFFFFu) != id.content_size) {
    return std::nullopt;
  }
  CachedContent content;
  content.head.resize(head_size);
  content.rest =
      zeroed_big_buffer<std::vector<std::uint8_t>>(static_cast<std::size_t>(length - head_size));
  if (!read_at(fd, content.head.data(), head_size, kHeader) ||
      !read_at(fd, content.rest.data(), content.rest.size(), kHeader + head_size)) {
    return std::nullopt;
  }
  std::uint32_t crc = libdeflate_crc32(0, content.head.data(), content.head.size());
  crc = libdeflate_crc32(crc, content.rest.data(), content.rest.size());
  if (crc != id.crc) return std::nullopt;
  return content;
}

bool store_cached_content(const std::filesystem::path& dir, const GzipIdentity& id,
                          std::span<const std::uint8_t> content) {
  try {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::string bytes = header_of(id, content.size());
    bytes.reserve(bytes.size() + content.size());
    advise_huge_pages(bytes.data(), bytes.capacity());
    bytes.append(reinterpret_cast<const char*>(content.data()), content.size());
    write_file_atomically(idx_cache_entry(dir, id), bytes);
    return true;
  } catch (const std::exception&) {
    return false;  // a read-only or full cache, a link at the entry's name: no entry
  }
}

}  // namespace savant
