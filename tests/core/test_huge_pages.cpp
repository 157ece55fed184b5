// zeroed_big_buffer: n zeros, and, where the kernel lends transparent huge pages on request,
// memory the kernel backs with them (core/huge_pages.hpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "savant/core/huge_pages.hpp"

namespace savant {
namespace {

// The kernel's transparent huge page mode: "always", "madvise", "never", or "" when unknown.
std::string huge_page_mode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto open = text.find('['), close = text.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return text.substr(open + 1, close - open - 1);
}

// The AnonHugePages (kB) of the mapping of /proc/self/smaps that holds `address`.
long huge_kb_at(const void* address) {
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    unsigned long begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 && line.find(':') > 20) {
      inside = begin <= a && a < end;
      continue;
    }
    long kb = 0;
    if (inside && std::sscanf(line.c_str(), "AnonHugePages: %ld kB", &kb) == 1) return kb;
  }
  return -1;
}

TEST(HugePages, BigAndSmallBuffersHoldZeros) {
  for (std::size_t n : {std::size_t{0}, std::size_t{100}, std::size_t{9} << 20}) {
    const auto bytes = zeroed_big_buffer<std::vector<std::uint8_t>>(n);
    ASSERT_EQ(bytes.size(), n);
    EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; }));
    const auto text = zeroed_big_buffer<std::string>(n);
    ASSERT_EQ(text.size(), n);
    EXPECT_EQ(text.find_first_not_of('\0'), std::string::npos);
  }
}

TEST(HugePages, BigBufferIsBackedByHugePagesWhereTheKernelLendsThem) {
  const std::string mode = huge_page_mode();
  if (mode != "madvise" && mode != "always") GTEST_SKIP() << "transparent huge pages: " << mode;
  // 16 MiB holds at least seven whole 2 MiB pages wherever it starts.
  const auto bytes = zeroed_big_buffer<std::vector<std::uint8_t>>(std::size_t{16} << 20);
  const long kb = huge_kb_at(bytes.data() + bytes.size() / 2);
  EXPECT_GE(kb, 2048) << "mode " << mode;
}

}  // namespace
}  // namespace savant
