#pragma once
// A cache of the content of big gzip IDX files, so that a second reading of a data set copies
// its bytes instead of inflating them (docs/PERFORMANCE.md: inflating Fashion-MNIST's training
// images is most of a reproduction's loading).
//
// An entry is the gzip file's whole content (IDX header and payload) after a header that says
// which gzip file it came from: that file's size, modification time, and the CRC-32 and size of
// its content from its gzip trailer. An entry is used only when all four match the gzip file
// read now and the CRC-32 of the entry's content, computed as it is read, equals the trailer's:
// it is then the content inflating the file would give (up to a CRC-32 collision, which only
// someone who can write the cache can plant). Anything else (a missing, short, corrupt or
// foreign entry, a link, another user's file) is a miss: the file is inflated as without a
// cache and the entry written again. An entry is written whole or not at all
// (write_file_atomically: a temporary file renamed over it), so concurrent writers leave one
// writer's complete entry; a cache that cannot be written (read-only, full, a link planted at
// an entry's name) is left alone, and the run goes on.
//
// Where: $SAVANT_CACHE, else $XDG_CACHE_HOME/savant, else $HOME/.cache/savant; SAVANT_CACHE=off
// turns the cache off. Only gzip files of a single member and at least kMinCachedGzip bytes are
// cached (Fashion-MNIST's two image files).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace savant {

inline constexpr std::uint64_t kMinCachedGzip = std::uint64_t{1} << 20;

// What identifies a gzip file's content: its size and modification time (nanoseconds), and its
// trailer's CRC-32 and content size (modulo 2^32).
struct GzipIdentity {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint32_t crc = 0;
  std::uint32_t content_size = 0;
  bool operator==(const GzipIdentity&) const = default;
};

// The identity of the open gzip file `fd` (its trailer read with pread, the descriptor's
// position unchanged), or nothing when it is too small to be cached or not a gzip file.
std::optional<GzipIdentity> gzip_identity(int fd);

// The cache directory, or nothing when SAVANT_CACHE=off or no directory is known.
std::optional<std::filesystem::path> idx_cache_dir();

// The entry's file for a gzip file of this identity, inside `dir`.
std::filesystem::path idx_cache_entry(const std::filesystem::path& dir, const GzipIdentity& id);

// The content of the entry of `id` in `dir`, its first `head_size` bytes apart (the IDX
// header) and the rest in a buffer for huge pages (core/huge_pages.hpp), when the entry is a
// regular file of this user (not a link), its header matches `id` and the CRC-32 of its content
// is the trailer's; else nothing.
struct CachedContent {
  std::string head;
  std::vector<std::uint8_t> rest;
};
std::optional<CachedContent> read_cached_content(const std::filesystem::path& dir,
                                                 const GzipIdentity& id, std::size_t head_size);

// Writes the entry of `id` in `dir` (creating `dir`): `content` is the gzip file's whole
// content. Returns whether it was written; any failure leaves the cache as it was.
bool store_cached_content(const std::filesystem::path& dir, const GzipIdentity& id,
                          std::span<const std::uint8_t> content);

}  // namespace savant
