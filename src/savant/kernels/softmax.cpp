#include "savant/kernels/softmax.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "savant/kernels/avx512.hpp"
#include "savant/kernels/isa.hpp"

namespace savant {

StepResult softmax_cross_entropy(float* dlogits, const float* logits, const std::uint8_t* labels,
                                 std::size_t B, std::size_t K, float scale) {
  StepResult result;
  for (std::size_t i = 0; i < B; ++i) {
    const float* z = logits + i * K;
    float* dz = dlogits + i * K;
    const std::size_t argmax = static_cast<std::size_t>(std::max_element(z, z + K) - z);
    const float zmax = z[argmax];
    float sum = 0.0f;
    for (std::size_t k = 0; k < K; ++k) {
      dz[k] = std::exp(z[k] - zmax);
      sum += dz[k];
    }
    const float inv = 1.0f / sum;
    for (std::size_t k = 0; k < K; ++k) dz[k] *= inv * scale;
    dz[labels[i]] -= scale;
    // -log softmax(z)_y = log(sum) - (z_y - zmax)
    result.loss_sum += static_cast<double>(std::log(sum) - (z[labels[i]] - zmax));
    result.correct += argmax == labels[i] ? 1 : 0;
  }
  return result;
}

StepResult softmax_cross_entropy_fast(float* dlogits, const float* logits,
                                      const std::uint8_t* labels, std::size_t B, std::size_t K,
                                      float scale) {
#ifdef SAVANT_HAVE_AVX512
  if (active_isa() == Isa::avx512) {
    return avx512::softmax_cross_entropy(dlogits, logits, labels, B, K, scale);
  }
#endif
  return softmax_cross_entropy(dlogits, logits, labels, B, K, scale);
}

}  // namespace savant
