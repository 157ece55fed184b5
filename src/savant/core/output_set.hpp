#pragma once
// An output that is a set of files (a run directory, a shuffled data set) is replaced as a whole
// or not at all (docs/RELIABILITY.md). Its files are written into a staging directory beside the
// target, and commit() swaps the two directories in one step (renameat2 RENAME_EXCHANGE), so a
// kill, a crash or a full disk at any moment leaves either the complete old set or the complete
// new one. While the set is open it holds a lock, so a second writer fails at once.
//
//   OutputSet out("runs/a", names_the_command_writes, inputs);   // locks, checks, stages
//   write_file_atomically(out.staging() / "results.json", ...);
//   out.commit();                                        // swaps in, removes the old set

#include <sys/types.h>
#include <filesystem>
#include <span>
#include <string>

namespace savant {

// An exclusive lock on an output path, held until destruction. It is an flock on a hidden file
// beside the target (".<name>.lock"), which the kernel releases when the holder dies, however it
// dies. Throws Error ("... is in use by process N") when another process holds it. Once held,
// it removes the staging directories that dead writers of the target left beside it.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& target);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::filesystem::path target_, path_;  // the output, its lock file
  int fd_ = -1;
};

class OutputSet {
 public:
  // `target` must be absent, or a directory (not a link to one) that holds only entries named
  // in `replaceable`: savant never deletes what it did not write; and it must be none of the
  // command's `inputs` nor hold one (refuse_output_over_inputs). Throws Error otherwise.
  OutputSet(std::filesystem::path target, std::span<const std::string> replaceable,
            std::span<const std::filesystem::path> inputs = {});
  // Without a commit, the staging directory and everything in it are removed.
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& staging() const { return staging_; }

  // Makes the staged files the target's: each keeps the permissions of the file it replaces,
  // the directory those of the directory it replaces; then the swap; then the old set goes.
  void commit();

 private:
  std::filesystem::path target_, staging_;
  OutputLock lock_;
};

// Throws Error when `output` would write over one of `inputs`: the same file, or a directory
// that is or holds one of them. Compared by device and inode, so links and other spellings of a
// path are seen through. Inputs that do not exist are ignored.
void refuse_output_over_inputs(const std::filesystem::path& output,
                               std::span<const std::filesystem::path> inputs);

}  // namespace savant
