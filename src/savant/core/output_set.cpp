#include "savant/core/output_set.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_EXCHANGE, RENAME_NOREPLACE (glibc 2.28)
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"

namespace savant {
namespace fs = std::filesystem;
namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void sync_directory(int dir_fd) {
  // Best effort: some file systems refuse fsync on a directory.
  const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Whether an existing directory above `path` (absolute) is `dir`, by device and inode.
bool has_ancestor(const fs::path& path, const struct stat& dir) {
  for (fs::path p = path.parent_path(); p.has_relative_path(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && same_file(st, dir)) return true;
  }
  struct stat root {};
  return ::stat("/", &root) == 0 && same_file(root, dir);
}

// Whether the entries of an existing target are all savant's to replace; throws otherwise. What
// a dead writer's write_file_atomically left of a replaceable file is removed.
void check_replaceable(const fs::path& target, std::span<const std::string> replaceable) {
  std::error_code ec;
  for (fs::directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (std::find(replaceable.begin(), replaceable.end(), name) != replaceable.end() &&
        it->symlink_status().type() == fs::file_type::regular) {
      continue;
    }
    const bool dead_temporary =
        std::any_of(replaceable.begin(), replaceable.end(),
                    [&](const std::string& file) { return is_temporary_name(name, file); }) &&
        remove_dead_temporary(it->path());
    if (dead_temporary) continue;
    throw InputError(fmt::format(
        "output directory '{}' holds '{}', which this command does not write; savant replaces "
        "an output directory as a whole and never deletes what it did not write: choose a new "
        "or empty directory, or move '{}' away",
        target.string(), name, name));
  }
  if (ec) {
    throw SystemError(
        fmt::format("cannot read output directory '{}': {}", target.string(), ec.message()),
        ec.value(), target.string());
  }
}

// The output checked and resolved, and the directory it goes in created, before it is locked.
fs::path prepared_output(const fs::path& given, std::span<const std::string> replaceable,
                         std::span<const CommandInput> inputs) {
  const fs::path target = output_entry(given);
  std::size_t longest = 0;
  for (const std::string& name : replaceable) longest = std::max(longest, name.size());
  check_output_path(given, kBesideOutputSet, 1 + longest + kBesideFile);
  refuse_output_over_inputs(given, inputs);
  const fs::path parent = target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) {
    throw SystemError(fmt::format("cannot create output directory '{}': {} ('{}')", given.string(),
                                  ec.message(), parent.string()),
                      ec.value(), parent.string());
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    const int code = errno;
    throw SystemError(fmt::format("cannot create output directory '{}': '{}' is not writable ({})",
                                  given.string(), parent.string(), errno_text(code)),
                      code, parent.string());
  }
  return target;
}

// rename(2) for a file system without RENAME_EXCHANGE: two renames, the old set moved aside
// first. A kill between them leaves no target, and the old set in a staging name.
int swap_by_two_renames(int dir_fd, const std::string& staging, const std::string& target) {
  const std::string aside = new_staging_name(target);
  if (::renameat(dir_fd, target.c_str(), dir_fd, aside.c_str()) != 0) return -1;
  if (::renameat(dir_fd, staging.c_str(), dir_fd, target.c_str()) != 0) {
    const int error = errno;
    (void)::renameat(dir_fd, aside.c_str(), dir_fd, target.c_str());
    errno = error;
    return -1;
  }
  return ::renameat(dir_fd, aside.c_str(), dir_fd, staging.c_str());
}

}  // namespace

OutputSet::OutputSet(const fs::path& target, std::span<const std::string> replaceable,
                     std::span<const CommandInput> inputs)
    : lock_(prepared_output(target, replaceable, inputs)) {
  const fs::path& out = lock_.target();
  const std::string name = out.filename().string();
  struct stat st {};
  if (::fstatat(lock_.directory(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      throw InputError(fmt::format(
          "output '{}' is not a directory but {}; savant does not replace it: choose another "
          "output directory",
          out.string(), file_kind(st.st_mode)));
    }
    if (::access(out.c_str(), W_OK | X_OK) != 0) {
      const int code = errno;
      throw SystemError(
          fmt::format("output directory '{}' is not writable: {}", out.string(), errno_text(code)),
          code, out.string());
    }
    struct stat here {};
    if (::stat(".", &here) == 0 && same_file(here, st)) {
      throw UsageError(
          fmt::format("output directory '{}' is the current directory, which savant "
                      "would replace as a whole: name a directory inside it",
                      out.string()));
    }
    check_replaceable(out, replaceable);
  } else if (errno != ENOENT) {
    const int code = errno;
    throw SystemError(fmt::format("cannot use output '{}': {}", out.string(), errno_text(code)),
                      code, out.string());
  }
  for (int attempt = 0;; ++attempt) {
    const std::string staging = new_staging_name(name);
    if (::mkdirat(lock_.directory(), staging.c_str(), 0777) == 0) {  // the umask applies
      staging_ = out.parent_path() / staging;
      break;
    }
    if (errno != EEXIST || attempt == 100) {
      const int code = errno;
      throw SystemError(fmt::format("cannot create a directory beside '{}': {} (is '{}' writable?)",
                                    out.string(), errno_text(code), out.parent_path().string()),
                        code, out.parent_path().string());
    }
  }
}

OutputSet::~OutputSet() {
  if (staging_.empty()) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void OutputSet::commit() {
  const fs::path& out = lock_.target();
  const int dir = lock_.directory();
  const std::string name = out.filename().string(), staging = staging_.filename().string();
  struct stat old {};
  const bool replacing = ::fstatat(dir, name.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0;
  if (replacing) {
    // A file replaced keeps its permissions (a private model stays private).
    std::error_code ec;
    for (fs::directory_iterator it(staging_, ec), end; !ec && it != end; it.increment(ec)) {
      struct stat before {};
      const fs::path previous = out / it->path().filename();
      if (::lstat(previous.c_str(), &before) == 0 && S_ISREG(before.st_mode)) {
        (void)::chmod(it->path().c_str(), before.st_mode & 07777);
      }
    }
    (void)::chmod(staging_.c_str(), old.st_mode & 07777);
  }
  const int staged = ::openat(dir, staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (staged >= 0) {
    sync_directory(staged);
    ::close(staged);
  }
  const unsigned flags = replacing ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  int swapped = ::renameat2(dir, staging.c_str(), dir, name.c_str(), flags);
  if (swapped != 0 && replacing && (errno == EINVAL || errno == ENOSYS)) {
    swapped = swap_by_two_renames(dir, staging, name);
  }
  if (swapped != 0) {
    const int code = errno;
    throw SystemError(fmt::format("cannot put the new '{}' in place: {}; the previous one is "
                                  "unchanged",
                                  out.string(), errno_text(code)),
                      code, out.string());
  }
  sync_directory(dir);
  // staging_ now names the old set (or nothing): remove it. A kill here leaves it to the
  // next run's clean-up, never in the target.
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
  staging_.clear();
}

void refuse_output_over_inputs(const fs::path& output, std::span<const CommandInput> inputs) {
  const fs::path out = kernel_path(output);
  struct stat out_st {};
  const bool out_exists = ::stat(out.c_str(), &out_st) == 0;  // a link to an input is the input
  for (const CommandInput& input : inputs) {
    if (input.path.empty()) continue;
    const fs::path in = followed_path(input.path);
    struct stat in_st {};
    const bool in_exists = ::stat(in.c_str(), &in_st) == 0;
    const std::string input_said =
        fmt::format("the {} '{}' that this command reads", input.what, input.path.string());
    std::string said;
    if (out == in || (out_exists && in_exists && same_file(out_st, in_st))) {
      said = "is " + input_said;
    } else if (lies_inside(out, in) ||
               (in_exists && S_ISDIR(in_st.st_mode) && has_ancestor(out, in_st))) {
      said = out_exists
                 ? fmt::format("would replace '{}' in {}", out.filename().string(), input_said)
                 : "lies inside " + input_said;
    } else if (lies_inside(in, out) ||
               (out_exists && S_ISDIR(out_st.st_mode) && has_ancestor(in, out_st))) {
      said = "holds " + input_said;
    } else {
      continue;
    }
    throw UsageError(
        fmt::format("output '{}' {}: savant would write over what it reads; choose another output",
                    output.string(), said));
  }
}

void refuse_same_outputs(std::span<const fs::path> outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      const fs::path a = kernel_path(outputs[i]), b = kernel_path(outputs[j]);
      struct stat sa {
      }, sb{};
      if (a == b ||
          (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && same_file(sa, sb))) {
        throw UsageError(fmt::format(
            "'{}' and '{}' are the same file: the second output would replace the first; give "
            "each output of the command its own path",
            outputs[i].string(), outputs[j].string()));
      }
    }
  }
}

}  // namespace savant
