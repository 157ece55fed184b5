#pragma once
// An output that is a set of files (a run directory, a shuffled data set) is replaced as a whole
// or not at all (docs/RELIABILITY.md). Its files are written into a staging directory beside the
// target, and commit() swaps the two directories in one step (renameat2 RENAME_EXCHANGE), so a
// kill, a crash or a full disk at any moment leaves either the complete old set or the complete
// new one. While the set is open it holds a lock (core/output_lock.hpp), so a second writer fails
// at once.
//
//   OutputSet out("runs/a", names_the_command_writes, inputs);   // checks, locks, stages
//   write_file_atomically(out.staging() / "results.json", ...);
//   out.commit();                                        // swaps in, removes the old set
//
// Every path here is taken as the kernel resolves it (core/output_path.hpp), never as its text
// simplifies.

#include <sys/types.h>

#include <filesystem>
#include <span>
#include <string>

#include "savant/core/output_lock.hpp"

namespace savant {

// A file or directory a command reads, and what it is for messages ("data set", "model").
struct CommandInput {
  std::filesystem::path path;
  std::string what;
};

class OutputSet {
 public:
  // `target` must be absent, or a directory (not a link to one) that holds only entries named
  // in `replaceable` (and temporaries of them that dead writers left, which are removed):
  // savant never deletes what it did not write; it must be none of the command's `inputs`, lie
  // in none and hold none (refuse_output_over_inputs); and its path must fit the system's limits
  // and be UTF-8 (check_output_path). Throws Error otherwise, before anything is created.
  OutputSet(const std::filesystem::path& target, std::span<const std::string> replaceable,
            std::span<const CommandInput> inputs = {});
  // Without a commit, the staging directory and everything in it are removed.
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // The output as the kernel names it (absolute, its directory's links resolved).
  const std::filesystem::path& target() const { return lock_.target(); }
  const std::filesystem::path& staging() const { return staging_; }

  // Makes the staged files the target's: each keeps the permissions of the file it replaces,
  // the directory those of the directory it replaces; then the swap; then the old set goes.
  void commit();

 private:
  OutputLock lock_;
  std::filesystem::path staging_;
};

// Throws Error when `output` would write over one of `inputs`: when it is one, lies inside an
// input directory, or (a directory) holds one. Both are resolved as the kernel resolves them (an
// input followed to the end, the output up to its last component), and compared by path and
// by device and inode, so links, "..", bind mounts and other spellings are seen through. The
// message names the input and the file it would replace.
void refuse_output_over_inputs(const std::filesystem::path& output,
                               std::span<const CommandInput> inputs);

// Throws Error when two of `outputs` of one command are the same file (as the kernel resolves
// them): the second would silently replace the first.
void refuse_same_outputs(std::span<const std::filesystem::path> outputs);

}  // namespace savant
