#include "savant/model/fused_engine.hpp"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <exception>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "savant/core/denormals.hpp"
#include "savant/core/error.hpp"
#include "savant/core/thread_team.hpp"
#include "savant/data/image_set.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/kernels/avx512.hpp"
#include "savant/kernels/gather.hpp"
#include "savant/kernels/isa.hpp"
#include "savant/kernels/softmax.hpp"
#include "savant/kernels/with_vectors.hpp"

namespace savant {

bool FusedEngine::supports(const ParameterLayout& layout) {
  return layout.layers() == 2 && active_isa() == Isa::avx512;
}

}  // namespace savant

#ifdef SAVANT_HAVE_AVX512
// Everything below runs only after supports() said yes.
SAVANT_AVX512_BEGIN
#include "savant/kernels/fused_backward_avx512.hpp"

namespace savant {

using namespace avx512;
using namespace avx512::fused;

struct FusedEngine::Impl : FusedKernels {
  AdamConfig adam;
  std::int64_t steps_done = 0;
  std::vector<Member> members;
  Aligned<float> partial[2];  // groups x B x Kp: the partial logits of each group
  std::unique_ptr<std::atomic<std::size_t>[]> bad;  // [2][members]: step of a non-finite gradient
  std::exception_ptr failure;
  ThreadTeam team;
  SpinBarrier barrier;

  Impl(const Network& net, std::size_t batch, std::size_t threads, AdamConfig config)
      : FusedKernels(net.layout.in(0), net.layout.out(0), net.layout.out(1), batch),
        adam(config),
        members(std::clamp<std::size_t>(threads, 1, groups)),
        bad(new std::atomic<std::size_t>[2 * members.size()]),
        team(members.size(), [] { enable_flush_denormals(); }),
        barrier(members.size()) {
    for (std::size_t p = 0; p < 2; ++p) partial[p] = Aligned<float>(groups * B * Kp);
    const std::size_t T = members.size();
    for (std::size_t t = 0; t < T; ++t) {
      const std::size_t g0 = groups * t / T;
      allocate(members[t], g0, groups * (t + 1) / T - g0);
    }
    load(net);
  }

  void load(const Network& net) {
    const float* w1 = net.kernel(0).data();
    const float* b1 = net.bias(0).data();
    const float* w2 = net.kernel(1).data();
    const float* b2 = net.bias(1).data();
    for (Member& me : members) {
      for (Panel& p : me.panels) {
        const std::size_t stride = p.vectors * kLanes, c0 = me.col0 + p.offset * kLanes;
        const std::size_t n = std::min(stride, me.col0 + me.cols - c0);
        for (std::size_t k = 0; k < C; ++k)
          std::copy_n(w1 + k * H + c0, n, p.w.data() + k * stride);
      }
      std::copy_n(b1 + me.col0, me.cols, me.b1.data());
      for (std::size_t j = 0; j < me.cols; ++j) {
        for (std::size_t o = 0; o < K; ++o) me.w2t[o * me.pad + j] = w2[(me.col0 + j) * K + o];
      }
      refresh_rows(me);
      std::copy_n(b2, K, me.b2.data());
    }
  }

  void store(Network& net) const {
    float* w1 = net.kernel(0).data();
    float* b1 = net.bias(0).data();
    float* w2 = net.kernel(1).data();
    float* b2 = net.bias(1).data();
    for (const Member& me : members) {
      for (const Panel& p : me.panels) {
        const std::size_t stride = p.vectors * kLanes, c0 = me.col0 + p.offset * kLanes;
        const std::size_t n = std::min(stride, me.col0 + me.cols - c0);
        for (std::size_t k = 0; k < C; ++k)
          std::copy_n(p.w.data() + k * stride, n, w1 + k * H + c0);
      }
      std::copy_n(me.b1.data(), me.cols, b1 + me.col0);
      for (std::size_t j = 0; j < me.cols; ++j) {
        for (std::size_t o = 0; o < K; ++o) w2[(me.col0 + j) * K + o] = me.w2t[o * me.pad + j];
      }
    }
    std::copy_n(members[0].b2.data(), K, b2);
  }

  // Steps 2 and 3 of a step (see the header) for the batch `cur` whose activations are `h`.
  StepResult small_layers(Member& me, std::size_t t, const Batch& cur, const float* h,
                          const float* part, const AdamConstants& ac, bool& ok) {
    const std::size_t rows = cur.rows;
    // The logits: the groups' partial sums added in group order.
    for (std::size_t b = 0; b < rows; ++b) {
      for (std::size_t o0 = 0; o0 < Kp; o0 += kLanes) {
        __m512 z = _mm512_load_ps(part + b * Kp + o0);
        for (std::size_t g = 1; g < groups; ++g) {
          z = _mm512_add_ps(z, _mm512_load_ps(part + (g * B + b) * Kp + o0));
        }
        _mm512_mask_storeu_ps(me.logits.data() + b * K + o0, lanes_mask(K - o0), z);
      }
    }
    const StepResult result =
        softmax_cross_entropy_fast(me.dlogits.data(), me.logits.data(), cur.labels.data(), rows, K,
                                   1.0f / static_cast<float>(rows));
    const float* dl = me.dlogits.data();
    __m512 poison = _mm512_setzero_ps();
    // Up to 8 vectors of hidden units at a time, each with its own chain of sums.
    for (std::size_t v0 = 0; v0 < me.vectors; v0 += kPanelVectors) {
      with_vectors(std::min(kPanelVectors, me.vectors - v0), [&](auto n) {
        small_layer_vectors<decltype(n)::value>(me, cur, h, v0, ac, poison);
      });
    }
    refresh_rows(me);
    // The second bias: member 0, the only one that reads it.
    if (t == 0) {
      for (std::size_t o0 = 0; o0 < Kp; o0 += kLanes) {
        const __mmask16 k = lanes_mask(K - std::min(K, o0));
        __m512 acc = _mm512_setzero_ps();
        for (std::size_t b = 0; b < rows; ++b) {
          acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(k, dl + b * K + o0));
        }
        adam_lanes(ac, acc, me.b2.data() + o0, me.b2m.data() + o0, me.b2v.data() + o0,
                   static_cast<__mmask16>(0xFFFF), poison);
      }
    }
    ok = finite(poison);
    return result;
  }

  // Member t's part of one epoch.
  void run_epoch(std::size_t t, const ImageSet& images, std::span<const std::uint32_t> order,
                 std::span<const std::uint8_t> labels, const StepFn& after_step) {
    Member& me = members[t];
    const std::size_t n = order.size(), steps = (n + B - 1) / B, T = members.size();
    auto indices = [&](std::size_t s) { return order.subspan(s * B, std::min(B, n - s * B)); };
    me.diverged = 0;
    gather(me.batch[0], images, indices(0), labels);
    if (steps > 1) prefetch_images(images, indices(1));
    forward(me, me.batch[0], me.h[0].data());
    partials(me, me.h[0].data(), me.batch[0].rows, partial[0].data());
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t cur = s & 1, nxt = cur ^ 1;
      Batch& next = me.batch[nxt];
      next.rows = 0;
      if (s + 1 < steps) {
        gather(next, images, indices(s + 1), labels);
      }
      me.ahead_images = &images;
      me.ahead = s + 2 < steps ? indices(s + 2) : std::span<const std::uint32_t>{};
      me.ahead_done = 0;
      barrier.arrive_and_wait();
      // A member's non-finite gradient of the step before (or a failed callback), seen by all.
      for (std::size_t u = 0; u < T; ++u) {
        const std::size_t at = bad[cur * T + u].load(std::memory_order_relaxed);
        if (at != 0) me.diverged = at;
      }
      if (me.diverged != 0) return;
      const AdamConstants ac(adam, adam_alpha(adam, steps_done + static_cast<std::int64_t>(s) + 1));
      bool ok = true;
      const StepResult result =
          small_layers(me, t, me.batch[cur], me.h[cur].data(), partial[cur].data(), ac, ok);
      if (!std::isfinite(result.loss_sum)) {
        me.diverged = s + 1;
        return;
      }
      if (t == 0 && after_step) {
        try {
          after_step(s, me.batch[cur].rows, result);
        } catch (...) {
          failure = std::current_exception();
          ok = false;
        }
      }
      for (Panel& p : me.panels) {
        with_vectors(p.vectors, [&](auto nv) {
          fused_panel<decltype(nv)::value>(me, p, me.batch[cur], next, me.h[nxt].data(), ac,
                                           &p == &me.panels.front());
        });
      }
      if (!ok) bad[nxt * T + t].store(s + 1, std::memory_order_relaxed);
      if (next.rows > 0) partials(me, me.h[nxt].data(), next.rows, partial[nxt].data());
    }
  }
};

FusedEngine::FusedEngine(const Network& net, std::size_t batch, std::size_t threads,
                         AdamConfig adam) {
  if (!supports(net.layout)) {
    throw Error(
        fmt::format("the fused engine trains networks with one hidden layer on AVX-512; this "
                    "network has {} layers and the active instruction set is {}",
                    net.layout.layers(), isa_name(active_isa())));
  }
  if (batch == 0) throw UsageError("batch size must be at least 1");
  impl_ = std::make_unique<Impl>(net, batch, threads, adam);
}

FusedEngine::~FusedEngine() = default;

std::size_t FusedEngine::epoch(const ImageSet& images, std::span<const std::uint32_t> order,
                               std::span<const std::uint8_t> labels, const StepFn& after_step) {
  Impl& im = *impl_;
  if (images.pixels_per_image() != im.C) {
    throw Error(fmt::format("the network takes {} inputs but the images have {} pixels", im.C,
                            images.pixels_per_image()));
  }
  if (order.empty()) return 0;
  const std::size_t T = im.members.size();
  for (std::size_t i = 0; i < 2 * T; ++i) im.bad[i].store(0, std::memory_order_relaxed);
  im.failure = nullptr;
  im.team.run([&](std::size_t t) { im.run_epoch(t, images, order, labels, after_step); });
  const std::size_t steps = (order.size() + im.B - 1) / im.B;
  std::size_t diverged = im.members[0].diverged;
  // The last step's gradients were checked after the last barrier.
  for (std::size_t u = 0; u < T && diverged == 0; ++u) {
    diverged = im.bad[(steps & 1) * T + u].load(std::memory_order_relaxed);
  }
  if (im.failure) std::rethrow_exception(im.failure);
  im.steps_done += static_cast<std::int64_t>(diverged != 0 ? diverged : steps);
  return diverged;
}

void FusedEngine::store(Network& net) const {
  impl_->store(net);
}

}  // namespace savant
SAVANT_AVX512_END

#else  // no AVX-512 kernels in this build: supports() is always false

namespace savant {

struct FusedEngine::Impl {};

FusedEngine::FusedEngine(const Network& net, std::size_t, std::size_t, AdamConfig) {
  throw Error(
      fmt::format("the fused engine needs the AVX-512 kernels, which this build lacks "
                  "(network of {} layers)",
                  net.layout.layers()));
}
FusedEngine::~FusedEngine() = default;
std::size_t FusedEngine::epoch(const ImageSet&, std::span<const std::uint32_t>,
                               std::span<const std::uint8_t>, const StepFn&) {
  return 0;
}
void FusedEngine::store(Network&) const {}

}  // namespace savant
#endif
