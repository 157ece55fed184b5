#include "savant/model/fused_trainer.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <exception>
#include <new>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "savant/core/denormals.hpp"
#include "savant/core/error.hpp"
#include "savant/core/thread_team.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/gather.hpp"
#include "savant/kernels/with_vectors.hpp"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define SAVANT_FUSED 1
#include <immintrin.h>

#include "savant/kernels/adam_avx512.hpp"
#endif

namespace savant {

bool FusedTrainer::supports(const ParameterLayout& layout) {
#ifdef SAVANT_FUSED
  return layout.layers() == 2;
#else
  (void)layout;
  return false;
#endif
}

#ifdef SAVANT_FUSED
namespace {

constexpr std::size_t kLanes = 16;
// Hidden units per group: the logits add their partial sums a group at a time, and a member
// of the team owns whole groups (one vector each).
constexpr std::size_t kGroup = kLanes;
// Vectors per panel: 128 hidden units of a row, held in registers.
constexpr std::size_t kPanelVectors = 8;
// Pixel rows per block of the fused pass: 64 rows of a 128-unit panel are 32 KiB, in L1
// while the next batch passes over them; one 64-bit word of an image's nonzero pattern.
constexpr std::size_t kRowBlock = 64;
// Pixel rows per block for a panel of NV vectors: as many as keep the block in L1 (32 KiB)
// while a batch passes over it; the fewer blocks, the fewer round trips of each image's sums
// through memory.
template <int NV>
constexpr std::size_t rows_per_block() {
  return NV <= 4 ? 2 * kRowBlock : kRowBlock;
}
// Batch rows per 32-bit word of the transposed nonzero pattern.
constexpr std::size_t kChunk = 32;

std::size_t round_up(std::size_t n, std::size_t m) {
  return (n + m - 1) / m * m;
}

// A zeroed, 64-byte aligned array: whole vectors and cache lines of its own.
template <typename T>
class Aligned {
 public:
  Aligned() = default;
  explicit Aligned(std::size_t n)
      : data_(static_cast<T*>(
            ::operator new (std::max<std::size_t>(n, 1) * sizeof(T), std::align_val_t{64}))) {
    std::fill(data_.get(), data_.get() + n, T{});
  }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T& operator[](std::size_t i) { return data_.get()[i]; }
  const T& operator[](std::size_t i) const { return data_.get()[i]; }

 private:
  struct Free {
    void operator()(T* p) const { ::operator delete (p, std::align_val_t{64}); }
  };
  std::unique_ptr<T, Free> data_;
};

// One batch as a member sees it: the scaled images and their nonzero patterns.
struct Batch {
  std::size_t rows = 0;
  Aligned<float> x;                  // rows x C
  Aligned<std::uint64_t> row_bits;   // rows x words: bit j of word w is x[r][64 w + j] != 0
  Aligned<std::uint32_t> col_bits;   // chunks x C: bit r of [c][k] is x[32 c + r][k] != 0
  Aligned<std::uint16_t> m16;        // chunks x quads x 32: row r's bits of pixels 16 i ..
  std::vector<std::uint8_t> labels;  // rows
};

// A member's columns of the first kernel, up to kPanelVectors vectors wide.
struct Panel {
  std::size_t offset = 0;   // first vector of the panel within the member
  std::size_t vectors = 0;  // width in vectors; the slabs' row stride is vectors * 16
  Aligned<float> w, m, v;   // C x (vectors * 16)
};

struct Member {
  std::size_t col0 = 0, cols = 0;                // hidden units [col0, col0 + cols)
  std::size_t group0 = 0, vectors = 0, pad = 0;  // its groups (one vector each); pad = 16 vectors
  std::vector<Panel> panels;
  Aligned<float> b1, b1m, b1v;   // pad
  Aligned<float> w2t, w2m, w2v;  // K x pad: the second kernel's rows of these units, transposed
  Aligned<float> w2r;            // pad x Kp: the same rows as they are (for the logits)
  Aligned<float> b2, b2m, b2v;   // Kp: the second bias (member 0 updates it)
  Batch batch[2];
  Aligned<float> h[2];             // B x pad: hidden activations of the batches
  Aligned<float> dh;               // B x pad: gradient w.r.t. the hidden units' outputs
  Aligned<float> logits, dlogits;  // B x K
  // The images of the step after next, asked for a few at a time between the blocks of the
  // fused pass: all at once, their cache misses filled the line buffers and stalled the core.
  const ImageSet* ahead_images = nullptr;
  std::span<const std::uint32_t> ahead;
  std::size_t ahead_done = 0;
  std::size_t diverged = 0;
};

__mmask16 lanes_mask(std::size_t n) {
  return n >= kLanes ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}

}  // namespace

struct FusedTrainer::Impl {
  std::size_t C, H, K, Kp, B, words, quads, chunks, groups;
  AdamConfig adam;
  std::int64_t steps_done = 0;
  std::vector<Member> members;
  Aligned<float> partial[2];  // groups x B x Kp: the partial logits of each group
  std::unique_ptr<std::atomic<std::size_t>[]> bad;  // [2][members]: step of a non-finite gradient
  std::exception_ptr failure;
  ThreadTeam team;
  SpinBarrier barrier;

  Impl(const Network& net, std::size_t batch, std::size_t threads, AdamConfig config)
      : C(net.layout.in(0)),
        H(net.layout.out(0)),
        K(net.layout.out(1)),
        Kp(round_up(K, kLanes)),
        B(batch),
        words((C + kRowBlock - 1) / kRowBlock),
        quads(words * (kRowBlock / kLanes)),
        chunks((batch + kChunk - 1) / kChunk),
        groups((H + kGroup - 1) / kGroup),
        adam(config),
        members(std::clamp<std::size_t>(threads, 1, groups)),
        bad(new std::atomic<std::size_t>[2 * members.size()]),
        team(members.size(), [] { enable_flush_denormals(); }),
        barrier(members.size()) {
    for (std::size_t p = 0; p < 2; ++p) partial[p] = Aligned<float>(groups * B * Kp);
    const std::size_t T = members.size();
    for (std::size_t t = 0; t < T; ++t) {
      Member& me = members[t];
      me.group0 = groups * t / T;
      me.vectors = groups * (t + 1) / T - me.group0;
      me.pad = me.vectors * kLanes;
      me.col0 = me.group0 * kGroup;
      me.cols = std::min(H, me.col0 + me.pad) - me.col0;
      for (std::size_t off = 0; off < me.vectors; off += kPanelVectors) {
        Panel p;
        p.offset = off;
        p.vectors = std::min(kPanelVectors, me.vectors - off);
        p.w = Aligned<float>(C * p.vectors * kLanes);
        p.m = Aligned<float>(C * p.vectors * kLanes);
        p.v = Aligned<float>(C * p.vectors * kLanes);
        me.panels.push_back(std::move(p));
      }
      me.b1 = Aligned<float>(me.pad);
      me.b1m = Aligned<float>(me.pad);
      me.b1v = Aligned<float>(me.pad);
      me.w2t = Aligned<float>(K * me.pad);
      me.w2m = Aligned<float>(K * me.pad);
      me.w2v = Aligned<float>(K * me.pad);
      me.w2r = Aligned<float>(me.pad * Kp);
      me.b2 = Aligned<float>(Kp);
      me.b2m = Aligned<float>(Kp);
      me.b2v = Aligned<float>(Kp);
      for (Batch& b : me.batch) {
        b.x = Aligned<float>(B * C);
        b.row_bits = Aligned<std::uint64_t>(B * words);
        b.col_bits = Aligned<std::uint32_t>(chunks * C);
        b.m16 = Aligned<std::uint16_t>(chunks * quads * kChunk);
        b.labels.resize(B);
      }
      for (auto& h : me.h) h = Aligned<float>(B * me.pad);
      me.dh = Aligned<float>(B * me.pad);
      me.logits = Aligned<float>(B * K);
      me.dlogits = Aligned<float>(B * K);
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

  // w2r from w2t.
  void refresh_rows(Member& me) const {
    for (std::size_t j = 0; j < me.pad; ++j) {
      for (std::size_t o = 0; o < K; ++o) me.w2r[j * Kp + o] = me.w2t[o * me.pad + j];
    }
  }

  // The images `indices` into `batch`: scaled to [0, 1] (as scale_pixels_reference does it),
  // with both nonzero patterns.
  void gather(Batch& batch, const ImageSet& images, std::span<const std::uint32_t> indices,
              std::span<const std::uint8_t> labels) const {
    batch.rows = indices.size();
    const __m512 scale = _mm512_set1_ps(1.0f / 255.0f);
    for (std::size_t r = 0; r < batch.rows; ++r) {
      const std::uint8_t* px = images.pixels.data() + std::size_t{indices[r]} * C;
      float* x = batch.x.data() + r * C;
      std::uint16_t* m16 = batch.m16.data() + (r / kChunk) * quads * kChunk + r % kChunk;
      batch.labels[r] = labels[indices[r]];
      for (std::size_t w = 0; w < words; ++w) {
        const std::size_t n = std::min(kRowBlock, C - w * kRowBlock);
        const __mmask64 k = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
        const __m512i bytes = _mm512_maskz_loadu_epi8(k, px + w * kRowBlock);
        const std::uint64_t nonzero = _mm512_test_epi8_mask(bytes, bytes);
        batch.row_bits[r * words + w] = nonzero;
        for (std::size_t q = 0; q * kLanes < n; ++q) {
          const __m128i part =
              _mm_maskz_loadu_epi8(lanes_mask(n - q * kLanes), px + w * kRowBlock + q * kLanes);
          const __m512 xs = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(part)), scale);
          _mm512_mask_storeu_ps(x + w * kRowBlock + q * kLanes, lanes_mask(n - q * kLanes), xs);
          m16[(w * 4 + q) * kChunk] = static_cast<std::uint16_t>(nonzero >> (q * kLanes));
        }
      }
    }
    // The transpose: for 16 pixels, the 32 rows' 16-bit patterns in one vector; the top bit
    // of every row (vpmovw2m) is the last pixel's 32-bit word, and so on down.
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::size_t r0 = c * kChunk,
                        rn = std::min(kChunk, batch.rows - std::min(batch.rows, r0));
      const __mmask32 live = rn == 32 ? ~__mmask32{0} : (__mmask32{1} << rn) - 1;
      for (std::size_t i = 0; i * kLanes < C; ++i) {
        __m512i v = _mm512_maskz_loadu_epi16(live, batch.m16.data() + (c * quads + i) * kChunk);
        std::uint32_t* out = batch.col_bits.data() + c * C + i * kLanes;
        const std::size_t n = std::min(kLanes, C - i * kLanes);  // i * 16 < C
        for (std::size_t j = kLanes; j-- > 0;) {
          if (j < n) out[j] = _mm512_movepi16_mask(v);
          v = _mm512_add_epi16(v, v);
        }
      }
    }
  }

  // Asks for the cache lines of the images me.ahead up to fraction (done / of) of them.
  static void prefetch_ahead(Member& me, std::size_t done, std::size_t of) {
    const std::size_t until = me.ahead.size() * done / of;
    if (until <= me.ahead_done) return;
    prefetch_images(*me.ahead_images, me.ahead.subspan(me.ahead_done, until - me.ahead_done));
    me.ahead_done = until;
  }

  // h[b, panel] for the pixel rows [k0, k0 + kn) of the batch `in` (the first block starts
  // from the bias, the last applies the ReLU), as dense_forward_fast adds them.
  template <int NV>
  void forward_block(const Member& me, const Panel& p, const Batch& in, float* h, std::size_t k0,
                     std::size_t kn) const {
    const std::size_t stride = NV * kLanes, off = p.offset * kLanes;
    const bool first = k0 == 0, final = k0 + kn == C;
    const float* w = p.w.data() + k0 * stride;
    for (std::size_t b = 0; b < in.rows; ++b) {
      float* y = h + b * me.pad + off;
      const float* start = first ? me.b1.data() + off : y;
      __m512 acc[NV];
      for (int v = 0; v < NV; ++v) acc[v] = _mm512_load_ps(start + kLanes * v);
      // The block's words of the image's nonzero pattern (kn is a multiple of 64 but at the
      // end of the image).
      for (std::size_t k = k0; k < k0 + kn; k += kRowBlock) {
        const float* x = in.x.data() + b * C + k;
        const float* wk = w + (k - k0) * stride;
        for (std::uint64_t bits = in.row_bits[b * words + k / kRowBlock]; bits != 0;
             bits &= bits - 1) {
          const auto j = static_cast<std::size_t>(std::countr_zero(bits));
          const __m512 xj = _mm512_set1_ps(x[j]);
          const float* row = wk + j * stride;
          for (int v = 0; v < NV; ++v) {
            acc[v] = _mm512_fmadd_ps(xj, _mm512_load_ps(row + kLanes * v), acc[v]);
          }
        }
      }
      if (final) {
        for (int v = 0; v < NV; ++v) acc[v] = _mm512_max_ps(acc[v], _mm512_setzero_ps());
      }
      for (int v = 0; v < NV; ++v) _mm512_store_ps(y + kLanes * v, acc[v]);
    }
  }

  // The batch's forward pass through the member's hidden units.
  void forward(const Member& me, const Batch& in, float* h) const {
    for (const Panel& p : me.panels) {
      with_vectors(p.vectors, [&](auto n) {
        constexpr std::size_t RB = rows_per_block<decltype(n)::value>();
        for (std::size_t k0 = 0; k0 < C; k0 += RB) {
          forward_block<decltype(n)::value>(me, p, in, h, k0, std::min(RB, C - k0));
        }
      });
    }
  }

  // Adam's update of the panel's row k from its gradient in registers.
  template <int NV>
  static void adam_row(Panel& p, std::size_t k, const __m512 (&g)[NV],
                       const simd::AdamConstants& ac) {
    __m512 unused = _mm512_setzero_ps();
    const std::size_t i = k * NV * kLanes;
    for (int v = 0; v < NV; ++v) {
      const std::size_t j = i + kLanes * static_cast<std::size_t>(v);
      simd::adam_lanes<false>(ac, g[v], p.w.data() + j, p.m.data() + j, p.v.data() + j,
                              static_cast<__mmask16>(0xFFFF), unused);
    }
  }

  // The gradient of the panel's rows k .. k + R - 1, summed in registers over the batch, then
  // Adam's update of those rows.
  template <int NV, int R>
  void gradient_rows(Member& me, Panel& p, const Batch& cur, std::size_t k, std::size_t off,
                     const simd::AdamConstants& ac) const {
    __m512 a[R][NV];
    for (int r = 0; r < R; ++r) {
      for (int v = 0; v < NV; ++v) a[r][v] = _mm512_setzero_ps();
    }
    for (std::size_t c = 0; c < chunks; ++c) {
      std::uint32_t bits = 0;
      for (int r = 0; r < R; ++r) bits |= cur.col_bits[c * C + k + static_cast<std::size_t>(r)];
      for (; bits != 0; bits &= bits - 1) {
        const std::size_t b = c * kChunk + static_cast<std::size_t>(std::countr_zero(bits));
        const float* x = cur.x.data() + b * C + k;
        const float* d = me.dh.data() + b * me.pad + off;
        __m512 xr[R];
        for (int r = 0; r < R; ++r) xr[r] = _mm512_set1_ps(x[r]);
        for (int v = 0; v < NV; ++v) {
          const __m512 dv = _mm512_load_ps(d + kLanes * v);
          for (int r = 0; r < R; ++r) a[r][v] = _mm512_fmadd_ps(xr[r], dv, a[r][v]);
        }
      }
    }
    for (int r = 0; r < R; ++r) adam_row<NV>(p, k + static_cast<std::size_t>(r), a[r], ac);
  }

  // The fused pass over one panel: the kernel gradient of the batch `cur`, a row at a time in
  // registers, updated by Adam at once; after each block of rows, the forward pass of `next`
  // (when it has rows) through the block just updated. (Its gradients are finite when dh is:
  // small_layers checks that.)
  template <int NV>
  void fused_panel(Member& me, Panel& p, const Batch& cur, const Batch& next, float* h_next,
                   const simd::AdamConstants& ac, bool prefetch) const {
    const std::size_t off = p.offset * kLanes;
    constexpr std::size_t RB = rows_per_block<NV>();
    const std::size_t blocks = (C + RB - 1) / RB;
    for (std::size_t k0 = 0; k0 < C; k0 += RB) {
      const std::size_t kn = std::min(RB, C - k0);
      // R rows at a time, over the images where any of the rows' pixels is lit: a term whose
      // pixel is 0 adds exactly 0 to its row's sum, so each row's sum is bitwise the one over
      // its own images, with fewer loops (and their mispredicted exits) and shared loads.
      constexpr int R = NV <= 4 ? 4 : 2;
      std::size_t k = k0;
      for (; k + R <= k0 + kn; k += R) gradient_rows<NV, R>(me, p, cur, k, off, ac);
      for (; k < k0 + kn; ++k) gradient_rows<NV, 1>(me, p, cur, k, off, ac);
      if (next.rows > 0) forward_block<NV>(me, p, next, h_next, k0, kn);
      if (prefetch) prefetch_ahead(me, k0 / RB + 1, blocks);
    }
  }

  // The partial logits of the member's groups for the batch whose activations are `h`:
  // partial[g][b] = sum over the group's units j, in order, of h[b, j] * W2[j]; the first
  // group starts from the bias.
  void partials(const Member& me, const float* h, std::size_t rows, float* out) const {
    for (std::size_t gi = 0; gi < me.vectors; ++gi) {
      for (std::size_t o = 0; o < Kp; o += kLanes) {
        std::size_t b = 0;
        for (; b + 4 <= rows; b += 4) partial_rows<4>(me, h, gi, o, b, out);
        for (; b < rows; ++b) partial_rows<1>(me, h, gi, o, b, out);
      }
    }
  }

  // partials() for N rows from b (N independent sums), classes o .. o + 15, group gi.
  template <int N>
  void partial_rows(const Member& me, const float* h, std::size_t gi, std::size_t o, std::size_t b,
                    float* out) const {
    const std::size_t g = me.group0 + gi;
    __m512 a[N];
    for (int i = 0; i < N; ++i) a[i] = _mm512_setzero_ps();
    const float* hb = h + b * me.pad + gi * kLanes;
    for (std::size_t j = 0; j < kLanes; ++j) {
      const __m512 w = _mm512_load_ps(me.w2r.data() + (gi * kLanes + j) * Kp + o);
      for (int i = 0; i < N; ++i) {
        a[i] =
            _mm512_fmadd_ps(_mm512_set1_ps(hb[static_cast<std::size_t>(i) * me.pad + j]), w, a[i]);
      }
    }
    const __m512 start = g == 0 ? _mm512_load_ps(me.b2.data() + o) : _mm512_setzero_ps();
    float* dst = out + (g * B + b) * Kp + o;
    for (int i = 0; i < N; ++i) {
      _mm512_store_ps(dst + static_cast<std::size_t>(i) * Kp, _mm512_add_ps(start, a[i]));
    }
  }

  // dh of images b .. b + N - 1 for the hidden-unit vectors v0 .. v0 + NV - 1: dlogits @ W2^T
  // (the kernel before its update) through the ReLU.
  template <int NV, int N>
  void hidden_gradient(Member& me, const float* h, std::size_t v0, std::size_t b,
                       __m512& poison) const {
    const std::size_t pad = me.pad;
    const float* dl = me.dlogits.data() + b * K;
    __m512 acc[N][NV];
    for (int i = 0; i < N; ++i) {
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    }
    for (std::size_t o = 0; o < K; ++o) {
      const float* w = me.w2t.data() + o * pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) {
        const __m512 wv = _mm512_load_ps(w + kLanes * v);
        for (int i = 0; i < N; ++i) {
          acc[i][v] = _mm512_fmadd_ps(_mm512_set1_ps(dl[static_cast<std::size_t>(i) * K + o]), wv,
                                      acc[i][v]);
        }
      }
    }
    for (int i = 0; i < N; ++i) {
      const std::size_t row = (b + static_cast<std::size_t>(i)) * pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) {
        const std::size_t j = row + kLanes * static_cast<std::size_t>(v);
        const __mmask16 live =
            _mm512_cmp_ps_mask(_mm512_load_ps(h + j), _mm512_setzero_ps(), _CMP_GT_OQ);
        const __m512 d = _mm512_maskz_mov_ps(live, acc[i][v]);
        // The first kernel's gradient is a sum of these times pixels in [0, 1]: it is finite
        // when they are, and its Adam update skips the check.
        poison = _mm512_add_ps(poison, _mm512_mul_ps(d, _mm512_setzero_ps()));
        _mm512_store_ps(me.dh.data() + j, d);
      }
    }
  }

  // The second kernel's gradient for classes o .. o + N - 1 and the hidden-unit vectors
  // v0 .. v0 + NV - 1 (stored transposed), summed over the batch, then their Adam update.
  template <int NV, int N>
  void second_kernel_gradient(Member& me, std::size_t rows, const float* h, std::size_t v0,
                              std::size_t o, const simd::AdamConstants& ac, __m512& poison) const {
    const std::size_t pad = me.pad;
    const float* dl = me.dlogits.data() + o;
    __m512 acc[N][NV];
    for (int i = 0; i < N; ++i) {
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    }
    for (std::size_t b = 0; b < rows; ++b) {
      const float* hb = h + b * pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) {
        const __m512 hv = _mm512_load_ps(hb + kLanes * v);
        for (int i = 0; i < N; ++i) {
          acc[i][v] = _mm512_fmadd_ps(hv, _mm512_set1_ps(dl[b * K + static_cast<std::size_t>(i)]),
                                      acc[i][v]);
        }
      }
    }
    for (int i = 0; i < N; ++i) {
      const std::size_t row = (o + static_cast<std::size_t>(i)) * pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) {
        const std::size_t j = row + kLanes * static_cast<std::size_t>(v);
        simd::adam_lanes(ac, acc[i][v], me.w2t.data() + j, me.w2m.data() + j, me.w2v.data() + j,
                         static_cast<__mmask16>(0xFFFF), poison);
      }
    }
  }

  // For the member's hidden-unit vectors v0 .. v0 + NV - 1: the gradient of their outputs
  // through the ReLU (dh = dlogits @ W2^T, from the kernel before its update), then their rows
  // of the second kernel (stored transposed) and their first bias, updated by Adam.
  template <int NV>
  void small_layer_vectors(Member& me, const Batch& cur, const float* h, std::size_t v0,
                           const simd::AdamConstants& ac, __m512& poison) const {
    const std::size_t rows = cur.rows;
    // Two images (then two classes) at a time: twice the independent chains of multiply-adds,
    // each sum in the same order as one at a time.
    std::size_t b = 0;
    for (; b + 2 <= rows; b += 2) hidden_gradient<NV, 2>(me, h, v0, b, poison);
    for (; b < rows; ++b) hidden_gradient<NV, 1>(me, h, v0, b, poison);
    std::size_t o = 0;
    for (; o + 2 <= K; o += 2) second_kernel_gradient<NV, 2>(me, rows, h, v0, o, ac, poison);
    for (; o < K; ++o) second_kernel_gradient<NV, 1>(me, rows, h, v0, o, ac, poison);
    // The first bias of these units.
    __m512 acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = _mm512_setzero_ps();
    for (std::size_t r = 0; r < rows; ++r) {
      const float* dh = me.dh.data() + r * me.pad + kLanes * v0;
      for (int v = 0; v < NV; ++v) acc[v] = _mm512_add_ps(acc[v], _mm512_load_ps(dh + kLanes * v));
    }
    for (int v = 0; v < NV; ++v) {
      const std::size_t j = kLanes * (v0 + static_cast<std::size_t>(v));
      simd::adam_lanes(ac, acc[v], me.b1.data() + j, me.b1m.data() + j, me.b1v.data() + j,
                       static_cast<__mmask16>(0xFFFF), poison);
    }
  }

  // Steps 2 and 3 of a step (see the header) for the batch `cur` whose activations are `h`.
  StepResult small_layers(Member& me, std::size_t t, const Batch& cur, const float* h,
                          const float* part, const simd::AdamConstants& ac, bool& ok) {
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
        simd::adam_lanes(ac, acc, me.b2.data() + o0, me.b2m.data() + o0, me.b2v.data() + o0,
                         static_cast<__mmask16>(0xFFFF), poison);
      }
    }
    ok = simd::finite(poison);
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
      const simd::AdamConstants ac(adam,
                                   adam_alpha(adam, steps_done + static_cast<std::int64_t>(s) + 1));
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

FusedTrainer::FusedTrainer(const Network& net, std::size_t batch, std::size_t threads,
                           AdamConfig adam) {
  if (!supports(net.layout)) {
    throw Error(
        fmt::format("the fused engine trains networks with one hidden layer in AVX-512 "
                    "builds; this network has {} layers",
                    net.layout.layers()));
  }
  if (batch == 0) throw UsageError("batch size must be at least 1");
  impl_ = std::make_unique<Impl>(net, batch, threads, adam);
}

FusedTrainer::~FusedTrainer() = default;

std::size_t FusedTrainer::epoch(const ImageSet& images, std::span<const std::uint32_t> order,
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

void FusedTrainer::store(Network& net) const {
  impl_->store(net);
}

#else  // no AVX-512: train_network uses its general engine

struct FusedTrainer::Impl {};

FusedTrainer::FusedTrainer(const Network& net, std::size_t, std::size_t, AdamConfig) {
  throw Error(fmt::format("the fused engine needs an AVX-512 build (network of {} layers)",
                          net.layout.layers()));
}
FusedTrainer::~FusedTrainer() = default;
std::size_t FusedTrainer::epoch(const ImageSet&, std::span<const std::uint32_t>,
                                std::span<const std::uint8_t>, const StepFn&) {
  return 0;
}
void FusedTrainer::store(Network&) const {}

#endif

}  // namespace savant
