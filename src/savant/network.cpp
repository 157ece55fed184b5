#include "savant/network.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "savant/dense_kernels.hpp"
#include "savant/error.hpp"
#include "savant/random.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace savant {

ParameterLayout::ParameterLayout(std::vector<std::size_t> sizes) : sizes_(std::move(sizes)) {
  if (sizes_.size() < 2) throw UsageError("a network needs an input size and a class count");
  std::size_t offset = 0;
  for (std::size_t l = 0; l + 1 < sizes_.size(); ++l) {
    if (sizes_[l] == 0 || sizes_[l + 1] == 0) throw UsageError("layer sizes must be positive");
    offsets_.push_back(offset);
    offset += sizes_[l] * sizes_[l + 1] + sizes_[l + 1];
  }
  offsets_.push_back(offset);
}

ParameterLayout dense_layout(std::size_t input, std::size_t hidden, std::size_t hidden_layers,
                             std::size_t classes) {
  std::vector<std::size_t> sizes = {input};
  for (std::size_t i = 0; i < hidden_layers; ++i) sizes.push_back(hidden);
  sizes.push_back(classes);
  return ParameterLayout(std::move(sizes));
}

void glorot_uniform_init(Network& net, std::uint64_t seed) {
  std::fill(net.params.begin(), net.params.end(), 0.0f);
  for (std::size_t l = 0; l < net.layout.layers(); ++l) {
    const float limit = std::sqrt(6.0f / static_cast<float>(net.layout.in(l) + net.layout.out(l)));
    CounterRng rng(seed, Stream::kInit, l);
    for (float& w : net.kernel(l)) w = (2.0f * rng.uniform_float() - 1.0f) * limit;
  }
}

Workspace::Workspace(const ParameterLayout& layout, std::size_t batch_rows) : batch(batch_rows) {
  for (std::size_t l = 0; l < layout.layers(); ++l) {
    activations.emplace_back(batch * layout.out(l));
    deltas.emplace_back(batch * layout.out(l));
  }
}

void dense_forward(float* out, const float* inp, const float* kernel, const float* bias,
                   std::size_t B, std::size_t C, std::size_t OC, bool relu) {
  dense_forward_fast(out, inp, kernel, bias, B, C, OC, relu);
}

void dense_backward(float* dinp, float* dkernel, float* dbias, const float* dout, const float* inp,
                    const float* kernel, std::size_t B, std::size_t C, std::size_t OC) {
  dense_dkernel_fast(dkernel, inp, dout, B, C, OC);
  dense_dbias(dbias, dout, B, OC);
  if (dinp != nullptr) dense_dinput_fast(dinp, dout, kernel, nullptr, B, C, OC);
}

void relu_backward(float* dz, const float* activation, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dz[i] = activation[i] > 0.0f ? dz[i] : 0.0f;
}

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

#if defined(__AVX512F__) && defined(SAVANT_HAVE_LIBMVEC)
// glibc's vector expf (libmvec, x86-64 vector ABI, AVX-512 variant): 16 lanes at a time.
extern "C" __m512 _ZGVeN16v_expf(__m512);

StepResult softmax_cross_entropy_fast(float* dlogits, const float* logits,
                                      const std::uint8_t* labels, std::size_t B, std::size_t K,
                                      float scale) {
  if (K > 16) return softmax_cross_entropy(dlogits, logits, labels, B, K, scale);
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
StepResult softmax_cross_entropy_fast(float* dlogits, const float* logits,
                                      const std::uint8_t* labels, std::size_t B, std::size_t K,
                                      float scale) {
  return softmax_cross_entropy(dlogits, logits, labels, B, K, scale);
}
#endif

std::span<const float> forward(const Network& net, const float* inputs, std::size_t rows,
                               Workspace& ws) {
  const ParameterLayout& layout = net.layout;
  const float* x = inputs;
  for (std::size_t l = 0; l < layout.layers(); ++l) {
    const bool hidden = l + 1 < layout.layers();
    dense_forward(ws.activations[l].data(), x, net.kernel(l).data(), net.bias(l).data(), rows,
                  layout.in(l), layout.out(l), hidden);
    x = ws.activations[l].data();
  }
  return {ws.activations.back().data(), rows * layout.sizes().back()};
}

StepResult forward_backward(const Network& net, const float* inputs, const std::uint8_t* labels,
                            std::size_t rows, Workspace& ws, std::span<float> grad) {
  const ParameterLayout& layout = net.layout;
  const std::size_t last = layout.layers() - 1;
  std::span<const float> logits = forward(net, inputs, rows, ws);
  StepResult result = softmax_cross_entropy(ws.deltas[last].data(), logits.data(), labels, rows,
                                            layout.out(last), 1.0f / static_cast<float>(rows));
  for (std::size_t l = last + 1; l-- > 0;) {
    const std::size_t C = layout.in(l), OC = layout.out(l);
    const float* dout = ws.deltas[l].data();
    const float* layer_input = l == 0 ? inputs : ws.activations[l - 1].data();
    dense_dkernel_fast(grad.data() + layout.kernel_offset(l), layer_input, dout, rows, C, OC);
    dense_dbias(grad.data() + layout.bias_offset(l), dout, rows, OC);
    // The first layer's input is the data: no gradient needed. The others came out of a ReLU.
    if (l > 0) {
      dense_dinput_fast(ws.deltas[l - 1].data(), dout, net.kernel(l).data(), layer_input, rows, C,
                        OC);
    }
  }
  return result;
}

}  // namespace savant
