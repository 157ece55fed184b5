#include "savant/core/huge_pages.hpp"

#include <cstdint>
#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace savant {

void advise_huge_pages(void* data, std::size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = (begin + size) & ~(kHugePage - 1);
  if (data == nullptr || last <= first) return;
  (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)size;
#endif
}

void keep_freed_memory() {
#if defined(__GLIBC__)
  // glibc refuses a threshold above half its largest heap (32 MiB on 64-bit systems).
  constexpr std::size_t kMmapThreshold = std::size_t{32} << 20;
  constexpr std::size_t kHeapReserve = std::size_t{256} << 20;
  (void)::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThreshold));
  (void)::mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * kHeapReserve));
  // One heap for every thread: a thread's own arena would be a mapping of its own, not advised.
  (void)::mallopt(M_ARENA_MAX, 1);
  // The heap grows by kHeapReserve at once (address space, not memory), and the whole of it is
  // advised for huge pages before anything touches it: the pages malloc then hands out are
  // faulted in 2 MiB at a time (what GLIBC_TUNABLES=glibc.malloc.hugetlb=1 does, which a
  // program cannot set for itself once started).
  (void)::mallopt(M_TOP_PAD, static_cast<int>(kHeapReserve));
  // Bigger than what the heap has left, smaller than the threshold: the heap grows.
  void* first = std::malloc(kMmapThreshold / 2);
  if (first == nullptr) return;
  void* end = ::sbrk(0);
  if (end != reinterpret_cast<void*>(-1) && end > first) {
    advise_huge_pages(
        first, static_cast<std::size_t>(static_cast<char*>(end) - static_cast<char*>(first)));
  }
  std::free(first);
  (void)::mallopt(M_TOP_PAD, 128 << 10);  // mallopt(3)'s default again
#endif
}

}  // namespace savant
