#pragma once
// Big buffers backed by 2 MiB pages. On the machine of docs/PERFORMANCE.md (a VM), touching
// fresh memory costs about 13 us per 4 KiB page: zero-filling the 47 MB of Fashion-MNIST's
// training images took 0.15 s, more than inflating them, and a reproduction touches four such
// sets (the gzip files, the decoded images, the shuffled copies). With the kernel's transparent
// huge pages on "madvise", asking for them on a buffer before its first touch makes the same
// fill take 5 ms. Where the kernel has no huge pages (or another OS), nothing changes.

#include <cstddef>

namespace savant {

// Asks the kernel (madvise MADV_HUGEPAGE) to back the whole 2 MiB pages inside [data, data +
// size) with huge pages when they are first touched. Pages already touched keep their size.
// Only a hint: a failure is ignored.
void advise_huge_pages(void* data, std::size_t size);

// For a program (savant's main), before it starts threads: malloc keeps the memory it is given
// back instead of returning it to the kernel, serves allocations under 32 MiB from one heap for
// all threads rather than from mappings of their own that free() unmaps, and that heap is
// reserved at once and advised for huge pages, as GLIBC_TUNABLES=glibc.malloc.hugetlb=1 would
// (which a running program cannot set). A buffer freed and allocated again reuses pages already
// touched, and a fresh one is faulted in 2 MiB at a time: a default reproduction takes about
// 1,700 page faults instead of 13,000 (mallopt M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_ARENA_MAX,
// M_TOP_PAD; docs/PERFORMANCE.md). The training engines allocate nothing per step, so the one
// heap's lock costs them nothing. Without glibc, nothing.
void keep_freed_memory();

// A vector (or string) of `n` zero elements whose memory was advised for huge pages before the
// zeros were written. Below 4 MiB it is a plain vector of n zeros.
template <typename Vector>
Vector zeroed_big_buffer(std::size_t n) {
  Vector v;
  if (n * sizeof(typename Vector::value_type) >= (std::size_t{4} << 20)) {
    v.reserve(n);
    advise_huge_pages(v.data(), v.capacity() * sizeof(typename Vector::value_type));
  }
  v.resize(n);
  return v;
}

}  // namespace savant
