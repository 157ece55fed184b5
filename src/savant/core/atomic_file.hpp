#pragma once
// Every file savant writes goes through here: the bytes go to a temporary file beside the
// target, are flushed to disk, and the temporary is renamed over the target. A crash or a
// full disk leaves either the old file or the new one, never a half-written one.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace savant {

// The new file honours the umask; a file it replaces keeps its permissions. Only a regular file
// is replaced: an existing link, device, pipe or directory at `path` is an Error.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// "a symbolic link", "a character device", ...: what an lstat mode says a path is, for messages.
std::string file_kind(mode_t mode);

// Before the work that leads to a file: throws Error when `path` exists and is not a regular file
// (write_file_atomically would refuse it at the end) or its directory cannot be written.
void check_output_file(const std::filesystem::path& path);

// Creates `dir` (and parents) if needed and checks that files can be written in it.
void ensure_writable_directory(const std::filesystem::path& dir);

}  // namespace savant
