#pragma once
// The checks of tests/kernels/test_fused_kernels.cpp, compiled for AVX-512: that file includes
// this one after every other header and its helpers, and calls the checks only where the CPU
// has AVX-512 (kernels/avx512.hpp says why the region comes last).

SAVANT_AVX512_BEGIN
#include "savant/kernels/fused_backward_avx512.hpp"

namespace savant {
namespace {

namespace fz = avx512::fused;
using avx512::AdamConstants;
using avx512::kLanes;

const AdamConfig kAdam{};
constexpr float kAlpha = 3e-4f;  // about alpha of the first step for Keras' defaults

// One member of the engine's team: random parameters and Adam moments, the batch (`rows`
// images) and the next one gathered by the kernel, random ReLU outputs h[0] with about half
// zeros, dlogits and dh (0 where h is).
struct MemberCase {
  fz::FusedKernels k;
  fz::Member me;
  ImageSet images;
  std::vector<std::uint8_t> labels;
  std::vector<std::uint32_t> order;  // the batch, then the next, then the rest
  std::uint64_t seed = 1;

  explicit MemberCase(const Shape& s)
      : k(s.C, s.H, s.K, s.B), images(random_images(2 * s.B + 3, s.C, s.C * 1000 + s.H)) {
    k.allocate(me, s.group0, s.vectors);
    const std::size_t pad = me.pad, C = s.C, K = s.K;
    for (fz::Panel& p : me.panels) {
      const std::size_t n = C * p.vectors * kLanes;
      fill(p.w.data(), n, 0.0f, 0.1f);
      fill_moments(p.m.data(), p.v.data(), n);
    }
    fill(me.b1.data(), pad, 0.0f, 0.1f);
    fill_moments(me.b1m.data(), me.b1v.data(), pad);
    fill(me.w2t.data(), K * pad, 0.0f, 0.3f);
    fill_moments(me.w2m.data(), me.w2v.data(), K * pad);
    fill(me.b2.data(), K, 0.0f, 0.1f);
    k.refresh_rows(me);
    for (std::size_t i = 0; i < images.count; ++i) {
      labels.push_back(static_cast<std::uint8_t>((i * 7) % K));
      order.push_back(static_cast<std::uint32_t>(images.count - 1 - i));
    }
    const std::span<const std::uint32_t> all(order);
    k.gather(me.batch[0], images, all.subspan(0, s.rows), labels);
    k.gather(me.batch[1], images, all.subspan(s.rows, (s.rows + 1) / 2), labels);
    fill(me.h[0].data(), s.B * pad, 0.5f, 1.0f);
    for (std::size_t i = 0; i < s.B * pad; ++i) me.h[0][i] = std::abs(me.h[0][i]);
    fill(me.dlogits.data(), s.B * K, 0.0f, 1.0f / static_cast<float>(s.rows));
    fill(me.dh.data(), s.B * pad, 0.0f, 0.05f);
    for (std::size_t i = 0; i < s.B * pad; ++i) me.dh[i] = me.h[0][i] > 0.0f ? me.dh[i] : 0.0f;
  }

  void fill(float* p, std::size_t n, float zero_share, float scale) {
    const std::vector<float> v = random_values(n, seed++, zero_share, scale);
    std::copy(v.begin(), v.end(), p);
  }
  // m small, v positive, every fifth v 0 (a gradient never seen yet).
  void fill_moments(float* m, float* v, std::size_t n) {
    fill(m, n, 0.0f, 1e-3f);
    fill(v, n, 0.2f, 1e-2f);
    for (std::size_t i = 0; i < n; ++i) v[i] *= v[i];
  }
};

std::vector<float> copy_of(const fz::Aligned<float>& a, std::size_t n) {
  return {a.data(), a.data() + n};
}
std::span<const float> view(const fz::Aligned<float>& a, std::size_t n) {
  return {a.data(), n};
}

void check_gather(const Shape& s) {
  MemberCase c(s);
  fz::Batch& batch = c.me.batch[0];
  const std::span<const std::uint32_t> order(c.order);
  // A whole batch first, then `rows` other images into the same buffers: nothing of the first
  // may show in the second.
  c.k.gather(batch, c.images, order.subspan(0, s.B), c.labels);
  const auto indices = order.subspan(s.B, s.rows);
  c.k.gather(batch, c.images, indices, c.labels);
  std::vector<float> x(s.rows * s.C);
  std::vector<std::uint64_t> row_bits(s.rows * c.k.words);
  std::vector<std::uint32_t> col_bits(c.k.chunks * s.C);
  std::vector<std::uint8_t> labels(s.rows);
  fused_gather_reference(x.data(), row_bits.data(), col_bits.data(), labels.data(), c.images,
                         indices, c.labels, c.k.chunks);
  ASSERT_EQ(batch.rows, s.rows);
  expect_same_bits(view(batch.x, x.size()), x, "x");
  for (std::size_t i = 0; i < row_bits.size(); ++i) ASSERT_EQ(batch.row_bits[i], row_bits[i]) << i;
  for (std::size_t i = 0; i < col_bits.size(); ++i) ASSERT_EQ(batch.col_bits[i], col_bits[i]) << i;
  for (std::size_t r = 0; r < s.rows; ++r) ASSERT_EQ(batch.labels[r], labels[r]) << r;
}

void check_forward(const Shape& s) {
  MemberCase c(s);
  const fz::Batch& in = c.me.batch[0];
  const std::size_t pad = c.me.pad, n = s.rows * pad;
  // Block by block as the fused pass runs them (first from the bias, the last with the ReLU).
  float* h = c.me.h[1].data();
  std::vector<float> want(s.B * pad, 0.0f);
  for (const fz::Panel& p : c.me.panels) {
    with_vectors(p.vectors, [&](auto nv) {
      constexpr int NV = decltype(nv)::value;
      constexpr std::size_t RB = fz::rows_per_block<NV>();
      const std::size_t off = p.offset * kLanes, stride = NV * kLanes;
      for (std::size_t k0 = 0; k0 < s.C; k0 += RB) {
        const std::size_t kn = std::min(RB, s.C - k0);
        c.k.forward_block<NV>(c.me, p, in, h, k0, kn);
        fused_forward_block_reference(want.data() + off, pad, in.x.data(), p.w.data(), stride,
                                      c.me.b1.data() + off, in.rows, s.C, stride, k0, kn);
        expect_same_bits({h, n}, {want.data(), n}, "h after a block");
      }
    });
  }
  // forward(), in the engine's blocks, gives the bits of one block over all the pixels.
  c.k.forward(c.me, in, c.me.h[0].data());
  expect_same_bits(view(c.me.h[0], n), {want.data(), n}, "h of forward()");
}

void check_partials(const Shape& s) {
  MemberCase c(s);
  const std::size_t size = c.k.groups * s.B * c.k.Kp;
  fz::Aligned<float> out(size);
  std::vector<float> want(size, 0.0f);
  c.k.partials(c.me, c.me.h[0].data(), s.rows, out.data());
  fused_partials_reference(want.data(), c.me.h[0].data(), c.me.w2r.data(), c.me.b2.data(), s.rows,
                           c.me.pad, c.k.Kp, s.B, c.me.group0);
  expect_same_bits(view(out, size), want, "partial logits");
}

// dh as small_layer_vectors runs hidden_gradient: two images at a time, up to 8 vectors.
bool run_hidden_gradient(MemberCase& c, std::size_t rows) {
  __m512 poison = _mm512_setzero_ps();
  for (std::size_t v0 = 0; v0 < c.me.vectors; v0 += fz::kPanelVectors) {
    with_vectors(std::min(fz::kPanelVectors, c.me.vectors - v0), [&](auto nv) {
      constexpr int NV = decltype(nv)::value;
      std::size_t b = 0;
      for (; b + 2 <= rows; b += 2)
        c.k.hidden_gradient<NV, 2>(c.me, c.me.h[0].data(), v0, b, poison);
      for (; b < rows; ++b) c.k.hidden_gradient<NV, 1>(c.me, c.me.h[0].data(), v0, b, poison);
    });
  }
  return avx512::finite(poison);
}

void check_hidden_gradient(const Shape& s) {
  MemberCase c(s);
  const std::size_t pad = c.me.pad, n = s.rows * pad;
  std::vector<float> want(n);
  auto reference = [&] {
    return fused_hidden_gradient_reference(want.data(), c.me.dlogits.data(), c.me.w2t.data(),
                                           c.me.h[0].data(), s.rows, s.K, pad);
  };
  EXPECT_TRUE(run_hidden_gradient(c, s.rows));
  EXPECT_TRUE(reference());
  expect_same_bits(view(c.me.dh, n), want, "dh");
  // A NaN among the last image's dlogits reaches its live units: both say so.
  c.me.dlogits[(s.rows - 1) * s.K] = std::numeric_limits<float>::quiet_NaN();
  c.me.h[0][(s.rows - 1) * pad] = 1.0f;
  EXPECT_FALSE(run_hidden_gradient(c, s.rows));
  EXPECT_FALSE(reference());
}

void check_small_layers(const Shape& s) {
  MemberCase c(s);
  const std::size_t pad = c.me.pad, K = s.K;
  const auto w2 = copy_of(c.me.w2t, K * pad), w2m = copy_of(c.me.w2m, K * pad),
             w2v = copy_of(c.me.w2v, K * pad), b1 = copy_of(c.me.b1, pad),
             b1m = copy_of(c.me.b1m, pad), b1v = copy_of(c.me.b1v, pad);
  const AdamConstants ac(kAdam, kAlpha);
  __m512 poison = _mm512_setzero_ps();
  for (std::size_t v0 = 0; v0 < c.me.vectors; v0 += fz::kPanelVectors) {
    with_vectors(std::min(fz::kPanelVectors, c.me.vectors - v0), [&](auto nv) {
      c.k.small_layer_vectors<decltype(nv)::value>(c.me, c.me.batch[0], c.me.h[0].data(), v0, ac,
                                                   poison);
    });
  }
  EXPECT_TRUE(avx512::finite(poison));
  for (AdamUpdateFn update : {AdamUpdateFn{&avx512::adam_update}, &adam_update_reference}) {
    const bool exact = update == &avx512::adam_update;
    auto w = w2, m = w2m, v = w2v, bw = b1, bm = b1m, bv = b1v;
    std::vector<float> dh(s.rows * pad);
    EXPECT_TRUE(fused_small_layers_reference(
        dh.data(), w.data(), m.data(), v.data(), bw.data(), bm.data(), bv.data(), c.me.h[0].data(),
        c.me.dlogits.data(), s.rows, K, pad, kAlpha, kAdam, update));
    expect_same_bits(view(c.me.dh, dh.size()), dh, "dh");
    if (exact) {
      expect_same_bits(view(c.me.w2t, w.size()), w, "w2t");
      expect_same_bits(view(c.me.w2m, m.size()), m, "w2m");
      expect_same_bits(view(c.me.w2v, v.size()), v, "w2v");
      expect_same_bits(view(c.me.b1, pad), bw, "b1");
      expect_same_bits(view(c.me.b1m, pad), bm, "b1m");
      expect_same_bits(view(c.me.b1v, pad), bv, "b1v");
    } else {
      expect_adam_near(view(c.me.w2t, w.size()), view(c.me.w2m, m.size()), view(c.me.w2v, v.size()),
                       w, m, v, w2, w2m, "w2t ");
      expect_adam_near(view(c.me.b1, pad), view(c.me.b1m, pad), view(c.me.b1v, pad), bw, bm, bv, b1,
                       b1m, "b1 ");
    }
  }
}

// Every row of the panel's gradient with Adam's update, R rows at a time and then one.
template <int NV, int R>
void run_gradient_rows(MemberCase& c, fz::Panel& p, const AdamConstants& ac) {
  const std::size_t C = c.k.C, off = p.offset * kLanes;
  std::size_t k = 0;
  for (; k + R <= C; k += R) c.k.gradient_rows<NV, R>(c.me, p, c.me.batch[0], k, off, ac);
  for (; k < C; ++k) c.k.gradient_rows<NV, 1>(c.me, p, c.me.batch[0], k, off, ac);
}

// The panels' slabs after `run`, against the reference gradient and `update` (bits for
// adam_update_fast's arithmetic, Adam's bounds for the reference's); with `next`, against
// fused_panel_reference, the next batch's forward pass through the updated slabs included.
template <typename Run>
void check_panels(const Shape& s, bool next, Run&& run) {
  MemberCase c(s);
  std::vector<std::vector<float>> before;
  for (const fz::Panel& p : c.me.panels) {
    for (const auto* a : {&p.w, &p.m, &p.v})
      before.push_back(copy_of(*a, s.C * p.vectors * kLanes));
  }
  run(c);
  const fz::Batch &cur = c.me.batch[0], &nxt = c.me.batch[1];
  const std::size_t pad = c.me.pad;
  for (AdamUpdateFn update : {AdamUpdateFn{&avx512::adam_update}, &adam_update_reference}) {
    const bool exact = update == &avx512::adam_update;
    std::vector<float> h_next(s.B * pad, 0.0f);
    for (std::size_t i = 0; i < c.me.panels.size(); ++i) {
      const fz::Panel& p = c.me.panels[i];
      const std::size_t stride = p.vectors * kLanes, n = s.C * stride, off = p.offset * kLanes;
      auto w = before[3 * i], m = before[3 * i + 1], v = before[3 * i + 2];
      if (next) {
        fused_panel_reference(w.data(), m.data(), v.data(), stride, cur.x.data(), s.rows,
                              c.me.dh.data(), pad, off, s.C, nxt.x.data(), nxt.rows, h_next.data(),
                              c.me.b1.data() + off, kAlpha, kAdam, update);
      } else {
        std::vector<float> dw(n);
        fused_kernel_gradient_reference(dw.data(), cur.x.data(), c.me.dh.data(), s.rows, s.C, pad,
                                        off, stride, 0, s.C);
        update(w.data(), m.data(), v.data(), dw.data(), n, kAlpha, kAdam);
      }
      if (exact) {
        expect_same_bits(view(p.w, n), w, "w1");
        expect_same_bits(view(p.m, n), m, "m1");
        expect_same_bits(view(p.v, n), v, "v1");
      } else {
        expect_adam_near(view(p.w, n), view(p.m, n), view(p.v, n), w, m, v, before[3 * i],
                         before[3 * i + 1], "w1 ");
      }
    }
    // The forward pass through the reference's slabs: bits where those are the kernel's (the
    // other update's slabs differ by Adam's rounding).
    if (next && exact)
      expect_same_bits(view(c.me.h[1], h_next.size()), h_next, "h of the next batch");
  }
}

void check_gradient_rows(const Shape& s) {
  const AdamConstants ac(kAdam, kAlpha);
  for (bool grouped : {false, true}) {
    check_panels(s, false, [&](MemberCase& c) {
      for (fz::Panel& p : c.me.panels) {
        with_vectors(p.vectors, [&](auto nv) {
          constexpr int NV = decltype(nv)::value;
          if (grouped) {
            run_gradient_rows<NV, (NV <= 4 ? 4 : 2)>(c, p, ac);
          } else {
            run_gradient_rows<NV, 1>(c, p, ac);
          }
        });
      }
    });
  }
}

void check_fused_panel(const Shape& s) {
  const AdamConstants ac(kAdam, kAlpha);
  for (bool last_step : {false, true}) {  // the last step of an epoch has no next batch
    check_panels(s, true, [&](MemberCase& c) {
      if (last_step) c.me.batch[1].rows = 0;
      for (fz::Panel& p : c.me.panels) {
        with_vectors(p.vectors, [&](auto nv) {
          c.k.fused_panel<decltype(nv)::value>(c.me, p, c.me.batch[0], c.me.batch[1],
                                               c.me.h[1].data(), ac, false);
        });
      }
    });
  }
}

}  // namespace
}  // namespace savant
SAVANT_AVX512_END
