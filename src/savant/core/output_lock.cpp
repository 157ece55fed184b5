#include "savant/core/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"

namespace savant {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kStagingInfix = ".savant-";
constexpr std::string_view kSuffixChars = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kSuffixLength = 8;

std::string errno_text(int error) {
  return std::strerror(error);
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// The pid a lock file holds: up to 20 digits and nothing else; "" for anything else.
std::string pid_in(int fd) {
  char text[24] = {};
  const ssize_t n = ::pread(fd, text, sizeof(text), 0);
  if (n <= 0 || n > 20) return "";
  const std::string pid(text, static_cast<std::size_t>(n));
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : "";
}

// Throws Error unless `seen` (an lstat of the lock's name) may be a lock file savant made: a
// regular file with no other name.
void refuse_planted(const struct stat& seen, const fs::path& lock, const fs::path& target) {
  if (S_ISREG(seen.st_mode) && seen.st_nlink == 1) return;
  const std::string what =
      S_ISREG(seen.st_mode)
          ? fmt::format("a regular file with {} names (a hard link)", seen.st_nlink)
          : file_kind(seen.st_mode);
  throw InputError(
      fmt::format("'{}' is {}, where savant keeps the lock of '{}'; savant did not make it, and "
                  "neither follows nor writes into it: remove it (rm '{}') and run again",
                  lock.string(), what, target.string(), lock.string()));
}

// Removes the staging directories that writers of `name` left beside it; only a writer holding
// the output's lock makes them, and the caller holds it, so their writers are dead. Only real
// directories of this user, exactly of new_staging_name's form.
void remove_dead_staging(const fs::path& parent, int dir_fd, std::string_view name) {
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    if (!is_staging_name(entry, name)) continue;
    struct stat st {};
    if (::fstatat(dir_fd, entry.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != ::geteuid()) {
      continue;
    }
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
  }
}

}  // namespace

std::string lock_name(std::string_view name) {
  return fmt::format(".{}.lock", name);
}

std::string new_staging_name(std::string_view name) {
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, kSuffixChars.size() - 1);
  std::string suffix(kSuffixLength, 'x');
  for (char& c : suffix) c = kSuffixChars[pick(device)];
  return fmt::format(".{}{}{}", name, kStagingInfix, suffix);
}

bool is_staging_name(std::string_view entry, std::string_view name) {
  const std::size_t length = 1 + name.size() + kStagingInfix.size() + kSuffixLength;
  if (entry.size() != length || entry[0] != '.' || entry.substr(1, name.size()) != name ||
      entry.substr(1 + name.size(), kStagingInfix.size()) != kStagingInfix) {
    return false;
  }
  return std::all_of(entry.end() - kSuffixLength, entry.end(),
                     [](char c) { return kSuffixChars.find(c) != std::string_view::npos; });
}

fs::path output_entry(const fs::path& path) {
  fs::path p = path;
  while (!p.empty() && p != p.root_path() && (p.filename().empty() || p.filename() == ".")) {
    p = p.parent_path();
  }
  if (p.empty() || p == p.root_path() || p.filename() == "..") {
    throw UsageError(
        fmt::format("output '{}' must name a directory entry (not '.' or '..'); give the "
                    "directory's name, e.g. ../{}",
                    path.string(), kernel_path(path).filename().string()));
  }
  return kernel_path(p);
}

OutputLock::OutputLock(const fs::path& output)
    : target_(output_entry(output)), name_(lock_name(target_.filename().native())) {
  const fs::path parent = target_.parent_path();
  const fs::path lock = parent / name_;
  dir_fd_ = ::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) {
    const int code = errno;
    throw SystemError(fmt::format("cannot open the directory '{}' of '{}': {}", parent.string(),
                                  target_.string(), errno_text(code)),
                      code, parent.string());
  }
  // Throws `error` (an Error of its kind) after closing what the constructor opened.
  auto fail_with = [&](const auto& error) {
    if (fd_ >= 0) ::close(fd_);
    ::close(dir_fd_);
    throw error;
  };
  // The system refused (errno `code`) on the lock.
  auto fail = [&](const std::string& message, int code) {
    fail_with(SystemError(message, code, lock.string()));
  };
  for (;;) {
    // First try to make it: a lock file this process created is the only one it writes into.
    fd_ =
        ::openat(dir_fd_, name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    const bool created = fd_ >= 0;
    if (!created && errno != EEXIST) {
      const int code = errno;
      fail(fmt::format("cannot create the lock '{}' for '{}': {} (is the directory writable?)",
                       lock.string(), target_.string(), errno_text(code)),
           code);
    }
    struct stat seen {};
    if (!created) {
      // Something is there: look before opening it, and open it only as what was seen.
      if (::fstatat(dir_fd_, name_.c_str(), &seen, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // its holder removed it meanwhile
        const int code = errno;
        fail(fmt::format("cannot read the lock '{}': {}", lock.string(), errno_text(code)), code);
      }
      try {
        refuse_planted(seen, lock, target_);
      } catch (const InputError& e) {
        fail_with(e);
      }
      fd_ = ::openat(dir_fd_, name_.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (fd_ < 0 && errno == ENOENT) continue;
      if (fd_ < 0 && seen.st_uid != ::geteuid()) {
        const int code = errno;
        fail(fmt::format(
                 "the lock '{}' belongs to another user (uid {}), whose savant writes '{}' or died "
                 "there; savant does not use another user's lock: choose another output, or have "
                 "it removed (rm '{}')",
                 lock.string(), seen.st_uid, target_.string(), lock.string()),
             code);
      }
      if (fd_ < 0) {
        const int code = errno;
        fail(fmt::format("cannot open the lock '{}': {}", lock.string(), errno_text(code)), code);
      }
      struct stat opened {};
      if (::fstat(fd_, &opened) != 0 || !same_file(opened, seen) || !S_ISREG(opened.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        continue;  // replaced between the look and the open: look again
      }
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      const std::string pid = pid_in(fd_);
      if (error != EWOULDBLOCK) {
        fail(fmt::format("cannot lock '{}': {}", lock.string(), errno_text(error)), error);
      }
      fail(fmt::format(
               "'{}' is in use by {}: another savant command is writing it; wait for it to end "
               "or choose another output",
               target_.string(), pid.empty() ? "another process" : "process " + pid),
           error);
    }
    // The holder before us may have removed the file after we opened it (its destructor does):
    // then we hold a lock nobody else can see, and must take the new file's.
    struct stat held {
    }, named{};
    if (::fstat(fd_, &held) != 0 ||
        ::fstatat(dir_fd_, name_.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0 ||
        !same_file(held, named)) {
      ::close(fd_);
      fd_ = -1;
      continue;
    }
    if (created) break;
    // No living process holds it: a writer that died left it. Savant replaces only what it
    // made: a file of this user that holds a pid, or nothing (its writer died before writing it).
    if (held.st_uid != ::geteuid()) {
      fail_with(InputError(fmt::format(
          "the lock '{}' belongs to another user (uid {}) and no process holds it: savant does "
          "not write into another user's file; remove it (rm '{}') and run again",
          lock.string(), held.st_uid, lock.string())));
    }
    if (held.st_size != 0 && pid_in(fd_).empty()) {
      fail_with(InputError(fmt::format(
          "'{}', where savant keeps the lock of '{}', holds something other than a process id: "
          "savant did not make it and does not write into it; move it away and run again",
          lock.string(), target_.string())));
    }
    (void)::unlinkat(dir_fd_, name_.c_str(), 0);  // still locked: no one else can take it
    ::close(fd_);
    fd_ = -1;
  }
  remove_dead_staging(parent, dir_fd_, target_.filename().native());
  // The pid only improves the message another writer gets; the lock holds without it.
  const std::string pid = std::to_string(::getpid());
  (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

OutputLock::~OutputLock() {
  // Removed while still held: a waiter that opened this file sees that it is gone.
  struct stat held {
  }, named{};
  if (::fstat(fd_, &held) == 0 &&
      ::fstatat(dir_fd_, name_.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
      same_file(held, named)) {
    (void)::unlinkat(dir_fd_, name_.c_str(), 0);
  }
  ::close(fd_);
  ::close(dir_fd_);
}

}  // namespace savant
