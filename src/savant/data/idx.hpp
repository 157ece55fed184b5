#pragma once
// IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): a big-endian header
// {0, 0, type, ndim, dim0 .. dimN-1} followed by the payload. savant reads unsigned-byte
// files with 1 (labels) or 3 (images) dimensions, raw or gzip-compressed.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "savant/data/image_set.hpp"

namespace savant {

// Throws savant::Error naming the file and what is wrong: missing or unreadable file, bad
// magic, element type other than unsigned byte, wrong dimension count, a dimension of zero,
// a payload that is too large, truncated, or followed by extra bytes.
ImageSet read_idx_images(const std::filesystem::path& path);
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path);

// Written atomically; gzip-compressed when `path` ends in ".gz".
void write_idx_images(const std::filesystem::path& path, const ImageSet& images);
void write_idx_labels(const std::filesystem::path& path, std::span<const std::uint8_t> labels);

// The largest payload a reader accepts (bytes); a header that claims more is rejected before
// anything is allocated.
inline constexpr std::uint64_t kMaxIdxPayload = std::uint64_t{1} << 32;

}  // namespace savant
