#pragma once
// The lock on an output, and the names of what savant keeps beside an output NAME in its
// directory while it writes it (docs/RELIABILITY.md, "Outputs are whole sets"):
//
//   .NAME.lock               the lock: an flock held by the writer, which holds its pid
//   .NAME.savant-XXXXXXXX    a staging directory (core/output_set.hpp), X in [a-z0-9]
//
// Each name belongs to one output only: a staging name ends in exactly eight characters that
// hold no '.', and a lock name in ".lock", so no name of an output "x.savant-y" is one of "x".

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace savant {

// ".NAME.lock".
std::string lock_name(std::string_view name);
// ".NAME.savant-" and eight characters of [a-z0-9], drawn from the system's random source.
std::string new_staging_name(std::string_view name);
// Whether `entry` is a staging name of the output `name` (new_staging_name's form, exactly).
bool is_staging_name(std::string_view entry, std::string_view name);
// How many bytes the longest of these names adds to NAME (for check_output_path).
inline constexpr std::size_t kBesideOutputSet = 17;  // "." before, ".savant-" and 8 after

// The directory entry `path` names (kernel_path), for an output that is a directory. Throws
// Error for "." and "..", which name no entry of their parent.
std::filesystem::path output_entry(const std::filesystem::path& path);

// An exclusive lock on an output, held until destruction: an flock on `.NAME.lock` beside it,
// which the kernel releases when the holder dies, however it dies. Throws Error ("... is in use
// by process N") when another process holds it.
//
// The lock file is opened in its directory without following links, and savant writes only into
// a lock file it created itself: one that a dead writer left is removed and made anew when it is
// a regular file of this user with one link holding a pid (or nothing); anything else there (a
// link, a device, another user's file, a file with other contents) is refused, saying what is
// there and how to remove it. Once held, the lock removes the staging directories that dead
// writers of the output left beside it.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  // The output as the kernel names it (output_entry).
  const std::filesystem::path& target() const { return target_; }
  // A descriptor (O_PATH) of the directory the output lies in, open while the lock is held.
  int directory() const { return dir_fd_; }

 private:
  std::filesystem::path target_;
  std::string name_;  // the lock file's name in the directory
  int dir_fd_ = -1, fd_ = -1;
};

}  // namespace savant
