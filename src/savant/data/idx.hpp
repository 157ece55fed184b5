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

// Throws savant::Error naming the file and what is wrong: missing or unreadable file, not a
// regular file (a FIFO, a device), bad magic, element type other than unsigned byte, wrong
// dimension count, a dimension of zero, images or a count over data/image_limits.hpp's limits,
// a payload that is too large, truncated, or followed by extra bytes (a gzip file is inflated
// only as far as the header's size and one byte more).
ImageSet read_idx_images(const std::filesystem::path& path);
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path);

// Written atomically; gzip-compressed when `path` ends in ".gz".
void write_idx_images(const std::filesystem::path& path, const ImageSet& images);
void write_idx_labels(const std::filesystem::path& path, std::span<const std::uint8_t> labels);

// The largest payload a reader accepts (bytes); a header that claims more is refused before
// anything is allocated. A run holds its images a few times over (the training set, its shuffled
// copy, the test sets): 1 GiB of images is a few GiB of memory. Fashion-MNIST's training set is
// 47 MB, EMNIST's largest 547 MB. The header's image shape and count are checked against
// data/image_limits.hpp first.
inline constexpr std::uint64_t kMaxIdxPayload = std::uint64_t{1} << 30;

}  // namespace savant
