#include "savant/core/denormals.hpp"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace savant {

#if defined(__SSE__)
// MXCSR bits: flush results to zero (FTZ, 0x8000) and read inputs as zero (DAZ, 0x0040).
constexpr unsigned int kFlushBits = 0x8040u;
FlushDenormals::FlushDenormals() : saved_(_mm_getcsr()) {
  _mm_setcsr(saved_ | kFlushBits);
}
FlushDenormals::~FlushDenormals() {
  _mm_setcsr(saved_);
}
void enable_flush_denormals() {
  _mm_setcsr(_mm_getcsr() | kFlushBits);
}
#else
FlushDenormals::FlushDenormals() = default;
FlushDenormals::~FlushDenormals() = default;
void enable_flush_denormals() {}
#endif

}  // namespace savant
