#pragma once
// One call of each fused kernel (kernels/fused_avx512.hpp, kernels/fused_backward_avx512.hpp) and
// of its reference (kernels/fused_reference.hpp), for bench_kernels.cpp's BM_fused_*: compiled
// for AVX-512, so that file includes this one after every other header, and runs these only
// where the CPU has AVX-512 (kernels/avx512.hpp says why the region comes last).

SAVANT_AVX512_BEGIN
#include "savant/kernels/fused_backward_avx512.hpp"

namespace {

namespace fz = savant::avx512::fused;
using savant::avx512::AdamConstants;

constexpr float kFusedAlpha = 3e-4f;  // about alpha of the first step for Keras' defaults

// One member owning all 128 hidden units (the engine on one thread), after a step's forward
// pass of StepData's batch, with its dlogits and dh; the next batch is the next 32 images.
struct FusedBench {
  fz::FusedKernels k{kIn, kHidden, kClasses, kB};
  fz::Member me;
  fz::Aligned<float> partial{k.groups * kB * k.Kp};  // groups x B x Kp
  std::vector<std::uint32_t> next;

  FusedBench() {
    const StepData& d = data();
    k.allocate(me, 0, k.groups);
    // One panel of 8 vectors: its slab (784, 128) is w1 as it is.
    std::copy(d.w1.begin(), d.w1.end(), me.panels[0].w.data());
    std::copy(d.b1.begin(), d.b1.end(), me.b1.data());
    for (std::size_t j = 0; j < kHidden; ++j) {
      for (std::size_t o = 0; o < kClasses; ++o) me.w2t[o * me.pad + j] = d.w2[j * kClasses + o];
    }
    std::copy(d.b2.begin(), d.b2.end(), me.b2.data());
    k.refresh_rows(me);
    const std::vector<std::uint32_t> order = epoch_order(0, 1, d.images.count);
    next.assign(order.begin() + kB, order.begin() + 2 * kB);
    k.gather(me.batch[0], d.images, d.indices, d.labels);
    k.gather(me.batch[1], d.images, next, d.labels);
    k.forward(me, me.batch[0], me.h[0].data());
    std::copy(d.dlogits.begin(), d.dlogits.end(), me.dlogits.data());
    std::copy(d.dh.begin(), d.dh.end(), me.dh.data());
  }
};

FusedBench& fused_bench() {
  static FusedBench f;
  return f;
}

void gather_avx512(FusedBench& f) {
  f.k.gather(f.me.batch[1], data().images, f.next, data().labels);
}
void gather_reference(FusedBench& f) {
  fz::Batch& b = f.me.batch[1];
  fused_gather_reference(b.x.data(), b.row_bits.data(), b.col_bits.data(), b.labels.data(),
                         data().images, f.next, data().labels, f.k.chunks);
}

void forward_avx512(FusedBench& f) {
  f.k.forward(f.me, f.me.batch[0], f.me.h[1].data());
}
void forward_reference(FusedBench& f) {
  fused_forward_block_reference(f.me.h[1].data(), f.me.pad, f.me.batch[0].x.data(),
                                f.me.panels[0].w.data(), kHidden, f.me.b1.data(), kB, kIn, kHidden,
                                0, kIn);
}

void partials_avx512(FusedBench& f) {
  f.k.partials(f.me, f.me.h[0].data(), kB, f.partial.data());
}
void partials_reference(FusedBench& f) {
  fused_partials_reference(f.partial.data(), f.me.h[0].data(), f.me.w2r.data(), f.me.b2.data(), kB,
                           f.me.pad, f.k.Kp, kB, 0);
}

void hidden_gradient_avx512(FusedBench& f) {
  __m512 poison = _mm512_setzero_ps();
  for (std::size_t b = 0; b < kB; b += 2)
    f.k.hidden_gradient<8, 2>(f.me, f.me.h[0].data(), 0, b, poison);
  benchmark::DoNotOptimize(savant::avx512::finite(poison));
}
void hidden_gradient_reference(FusedBench& f) {
  benchmark::DoNotOptimize(fused_hidden_gradient_reference(f.me.dh.data(), f.me.dlogits.data(),
                                                           f.me.w2t.data(), f.me.h[0].data(), kB,
                                                           kClasses, f.me.pad));
}

// dh, then the second kernel and the first bias with Adam's update.
void small_layers_avx512(FusedBench& f) {
  const AdamConstants ac(AdamConfig{}, kFusedAlpha);
  __m512 poison = _mm512_setzero_ps();
  f.k.small_layer_vectors<8>(f.me, f.me.batch[0], f.me.h[0].data(), 0, ac, poison);
  benchmark::DoNotOptimize(savant::avx512::finite(poison));
}
void small_layers_reference(FusedBench& f) {
  fz::Member& me = f.me;
  benchmark::DoNotOptimize(fused_small_layers_reference(
      me.dh.data(), me.w2t.data(), me.w2m.data(), me.w2v.data(), me.b1.data(), me.b1m.data(),
      me.b1v.data(), me.h[0].data(), me.dlogits.data(), kB, kClasses, me.pad, kFusedAlpha,
      AdamConfig{}, &adam_update_reference));
}

// The first kernel's gradient with Adam's update, and the next batch's forward pass.
void panel_avx512(FusedBench& f) {
  const AdamConstants ac(AdamConfig{}, kFusedAlpha);
  f.k.fused_panel<8>(f.me, f.me.panels[0], f.me.batch[0], f.me.batch[1], f.me.h[1].data(), ac,
                     false);
}
void panel_reference(FusedBench& f) {
  fz::Panel& p = f.me.panels[0];
  fused_panel_reference(p.w.data(), p.m.data(), p.v.data(), kHidden, f.me.batch[0].x.data(), kB,
                        f.me.dh.data(), f.me.pad, 0, kIn, f.me.batch[1].x.data(), kB,
                        f.me.h[1].data(), f.me.b1.data(), kFusedAlpha, AdamConfig{},
                        &adam_update_reference);
}

}  // namespace
SAVANT_AVX512_END
