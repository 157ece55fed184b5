// The convolutions of the `cnn` and `local` models (batch 32, channels-last) on one thread:
// savant's kernels (kernels/conv.hpp: im2col, then the dense layer's AVX-512 kernels) beside
// the libraries Debian packages for the job, to decide which one a model uses:
//   - OpenBLAS: the same im2col, then SGEMM (forward, kernel gradient, columns' gradient);
//   - oneDNN (libdnnl-dev), when found: its direct convolution, forward, backward data and
//     backward weights, activations in NHWC and weights in the layout it prefers (format
//     "any"; the reorders a training step would need are not timed);
//   - LIBXSMM (libxsmm-dev), when found: its JIT small-matrix multiply on im2col's rows,
//     forward only (its convolution API of version 1.17 wants blocked layouts).
// Inputs are random with half zeros (a ReLU's output, or a Fashion-MNIST image).
// And the mixer's products at a chunk's sizes (8 images, g = 4): the dense layer's fast
// kernels beside kernels/small_gemm.hpp (LIBXSMM where the build has it), forward and the
// kernel and input gradients; and the one-pass kernels (kernels/pool.hpp) the mixer calls on
// every activation of a chunk, portable loops beside their AVX-512 paths.
//
//   OMP_NUM_THREADS=1 build/release/bench/bench_layers --benchmark_min_time=0.2

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "savant/core/random.hpp"
#include "savant/kernels/conv.hpp"
#include "savant/kernels/conv_onednn.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/isa.hpp"
#include "savant/kernels/pool.hpp"
#include "savant/kernels/small_gemm.hpp"

#ifdef SAVANT_BENCH_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif
#ifdef SAVANT_BENCH_XSMM
#include <libxsmm.h>
#endif

namespace {

using namespace savant;

struct Layer {
  const char* name;
  std::size_t H, C, OC, K;
};
// The convolutions of docs/ARCHITECTURE.md's models, at batch 32 (the libraries alone) or at
// the models' chunk of 8 images (savant's two fast versions, as a training step calls them).
constexpr std::size_t kB = 32, kChunk = 8;
const Layer kLayers[] = {{"cnn.conv1", 28, 1, 16, 3},
                         {"cnn.conv2", 14, 16, 32, 3},
                         {"local.conv2", 28, 32, 32, 3},
                         {"local.conv3", 28, 32, 10, 1},
                         {"local.conv1", 28, 1, 32, 3}};

std::vector<float> random_floats(std::size_t n, std::uint64_t index, float zero_share) {
  CounterRng rng(42, Stream::kInit, index);
  std::vector<float> out(n);
  for (float& x : out) {
    const float u = rng.uniform_float();
    x = u < zero_share ? 0.0f : 2.0f * rng.uniform_float() - 1.0f;
  }
  return out;
}

struct Buffers {
  const Layer& l;
  std::size_t B, pixels, rows;
  std::vector<float> inp, kernel, bias, out, dout, dinp, dkernel, dbias, cols, dcols;
  explicit Buffers(const Layer& layer, std::size_t batch = kB)
      : l(layer),
        B(batch),
        pixels(batch * layer.H * layer.H),
        rows(layer.K * layer.K * layer.C),
        inp(random_floats(pixels * layer.C, 1, 0.5f)),
        kernel(random_floats(rows * layer.OC, 2, 0.0f)),
        bias(random_floats(layer.OC, 3, 0.0f)),
        out(pixels * layer.OC),
        dout(random_floats(pixels * layer.OC, 4, 0.5f)),
        dinp(pixels * layer.C),
        dkernel(rows * layer.OC),
        dbias(layer.OC),
        cols(std::max(pixels * rows, conv2d_workspace_floats(batch, layer.H, layer.H, layer.C,
                                                             layer.OC, layer.K))),
        dcols(pixels * rows) {}
};

void set_counters(benchmark::State& state, const Layer& l, std::size_t B = kB) {
  state.SetLabel(l.name);
  // Multiply-adds of one pass; a training step makes three (forward, kernel, input gradients).
  state.counters["MFLOP"] = 2.0 * static_cast<double>(B * l.H * l.H * l.K * l.K * l.C * l.OC) / 1e6;
}

// savant's fast versions as a model's step calls them: forward with ReLU, both gradients
// (the first layers, C = 1, without the input's). Arguments: layer, batch.
template <auto Forward, auto Backward>
void BM_conv_step(benchmark::State& state) {
  if (Forward == &conv2d_forward_onednn && !conv2d_onednn_built()) {
    state.SkipWithError("this build has no oneDNN");
    return;
  }
  Buffers b(kLayers[state.range(0)], static_cast<std::size_t>(state.range(1)));
  const Layer& l = b.l;
  float* dinp = l.C == 1 ? nullptr : b.dinp.data();
  for (auto _ : state) {
    Forward(b.out.data(), b.inp.data(), b.kernel.data(), b.bias.data(), b.cols.data(), b.B, l.H,
            l.H, l.C, l.OC, l.K, true);
    Backward(dinp, b.dkernel.data(), b.dbias.data(), b.dout.data(), b.inp.data(), b.kernel.data(),
             b.inp.data(), b.cols.data(), b.B, l.H, l.H, l.C, l.OC, l.K);
    benchmark::DoNotOptimize(b.dkernel.data());
  }
  set_counters(state, l, b.B);
}
BENCHMARK(BM_conv_step<conv2d_forward_im2col, conv2d_backward_im2col>)
    ->Name("BM_conv_step_im2col")
    ->ArgsProduct({{0, 1, 2, 3, 4}, {8, 32}});
BENCHMARK(BM_conv_step<conv2d_forward_onednn, conv2d_backward_onednn>)
    ->Name("BM_conv_step_savant_onednn")
    ->ArgsProduct({{0, 1, 2, 3, 4}, {8, 32}});

void BM_conv_step_openblas(benchmark::State& state) {
  openblas_set_num_threads(1);
  Buffers b(kLayers[state.range(0)]);
  const Layer& l = b.l;
  const int M = static_cast<int>(b.pixels), N = static_cast<int>(l.OC),
            Kd = static_cast<int>(b.rows);
  for (auto _ : state) {
    const float* a = b.inp.data();
    if (l.K > 1) {
      im2col(b.cols.data(), b.inp.data(), kB, l.H, l.H, l.C, l.K);
      a = b.cols.data();
    }
    for (std::size_t p = 0; p < b.pixels; ++p) {
      std::copy(b.bias.begin(), b.bias.end(), b.out.begin() + static_cast<long>(p * l.OC));
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, Kd, 1.0f, a, Kd, b.kernel.data(),
                N, 1.0f, b.out.data(), N);
    for (float& v : b.out) v = v > 0.0f ? v : 0.0f;
    dense_dbias(b.dbias.data(), b.dout.data(), b.pixels, l.OC);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Kd, N, M, 1.0f, a, Kd, b.dout.data(), N,
                0.0f, b.dkernel.data(), N);
    float* dc = l.K > 1 ? b.dcols.data() : b.dinp.data();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, Kd, N, 1.0f, b.dout.data(), N,
                b.kernel.data(), N, 0.0f, dc, Kd);
    if (l.K > 1) col2im(b.dinp.data(), b.dcols.data(), kB, l.H, l.H, l.C, l.K);
    for (std::size_t i = 0; i < b.dinp.size(); ++i) {
      if (!(b.inp[i] > 0.0f)) b.dinp[i] = 0.0f;
    }
    benchmark::DoNotOptimize(b.dinp.data());
  }
  set_counters(state, l);
}

void BM_conv_forward_savant(benchmark::State& state) {
  Buffers b(kLayers[state.range(0)]);
  const Layer& l = b.l;
  for (auto _ : state) {
    conv2d_forward_im2col(b.out.data(), b.inp.data(), b.kernel.data(), b.bias.data(), b.cols.data(),
                          kB, l.H, l.H, l.C, l.OC, l.K, true);
    benchmark::DoNotOptimize(b.out.data());
  }
  set_counters(state, l);
}

void BM_conv_forward_openblas(benchmark::State& state) {
  openblas_set_num_threads(1);
  Buffers b(kLayers[state.range(0)]);
  const Layer& l = b.l;
  const int M = static_cast<int>(b.pixels), N = static_cast<int>(l.OC),
            Kd = static_cast<int>(b.rows);
  for (auto _ : state) {
    const float* a = b.inp.data();
    if (l.K > 1) {
      im2col(b.cols.data(), b.inp.data(), kB, l.H, l.H, l.C, l.K);
      a = b.cols.data();
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, Kd, 1.0f, a, Kd, b.kernel.data(),
                N, 0.0f, b.out.data(), N);
    benchmark::DoNotOptimize(b.out.data());
  }
  set_counters(state, l);
}

#ifdef SAVANT_BENCH_XSMM
// Row-major out (rows, OC) = cols (rows, Kd) @ kernel (Kd, OC) is the column-major product
// out^T = kernel^T cols^T: m = OC, n = rows, k = Kd. One JIT kernel for blocks of 64 rows.
void BM_conv_forward_libxsmm(benchmark::State& state) {
  libxsmm_init();
  Buffers b(kLayers[state.range(0)]);
  const Layer& l = b.l;
  constexpr std::size_t kRows = 64;
  const libxsmm_blasint m = static_cast<libxsmm_blasint>(l.OC), n = kRows,
                        k = static_cast<libxsmm_blasint>(b.rows);
  const float alpha = 1.0f, beta = 0.0f;
  const libxsmm_smmfunction kernel =
      libxsmm_smmdispatch(m, n, k, &m, &k, &m, &alpha, &beta, nullptr, nullptr);
  if (kernel == nullptr) {
    state.SkipWithError("libxsmm_smmdispatch returned no kernel");
    return;
  }
  for (auto _ : state) {
    const float* a = b.inp.data();
    if (l.K > 1) {
      im2col(b.cols.data(), b.inp.data(), kB, l.H, l.H, l.C, l.K);
      a = b.cols.data();
    }
    for (std::size_t r = 0; r < b.pixels; r += kRows) {
      kernel(b.kernel.data(), a + r * b.rows, b.out.data() + r * l.OC);
    }
    benchmark::DoNotOptimize(b.out.data());
  }
  set_counters(state, l);
}
BENCHMARK(BM_conv_forward_libxsmm)->DenseRange(0, 3);
#endif

#ifdef SAVANT_BENCH_DNNL
struct DnnlConv {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::convolution_forward::primitive_desc forward;
  dnnl::convolution_backward_data::primitive_desc backward_data;
  dnnl::convolution_backward_weights::primitive_desc backward_weights;

  explicit DnnlConv(const Layer& l) {
    using dnnl::memory;
    using tag = memory::format_tag;
    const auto f32 = memory::data_type::f32;
    const memory::dim B = kB, H = static_cast<memory::dim>(l.H), C = static_cast<memory::dim>(l.C),
                      OC = static_cast<memory::dim>(l.OC), K = static_cast<memory::dim>(l.K),
                      pad = K / 2;
    const memory::desc src({B, C, H, H}, f32, tag::nhwc), dst({B, OC, H, H}, f32, tag::nhwc);
    const memory::desc weights({OC, C, K, K}, f32, tag::any), bias({OC}, f32, tag::x);
    const memory::dims strides{1, 1}, padding{pad, pad};
    forward = dnnl::convolution_forward::primitive_desc(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                        dnnl::algorithm::convolution_direct, src, weights, bias,
                                        dst, strides, padding, padding),
        engine);
    backward_data = dnnl::convolution_backward_data::primitive_desc(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, src, weights,
                                              dst, strides, padding, padding),
        engine, forward);
    backward_weights = dnnl::convolution_backward_weights::primitive_desc(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src, weights,
                                                 bias, dst, strides, padding, padding),
        engine, forward);
  }
};

void BM_conv_step_onednn(benchmark::State& state) {
  Buffers b(kLayers[state.range(0)]);
  const Layer& l = b.l;
  DnnlConv conv(l);
  using dnnl::memory;
  memory src(conv.forward.src_desc(), conv.engine, b.inp.data());
  memory weights(conv.forward.weights_desc(), conv.engine);
  memory bias(conv.forward.bias_desc(), conv.engine, b.bias.data());
  memory dst(conv.forward.dst_desc(), conv.engine, b.out.data());
  memory ddst(conv.backward_data.diff_dst_desc(), conv.engine, b.dout.data());
  memory bd_weights(conv.backward_data.weights_desc(), conv.engine);
  memory dsrc(conv.backward_data.diff_src_desc(), conv.engine, b.dinp.data());
  memory dweights(conv.backward_weights.diff_weights_desc(), conv.engine);
  memory dbias(conv.backward_weights.diff_bias_desc(), conv.engine, b.dbias.data());
  dnnl::convolution_forward forward(conv.forward);
  dnnl::convolution_backward_data backward_data(conv.backward_data);
  dnnl::convolution_backward_weights backward_weights(conv.backward_weights);
  for (auto _ : state) {
    forward.execute(conv.stream, {{DNNL_ARG_SRC, src},
                                  {DNNL_ARG_WEIGHTS, weights},
                                  {DNNL_ARG_BIAS, bias},
                                  {DNNL_ARG_DST, dst}});
    backward_weights.execute(conv.stream, {{DNNL_ARG_SRC, src},
                                           {DNNL_ARG_DIFF_DST, ddst},
                                           {DNNL_ARG_DIFF_WEIGHTS, dweights},
                                           {DNNL_ARG_DIFF_BIAS, dbias}});
    backward_data.execute(
        conv.stream,
        {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WEIGHTS, bd_weights}, {DNNL_ARG_DIFF_SRC, dsrc}});
    conv.stream.wait();
    benchmark::DoNotOptimize(b.dinp.data());
  }
  set_counters(state, l);
}
BENCHMARK(BM_conv_step_onednn)->DenseRange(0, 3);

void BM_conv_forward_onednn(benchmark::State& state) {
  Buffers b(kLayers[state.range(0)]);
  const Layer& l = b.l;
  DnnlConv conv(l);
  using dnnl::memory;
  memory src(conv.forward.src_desc(), conv.engine, b.inp.data());
  memory weights(conv.forward.weights_desc(), conv.engine);
  memory bias(conv.forward.bias_desc(), conv.engine, b.bias.data());
  memory dst(conv.forward.dst_desc(), conv.engine, b.out.data());
  dnnl::convolution_forward forward(conv.forward);
  for (auto _ : state) {
    forward.execute(conv.stream, {{DNNL_ARG_SRC, src},
                                  {DNNL_ARG_WEIGHTS, weights},
                                  {DNNL_ARG_BIAS, bias},
                                  {DNNL_ARG_DST, dst}});
    conv.stream.wait();
    benchmark::DoNotOptimize(b.out.data());
  }
  set_counters(state, l);
}
BENCHMARK(BM_conv_forward_onednn)->DenseRange(0, 3);
#endif

// The mixer's products for a chunk of 8 images at g = 4 (rows, inputs, outputs): the patch
// embedding, the two token-mixing products of one image, the channel MLP's two.
struct Product {
  std::size_t rows, in, out;
};
constexpr Product kProducts[] = {
    {128, 49, 64}, {64, 16, 64}, {16, 64, 64}, {128, 64, 128}, {128, 128, 64}};

struct ProductBuffers {
  explicit ProductBuffers(const Product& shape)
      : p(shape),
        inp(random_floats(shape.rows * shape.in, 1, 0.5f)),
        kernel(random_floats(shape.in * shape.out, 2, 0.0f)),
        dout(random_floats(shape.rows * shape.out, 3, 0.0f)),
        out(shape.rows * shape.out),
        dk(shape.in * shape.out),
        din(shape.rows * shape.in),
        workspace(shape.in * shape.out) {}
  Product p;
  std::vector<float> inp, kernel, dout, out, dk, din, workspace;
};

// Forward, kernel gradient and input gradient of one product.
template <bool kSmall>
void BM_mixer_product(benchmark::State& state) {
  ProductBuffers b(kProducts[state.range(0)]);
  const Product& p = b.p;
  for (auto _ : state) {
    if constexpr (kSmall) {
      dense_forward_small(b.out.data(), b.inp.data(), b.kernel.data(), nullptr, p.rows, p.in, p.out,
                          false);
      dense_dkernel_small(b.dk.data(), b.inp.data(), b.dout.data(), p.rows, p.in, p.out);
      dense_dinput_small(b.din.data(), b.dout.data(), b.kernel.data(), nullptr, b.workspace.data(),
                         p.rows, p.in, p.out);
    } else {
      dense_forward_fast(b.out.data(), b.inp.data(), b.kernel.data(), nullptr, p.rows, p.in, p.out,
                         false);
      dense_dkernel_fast(b.dk.data(), b.inp.data(), b.dout.data(), p.rows, p.in, p.out);
      dense_dinput_fast(b.din.data(), b.dout.data(), b.kernel.data(), nullptr, p.rows, p.in, p.out);
    }
    benchmark::DoNotOptimize(b.out.data());
    benchmark::DoNotOptimize(b.dk.data());
    benchmark::DoNotOptimize(b.din.data());
  }
  state.counters["GMAC/s"] = benchmark::Counter(3.0 * static_cast<double>(p.rows * p.in * p.out) *
                                                    static_cast<double>(state.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
  state.SetLabel(fmt::format("{}x{}x{} {}", p.rows, p.in, p.out,
                             kSmall ? small_gemm_backend_name() : "dense kernels"));
}
BENCHMARK(BM_mixer_product<false>)->DenseRange(0, 4);
BENCHMARK(BM_mixer_product<true>)->DenseRange(0, 4);

// The one-pass kernels on a chunk's activations (8 images, g = 4: 8 x 64 x 64 floats, the
// token-mixing hidden layer), on the instruction set range(1) names (0 portable, 1 avx512).
void BM_mixer_one_pass(benchmark::State& state) {
  const Isa isa = state.range(1) == 0 ? Isa::portable : Isa::avx512;
  if (!isa_available(isa)) {
    state.SkipWithError("this CPU or build has no AVX-512 kernels");
    return;
  }
  select_isa(isa_name(isa));
  constexpr std::size_t kRows = 8 * 64, kCols = 64, n = kRows * kCols;
  const std::vector<float> a = random_floats(n, 4, 0.5f), b = random_floats(n, 5, 0.0f);
  std::vector<float> out(n), sums(kRows);
  const char* names[] = {"relu_backward", "residual_sum", "relu_forward",
                         "add_row_sums",  "dense_dbias",  "broadcast_rows"};
  const auto kernel = state.range(0);
  for (auto _ : state) {
    switch (kernel) {
      case 0:
        std::copy(b.begin(), b.end(), out.begin());
        relu_backward(out.data(), a.data(), n);
        break;
      case 1:
        residual_sum(out.data(), a.data(), b.data(), n);
        break;
      case 2:
        std::copy(b.begin(), b.end(), out.begin());
        relu_forward(out.data(), n);
        break;
      case 3:
        add_row_sums(sums.data(), a.data(), kRows, kCols);
        break;
      case 4:
        dense_dbias(sums.data(), a.data(), kRows, kCols);
        break;
      default:
        broadcast_rows(out.data(), a.data(), kRows, kCols);
        break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::DoNotOptimize(sums.data());
  }
  select_isa("auto");
  state.SetLabel(fmt::format("{} {}", names[kernel], isa_name(isa)));
}
BENCHMARK(BM_mixer_one_pass)->ArgsProduct({{0, 1, 2, 3, 4, 5}, {0, 1}});

BENCHMARK(BM_conv_step_openblas)->DenseRange(0, 3);
BENCHMARK(BM_conv_forward_savant)->DenseRange(0, 3);
BENCHMARK(BM_conv_forward_openblas)->DenseRange(0, 3);

}  // namespace

BENCHMARK_MAIN();
