#pragma once
// Every file savant writes goes through here: the bytes go to a temporary file beside the
// target, are flushed to disk, and the temporary is renamed over the target. A crash or a
// full disk leaves either the old file or the new one, never a half-written one.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace savant {

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// Removes the temporaries that write_file_atomically left for `names` in `dir` when a process
// was killed between creating and renaming them ("<name>.tmp.XXXXXX"). They are never
// results; a run calls this before writing its own files.
void remove_stale_temporaries(const std::filesystem::path& dir, std::span<const std::string> names);

// Creates `dir` (and parents) if needed and checks that files can be written in it.
void ensure_writable_directory(const std::filesystem::path& dir);

}  // namespace savant
