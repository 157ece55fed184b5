// adam_update_fast's AVX-512 path (kernels/adam.hpp), 16 lanes at a time.
#include <cstddef>

#include "savant/kernels/adam_config.hpp"
#include "savant/kernels/avx512.hpp"

SAVANT_AVX512_BEGIN
#include "savant/kernels/simd_avx512.hpp"

namespace savant::avx512 {

bool adam_update(float* w, float* m, float* v, const float* g, std::size_t n, float alpha,
                 const AdamConfig& config) {
  const AdamConstants c(config, alpha);
  __m512 poison = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n; i += kLanes) {
    const __mmask16 k = lanes_mask(n - i);
    adam_lanes(c, _mm512_maskz_loadu_ps(k, g + i), w + i, m + i, v + i, k, poison);
  }
  return finite(poison);
}

}  // namespace savant::avx512
SAVANT_AVX512_END
