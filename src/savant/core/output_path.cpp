#include "savant/core/output_path.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>  // NAME_MAX, PATH_MAX: Linux's limits on a name and on a path given to a call
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {
namespace fs = std::filesystem;
namespace {

// realpath(3) of `path`, or empty when it does not resolve (missing, a loop, no permission).
fs::path real_path(const fs::path& path) {
  const std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                             &std::free);
  return resolved ? fs::path(resolved.get()) : fs::path();
}

fs::path current_directory() {
  std::error_code ec;
  fs::path here = fs::current_path(ec);
  if (ec) {
    throw SystemError(
        fmt::format("cannot read the current directory: {}; change to an existing one",
                    ec.message()),
        ec.value());
  }
  return here;
}

// `dir` resolved one component at a time, as the kernel walks it: a link is replaced by its
// real path before the next component is looked up, so a ".." after it climbs from where the
// link leads. The components from the first one that does not exist on are appended and
// simplified as text: savant creates them as plain directories, where text and kernel agree.
// Past a component that exists but cannot be walked (a dangling link, no permission), the rest
// is kept as written, for the kernel to refuse when savant uses it.
fs::path resolved_directory(const fs::path& dir) {
  const fs::path absolute = dir.is_absolute() ? dir : current_directory() / dir;
  fs::path resolved = absolute.root_path();
  for (auto it = std::next(absolute.begin()); it != absolute.end(); ++it) {
    if (it->empty() || *it == ".") continue;
    if (*it == "..") {
      resolved = resolved.parent_path();  // "/.." is "/"
      continue;
    }
    fs::path next = resolved / *it;
    struct stat st {};
    const bool exists = ::lstat(next.c_str(), &st) == 0;
    const bool missing = !exists && (errno == ENOENT || errno == ENOTDIR);
    if (exists && S_ISLNK(st.st_mode)) {
      if (fs::path real = real_path(next); !real.empty()) {
        resolved = std::move(real);
        continue;
      }
    } else if (exists) {
      resolved = std::move(next);
      continue;
    }
    for (++it; it != absolute.end(); ++it) next /= *it;
    return missing ? next.lexically_normal() : next;
  }
  return resolved;
}

constexpr std::size_t kNameMax = NAME_MAX;  // bytes in one name
constexpr std::size_t kPathMax = PATH_MAX;  // bytes in a path, its terminating zero included

}  // namespace

fs::path kernel_path(const fs::path& path) {
  fs::path p = path;
  while (!p.empty() && p != p.root_path() && (p.filename().empty() || p.filename() == ".")) {
    p = p.parent_path();
  }
  if (p.empty()) return resolved_directory(".");
  if (p == p.root_path() || p.filename() == "..") return resolved_directory(p);
  return resolved_directory(p.has_parent_path() ? p.parent_path() : fs::path(".")) / p.filename();
}

fs::path followed_path(const fs::path& path) {
  if (fs::path real = real_path(path); !real.empty()) return real;
  return kernel_path(path);
}

bool lies_inside(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty() && std::next(d) == dir.end()) break;  // "dir/"
    if (p == path.end() || *p != *d) return false;
  }
  return p != path.end() && !p->empty();
}

bool is_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    std::size_t length = 0;
    unsigned low = 0x80, high = 0xbf;  // the range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) low = 0xa0;   // no overlong forms
      if (c == 0xed) high = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) low = 0x90;   // no overlong forms
      if (c == 0xf4) high = 0x8f;  // nothing past U+10FFFF
    } else {
      return false;
    }
    if (i + length > n || s[i + 1] < low || s[i + 1] > high) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) return false;
    }
    i += length;
  }
  return true;
}

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  return out;
}

void check_path_is_utf8(const fs::path& given, std::string_view what) {
  for (const fs::path& p : {given, kernel_path(given)}) {
    if (!is_utf8(p.native())) {
      throw UsageError(fmt::format(
          "the {} '{}' is not UTF-8 text (the bytes shown as \\x..): savant names its paths in "
          "JSON (results.json, model metadata, JSON output) and pages, which are UTF-8 text, and "
          "does not alter a path; rename it{}",
          what, printable(p.native()),
          p == given ? "" : " or the directories it lies in (the current one included)"));
    }
  }
}

void check_output_path(const fs::path& given, std::size_t beside, std::size_t inside) {
  check_path_is_utf8(given, "output");
  const fs::path resolved = kernel_path(given);
  for (auto part = resolved.begin(); part != resolved.end(); ++part) {
    const std::size_t length = part->native().size();
    if (std::next(part) != resolved.end() && length > kNameMax) {
      throw UsageError(
          fmt::format("output '{}': a directory's name is {} bytes long; the system "
                      "allows {} bytes per name: choose a shorter one",
                      given.string(), length, kNameMax));
    }
  }
  if (resolved.filename().native().size() + beside > kNameMax) {
    throw UsageError(fmt::format(
        "output '{}': its name is {} bytes long, and savant keeps a name of {} bytes more "
        "beside it while it writes; the system allows {} bytes per name: choose a name of at "
        "most {} bytes",
        given.string(), resolved.filename().native().size(), beside, kNameMax, kNameMax - beside));
  }
  const std::size_t longest = resolved.native().size() + beside + inside;
  if (longest >= kPathMax) {
    throw UsageError(
        fmt::format("output '{}' is {} bytes long as an absolute path ('{}'), and savant writes "
                    "paths up to {} bytes longer beside and within it; the system allows {}: "
                    "choose a shorter path",
                    given.string(), resolved.native().size(), resolved.string(), beside + inside,
                    kPathMax - 1));
  }
}

}  // namespace savant
