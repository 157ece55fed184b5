// softmax_cross_entropy_fast's AVX-512 path (kernels/softmax.hpp): a row of up to 16 classes
// at a time, with glibc's vector expf (libmvec), which itself needs AVX-512 and so is only
// called from here.
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "savant/kernels/avx512.hpp"
#include "savant/kernels/softmax.hpp"

#ifdef SAVANT_HAVE_LIBMVEC
// The x86-64 vector ABI's name of expf for 16 lanes of AVX-512.
extern "C" __m512 _ZGVeN16v_expf(__m512);
#endif

SAVANT_AVX512_BEGIN

namespace savant::avx512 {

#ifdef SAVANT_HAVE_LIBMVEC

StepResult softmax_cross_entropy(float* dlogits, const float* logits, const std::uint8_t* labels,
                                 std::size_t B, std::size_t K, float scale) {
  if (K > 16) return savant::softmax_cross_entropy(dlogits, logits, labels, B, K, scale);
  const auto lanes = static_cast<__mmask16>((1u << K) - 1u);
  StepResult result;
  for (std::size_t i = 0; i < B; ++i) {
    const float* z = logits + i * K;
    const __m512 zv = _mm512_maskz_loadu_ps(lanes, z);
    const float zmax = _mm512_mask_reduce_max_ps(lanes, zv);
    // The first largest logit, as std::max_element finds it.
    const auto at =
        static_cast<unsigned>(_mm512_mask_cmp_ps_mask(lanes, zv, _mm512_set1_ps(zmax), _CMP_EQ_OQ));
    const auto argmax = static_cast<std::size_t>(std::countr_zero(at));
    const __m512 e =
        _mm512_maskz_mov_ps(lanes, _ZGVeN16v_expf(_mm512_sub_ps(zv, _mm512_set1_ps(zmax))));
    const float sum = _mm512_reduce_add_ps(e);
    const float inv = 1.0f / sum;
    _mm512_mask_storeu_ps(dlogits + i * K, lanes, _mm512_mul_ps(e, _mm512_set1_ps(inv * scale)));
    dlogits[i * K + labels[i]] -= scale;
    result.loss_sum += static_cast<double>(std::log(sum) - (z[labels[i]] - zmax));
    result.correct += argmax == labels[i] ? 1 : 0;
  }
  return result;
}
#else
StepResult softmax_cross_entropy(float* dlogits, const float* logits, const std::uint8_t* labels,
                                 std::size_t B, std::size_t K, float scale) {
  return savant::softmax_cross_entropy(dlogits, logits, labels, B, K, scale);
}
#endif

}  // namespace savant::avx512
SAVANT_AVX512_END
