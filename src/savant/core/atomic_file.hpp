#pragma once
// Every file savant writes goes through here: the bytes go to a temporary file beside the
// target, are flushed to disk, and the temporary is renamed over the target. A crash or a
// full disk leaves either the old file or the new one, never a half-written one.
//
// The temporary of NAME is "NAME.tmp.XXXXXX" (six hex digits), and its writer holds an flock on
// it from the moment it is named until it is renamed, so a temporary that can be locked was left
// by a writer that died (the kernel releases the lock however its holder dies): the next writer
// of NAME removes those.

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace savant {

// The new file honours the umask; a file it replaces keeps its permissions. Only a regular file
// is replaced: an existing link, device, pipe or directory at `path` is an Error. Before it
// writes, it removes the temporaries of `path` that dead writers left.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// How many bytes the temporary's name adds to the target's (".tmp." and six digits).
inline constexpr std::size_t kBesideFile = 11;

// Whether `entry` is the name of a temporary of the file `name`, exactly in the form above.
bool is_temporary_name(std::string_view entry, std::string_view name);

// Removes the temporary `path` when its writer is dead: a regular file of this user, with one
// name, that no process holds locked. Returns whether it is gone (removed now or before).
bool remove_dead_temporary(const std::filesystem::path& path);

// "a symbolic link", "a character device", ...: what an lstat mode says a path is, for messages.
std::string file_kind(mode_t mode);

// Before the work that leads to a file: throws Error when `path` exists and is not a regular file
// (write_file_atomically would refuse it at the end), its directory cannot be written, or its
// path does not fit the system's limits or is not UTF-8 (check_output_path).
void check_output_file(const std::filesystem::path& path);

// Creates `dir` (and parents) if needed and checks that files can be written in it.
void ensure_writable_directory(const std::filesystem::path& dir);

}  // namespace savant
