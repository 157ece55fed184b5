#pragma once
// Checks that a file savant wrote is whole: the crash-safety and command-line tests use it to
// tell a complete result from a truncated or half-written one.

#include <filesystem>
#include <string>
#include <vector>

namespace savant::testing {

// Empty when `path` is a complete file of its kind (results.json parses as a JSON object; a
// PNG has the signature and ends with its IEND chunk; a .safetensors loads as a savant
// model with finite weights; SVG and PDF have their header and end; a CSV file's rows have the
// header's number of fields), else what is wrong with it.
std::string result_file_problem(const std::filesystem::path& path);

// The regular files under `dir` (recursively); empty when `dir` does not exist.
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir);

// A temporary of write_file_atomically ("<name>.tmp.XXXXXX"): not a result file.
bool is_atomic_temporary(const std::filesystem::path& path);

}  // namespace savant::testing
