#pragma once
// SHA-256 of a file, as 64 lower-case hex digits: what a run's manifest records of each file
// (docs/RELIABILITY.md). OpenSSL computes it.

#include <filesystem>
#include <string>
#include <string_view>

namespace savant {

std::string sha256_hex(std::string_view bytes);
// Throws Error when the file cannot be read or is not a regular file (core/input_file.hpp).
std::string file_sha256(const std::filesystem::path& path);

}  // namespace savant
