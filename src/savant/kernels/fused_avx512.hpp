#pragma once
// The fused one-hidden-layer engine's data and forward kernels (model/fused_engine.cpp has the
// step that runs them, and docs/PERFORMANCE.md the design). Include only inside
// SAVANT_AVX512_BEGIN ... SAVANT_AVX512_END (kernels/avx512.hpp), after simd_avx512.hpp.
//
// Shapes: C inputs (pixels), H hidden units, K classes (Kp rounded up to 16), batches of up to
// B rows. A member of the thread team owns whole groups of 16 hidden units (one vector each),
// in panels of up to 8 vectors whose slabs hold C rows of the first kernel each.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <vector>

#include "savant/data/image_set.hpp"
#include "savant/kernels/gather.hpp"
#include "savant/kernels/simd_avx512.hpp"
#include "savant/kernels/with_vectors.hpp"

namespace savant::avx512::fused {

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

inline std::size_t round_up(std::size_t n, std::size_t m) {
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

// The shape of a fused engine and its forward kernels.
struct FusedForward {
  std::size_t C, H, K, Kp, B, words, quads, chunks, groups;

  FusedForward(std::size_t inputs, std::size_t hidden, std::size_t classes, std::size_t batch)
      : C(inputs),
        H(hidden),
        K(classes),
        Kp(round_up(classes, kLanes)),
        B(batch),
        words((inputs + kRowBlock - 1) / kRowBlock),
        quads(words * (kRowBlock / kLanes)),
        chunks((batch + kChunk - 1) / kChunk),
        groups((hidden + kGroup - 1) / kGroup) {}

  // Member storage for the hidden-unit groups [group0, group0 + vectors), all zero, in the
  // shapes of the comments on Member, Panel and Batch.
  void allocate(Member& me, std::size_t group0, std::size_t vectors) const {
    me.group0 = group0;
    me.vectors = vectors;
    me.pad = vectors * kLanes;
    me.col0 = group0 * kGroup;
    me.cols = std::min(H, me.col0 + me.pad) - me.col0;
    me.panels.clear();
    for (std::size_t off = 0; off < vectors; off += kPanelVectors) {
      Panel p;
      p.offset = off;
      p.vectors = std::min(kPanelVectors, vectors - off);
      p.w = Aligned<float>(C * p.vectors * kLanes);
      p.m = Aligned<float>(C * p.vectors * kLanes);
      p.v = Aligned<float>(C * p.vectors * kLanes);
      me.panels.push_back(std::move(p));
    }
    for (Aligned<float>* a : {&me.b1, &me.b1m, &me.b1v}) *a = Aligned<float>(me.pad);
    for (Aligned<float>* a : {&me.w2t, &me.w2m, &me.w2v}) *a = Aligned<float>(K * me.pad);
    me.w2r = Aligned<float>(me.pad * Kp);
    for (Aligned<float>* a : {&me.b2, &me.b2m, &me.b2v}) *a = Aligned<float>(Kp);
    for (Batch& b : me.batch) {
      b.rows = 0;
      b.x = Aligned<float>(B * C);
      b.row_bits = Aligned<std::uint64_t>(B * words);
      b.col_bits = Aligned<std::uint32_t>(chunks * C);
      b.m16 = Aligned<std::uint16_t>(chunks * quads * kChunk);
      b.labels.assign(B, 0);
    }
    for (auto& h : me.h) h = Aligned<float>(B * me.pad);
    me.dh = Aligned<float>(B * me.pad);
    me.logits = Aligned<float>(B * K);
    me.dlogits = Aligned<float>(B * K);
  }

  // w2r from w2t.
  void refresh_rows(Member& me) const {
    for (std::size_t j = 0; j < me.pad; ++j) {
      for (std::size_t o = 0; o < K; ++o) me.w2r[j * Kp + o] = me.w2t[o * me.pad + j];
    }
  }

  // The images `indices` into `batch`: scaled to [0, 1] (as scale_pixels_reference does it),
  // with both nonzero patterns. (gather_batch, kernels/gather.hpp, writes only x: the patterns
  // are read here from the bytes, 64 at a time, in the same pass; fused_gather_reference in
  // kernels/fused_reference.hpp is gather_batch followed by the patterns.)
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
  // from the bias, the last applies the ReLU), as dense_forward_fast adds them (the same
  // multiply-adds in the same order). Not dense_avx512.cpp's forward_block: that one reads a
  // (C, OC) kernel with a masked last vector, finds the nonzero inputs of a 64-row block from
  // the floats, and takes an optional bias; this one reads a panel's slab (C, NV * 16: whole,
  // aligned vectors, no masks), takes the nonzero pattern that gather() read from the bytes,
  // and blocks of 64 or 128 rows. fused_forward_block_reference is its specification.
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
};

}  // namespace savant::avx512::fused
