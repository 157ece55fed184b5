// Microbenchmarks of each piece of a training step of the article's model (784-128-10, batch
// 32), every fast kernel beside its reference and, for the matrix products, Eigen and OpenBLAS
// on the same shapes. Inputs are a real Fashion-MNIST batch when the data set is installed
// (about half its pixels are zero, which the fast kernels exploit), else random images with the
// same share of zeros.
//
//   build/release/bench/bench_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <Eigen/Core>
#include <algorithm>
#include <filesystem>
#include <numeric>
#include <vector>

#include "savant/core/random.hpp"
#include "savant/data/dataset.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/kernels/avx512.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/kernels/fused_reference.hpp"
#include "savant/kernels/isa.hpp"
#include "savant/model/fused_engine.hpp"
#include "savant/model/network.hpp"
#include "savant/model/train.hpp"

namespace {

using namespace savant;

constexpr std::size_t kB = 32, kIn = 784, kHidden = 128, kClasses = 10;

std::vector<float> random_floats(std::size_t n, std::uint64_t index, float zero_share = 0.0f) {
  CounterRng rng(42, Stream::kInit, index);
  std::vector<float> out(n);
  for (float& x : out) {
    const float u = rng.uniform_float();
    x = u < zero_share ? 0.0f : 2.0f * rng.uniform_float() - 1.0f;
  }
  return out;
}

// Everything one step touches: a batch, its hidden activations and deltas, the weights.
struct StepData {
  ImageSet images;
  std::vector<std::uint8_t> labels;
  std::vector<std::uint32_t> indices;
  std::vector<float> x, h, logits, dlogits, dh, w1, b1, w2, b2, dw1, dw2;
  Network net;

  StepData() {
    const std::filesystem::path dir = default_data_dir();
    if (std::filesystem::exists(dir / "train-images-idx3-ubyte.gz") ||
        std::filesystem::exists(dir / "train-images-idx3-ubyte")) {
      Dataset data = load_dataset(dir);
      images = std::move(data.train.images);
      labels = std::move(data.train.labels);
    } else {
      images = {1024, 28, 28, std::vector<std::uint8_t>(1024 * kIn)};
      CounterRng rng(7, Stream::kInit, 99);
      for (auto& p : images.pixels) {
        p = rng.uniform_float() < 0.5f ? 0 : static_cast<std::uint8_t>(rng.uniform_below(256));
      }
      labels.assign(1024, 0);
      for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
    }
    indices = epoch_order(0, 1, images.count);
    indices.resize(kB);
    x.resize(kB * kIn);
    gather_batch(images, indices, x.data());
    net = Network(dense_layout(kIn, kHidden, 1, kClasses));
    glorot_uniform_init(net, 0);
    w1.assign(net.kernel(0).begin(), net.kernel(0).end());
    b1 = random_floats(kHidden, 2);
    w2.assign(net.kernel(1).begin(), net.kernel(1).end());
    b2 = random_floats(kClasses, 3);
    h.resize(kB * kHidden);
    dense_forward_reference(h.data(), x.data(), w1.data(), b1.data(), kB, kIn, kHidden, true);
    logits.resize(kB * kClasses);
    dlogits = random_floats(kB * kClasses, 4);
    dh = random_floats(kB * kHidden, 5);
    for (std::size_t i = 0; i < dh.size(); ++i) dh[i] = h[i] > 0 ? dh[i] : 0.0f;  // after ReLU
    dw1.resize(kIn * kHidden);
    dw2.resize(kHidden * kClasses);
  }
};

StepData& data() {
  static StepData d;
  return d;
}

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Map = Eigen::Map<RowMatrix>;
using ConstMap = Eigen::Map<const RowMatrix>;

void set_flops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * static_cast<double>(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
}

// --- Layer 1 forward: h (32, 128) = relu(x (32, 784) @ w1 (784, 128) + b1) ---
constexpr double kForward1Flops = 2.0 * kB * kIn * kHidden;

void BM_forward1_reference(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    dense_forward_reference(d.h.data(), d.x.data(), d.w1.data(), d.b1.data(), kB, kIn, kHidden,
                            true);
    benchmark::DoNotOptimize(d.h.data());
  }
  set_flops(state, kForward1Flops);
}
void BM_forward1_fast(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    dense_forward_fast(d.h.data(), d.x.data(), d.w1.data(), d.b1.data(), kB, kIn, kHidden, true);
    benchmark::DoNotOptimize(d.h.data());
  }
  set_flops(state, kForward1Flops);
}
void BM_forward1_eigen(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    Map y(d.h.data(), kB, kHidden);
    y.noalias() = ConstMap(d.x.data(), kB, kIn) * ConstMap(d.w1.data(), kIn, kHidden);
    y.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(d.b1.data(), kHidden);
    y = y.cwiseMax(0.0f);
    benchmark::DoNotOptimize(d.h.data());
  }
  set_flops(state, kForward1Flops);
}
void BM_forward1_openblas(benchmark::State& state) {
  auto& d = data();
  openblas_set_num_threads(1);
  for (auto _ : state) {
    for (std::size_t b = 0; b < kB; ++b) std::copy(d.b1.begin(), d.b1.end(), &d.h[b * kHidden]);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kB, kHidden, kIn, 1.0f, d.x.data(), kIn,
                d.w1.data(), kHidden, 1.0f, d.h.data(), kHidden);
    for (float& v : d.h) v = std::max(v, 0.0f);
    benchmark::DoNotOptimize(d.h.data());
  }
  set_flops(state, kForward1Flops);
}
BENCHMARK(BM_forward1_reference);
BENCHMARK(BM_forward1_fast);
BENCHMARK(BM_forward1_eigen);
BENCHMARK(BM_forward1_openblas);

// --- Layer 1 kernel gradient: dw1 (784, 128) = x^T (784, 32) @ dh (32, 128) ---
void BM_dkernel1_reference(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    dense_dkernel_reference(d.dw1.data(), d.x.data(), d.dh.data(), kB, kIn, kHidden);
    benchmark::DoNotOptimize(d.dw1.data());
  }
  set_flops(state, kForward1Flops);
}
void BM_dkernel1_fast(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    dense_dkernel_fast(d.dw1.data(), d.x.data(), d.dh.data(), kB, kIn, kHidden);
    benchmark::DoNotOptimize(d.dw1.data());
  }
  set_flops(state, kForward1Flops);
}
void BM_dkernel1_eigen(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    Map(d.dw1.data(), kIn, kHidden).noalias() =
        ConstMap(d.x.data(), kB, kIn).transpose() * ConstMap(d.dh.data(), kB, kHidden);
    benchmark::DoNotOptimize(d.dw1.data());
  }
  set_flops(state, kForward1Flops);
}
void BM_dkernel1_openblas(benchmark::State& state) {
  auto& d = data();
  openblas_set_num_threads(1);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kIn, kHidden, kB, 1.0f, d.x.data(), kIn,
                d.dh.data(), kHidden, 0.0f, d.dw1.data(), kHidden);
    benchmark::DoNotOptimize(d.dw1.data());
  }
  set_flops(state, kForward1Flops);
}
BENCHMARK(BM_dkernel1_reference);
BENCHMARK(BM_dkernel1_fast);
BENCHMARK(BM_dkernel1_eigen);
BENCHMARK(BM_dkernel1_openblas);

// --- Layer 2: logits (32, 10) = h @ w2 (128, 10) + b2; dw2 = h^T @ dlogits; dh = dlogits @ w2^T
constexpr double kLayer2Flops = 2.0 * kB * kHidden * kClasses;

void BM_forward2_reference(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    dense_forward_reference(d.logits.data(), d.h.data(), d.w2.data(), d.b2.data(), kB, kHidden,
                            kClasses, false);
    benchmark::DoNotOptimize(d.logits.data());
  }
  set_flops(state, kLayer2Flops);
}
void BM_forward2_fast(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    dense_forward_fast(d.logits.data(), d.h.data(), d.w2.data(), d.b2.data(), kB, kHidden, kClasses,
                       false);
    benchmark::DoNotOptimize(d.logits.data());
  }
  set_flops(state, kLayer2Flops);
}
void BM_dkernel2_reference(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    dense_dkernel_reference(d.dw2.data(), d.h.data(), d.dlogits.data(), kB, kHidden, kClasses);
    benchmark::DoNotOptimize(d.dw2.data());
  }
  set_flops(state, kLayer2Flops);
}
void BM_dkernel2_fast(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    dense_dkernel_fast(d.dw2.data(), d.h.data(), d.dlogits.data(), kB, kHidden, kClasses);
    benchmark::DoNotOptimize(d.dw2.data());
  }
  set_flops(state, kLayer2Flops);
}
void BM_dinput2_reference(benchmark::State& state) {
  auto& d = data();
  std::vector<float> dh(kB * kHidden);
  for (auto _ : state) {
    dense_dinput_reference(dh.data(), d.dlogits.data(), d.w2.data(), d.h.data(), kB, kHidden,
                           kClasses);
    benchmark::DoNotOptimize(dh.data());
  }
  set_flops(state, kLayer2Flops);
}
void BM_dinput2_fast(benchmark::State& state) {
  auto& d = data();
  std::vector<float> dh(kB * kHidden);
  for (auto _ : state) {
    dense_dinput_fast(dh.data(), d.dlogits.data(), d.w2.data(), d.h.data(), kB, kHidden, kClasses);
    benchmark::DoNotOptimize(dh.data());
  }
  set_flops(state, kLayer2Flops);
}
BENCHMARK(BM_forward2_reference);
BENCHMARK(BM_forward2_fast);
BENCHMARK(BM_dkernel2_reference);
BENCHMARK(BM_dkernel2_fast);
BENCHMARK(BM_dinput2_reference);
BENCHMARK(BM_dinput2_fast);

// --- Adam over all 101,770 parameters ---
template <bool kFast>
void BM_adam(benchmark::State& state) {
  auto& d = data();
  const std::size_t n = d.net.params.size();
  std::vector<float> w = d.net.params, m(n, 0.0f), v(n, 0.0f), g = random_floats(n, 6);
  const AdamConfig config;
  for (auto _ : state) {
    const bool ok =
        kFast ? adam_update_fast(w.data(), m.data(), v.data(), g.data(), n, 1e-3f, config)
              : adam_update_reference(w.data(), m.data(), v.data(), g.data(), n, 1e-3f, config);
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n * 7 * sizeof(float)));
}
BENCHMARK(BM_adam<false>)->Name("BM_adam_reference");
BENCHMARK(BM_adam<true>)->Name("BM_adam_fast");

// --- Data preparation: gather 32 images by index and scale them to [0, 1] ---
template <bool kFast>
void BM_gather(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    for (std::size_t r = 0; r < kB; ++r) {
      const std::uint8_t* src = d.images.pixels.data() + std::size_t{d.indices[r]} * kIn;
      if (kFast) {
        scale_pixels_fast(d.x.data() + r * kIn, src, kIn);
      } else {
        scale_pixels_reference(d.x.data() + r * kIn, src, kIn);
      }
    }
    benchmark::DoNotOptimize(d.x.data());
  }
}
BENCHMARK(BM_gather<false>)->Name("BM_gather_reference");
BENCHMARK(BM_gather<true>)->Name("BM_gather_fast");

// --- One whole training step as train_network runs it ---
void BM_train_step(benchmark::State& state) {
  auto& d = data();
  const FlushDenormals flush;
  Network net = d.net;
  Workspace ws(net.layout, kB);
  Adam adam(net.params.size(), AdamConfig{});
  std::vector<float> grad(net.params.size()), x(kB * kIn);
  std::vector<std::uint8_t> labels(kB);
  std::size_t step = 0;
  const std::size_t steps = d.images.count / kB;
  std::vector<std::uint32_t> order = epoch_order(0, 1, d.images.count);
  for (auto _ : state) {
    std::span<const std::uint32_t> idx(order.data() + (step % steps) * kB, kB);
    gather_batch(d.images, idx, x.data());
    for (std::size_t r = 0; r < kB; ++r) labels[r] = d.labels[idx[r]];
    StepResult r = forward_backward(net, x.data(), labels.data(), kB, ws, grad);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(adam.step(net.params, grad));
    ++step;
    prefetch_images(d.images, std::span(order.data() + (step % steps) * kB, kB));
  }
  set_flops(state, 2.0 * kForward1Flops + 3.0 * kLayer2Flops);
}
BENCHMARK(BM_train_step);

// --- The fused engine's step (what train_network runs for one hidden layer) ---
// 64 steps of an epoch per iteration, all of it: gather, forward, softmax, gradients, Adam,
// on `threads` members. Time per step = time per iteration / 64.
void BM_fused_step(benchmark::State& state) {
  auto& d = data();
  if (!FusedEngine::supports(d.net.layout)) {
    state.SkipWithError("no AVX-512 on this CPU or build");
    return;
  }
  const FlushDenormals flush;
  constexpr std::size_t kSteps = 64;
  FusedEngine trainer(d.net, kB, static_cast<std::size_t>(state.range(0)), AdamConfig{});
  const std::vector<std::uint32_t> order = epoch_order(0, 1, d.images.count);
  std::size_t start = 0;
  for (auto _ : state) {
    if (start + kSteps * kB > order.size()) start = 0;
    std::span<const std::uint32_t> part(order.data() + start, kSteps * kB);
    benchmark::DoNotOptimize(trainer.epoch(d.images, part, d.labels, {}));
    start += kSteps * kB;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kSteps));
  set_flops(state, kSteps * (2.0 * kForward1Flops + 3.0 * kLayer2Flops));
}
BENCHMARK(BM_fused_step)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

// --- The fused engine's kernels, each beside its reference (kernels/fused_reference.hpp), on
// one member owning all 128 hidden units: the batch's gather, forward pass and partial logits;
// dh alone, and with the second kernel and first bias updated (small_layers); the first
// kernel's gradient, update and the next batch's forward pass (panel). The references run in
// the fused layouts, so they too need AVX-512 here.
#ifdef SAVANT_HAVE_AVX512
#include "fused_kernel_runs.hpp"

namespace {

template <void (*kRun)(FusedBench&)>
void BM_fused_kernel(benchmark::State& state) {
  if (!isa_available(Isa::avx512)) {
    state.SkipWithError("no AVX-512 on this CPU");
    return;
  }
  const FlushDenormals flush;
  FusedBench& f = fused_bench();
  for (auto _ : state) {
    kRun(f);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_fused_kernel<gather_reference>)->Name("BM_fused_gather_reference");
BENCHMARK(BM_fused_kernel<gather_avx512>)->Name("BM_fused_gather_avx512");
BENCHMARK(BM_fused_kernel<forward_reference>)->Name("BM_fused_forward_reference");
BENCHMARK(BM_fused_kernel<forward_avx512>)->Name("BM_fused_forward_avx512");
BENCHMARK(BM_fused_kernel<partials_reference>)->Name("BM_fused_partials_reference");
BENCHMARK(BM_fused_kernel<partials_avx512>)->Name("BM_fused_partials_avx512");
BENCHMARK(BM_fused_kernel<hidden_gradient_reference>)->Name("BM_fused_hidden_gradient_reference");
BENCHMARK(BM_fused_kernel<hidden_gradient_avx512>)->Name("BM_fused_hidden_gradient_avx512");
BENCHMARK(BM_fused_kernel<small_layers_reference>)->Name("BM_fused_small_layers_reference");
BENCHMARK(BM_fused_kernel<small_layers_avx512>)->Name("BM_fused_small_layers_avx512");
BENCHMARK(BM_fused_kernel<panel_reference>)->Name("BM_fused_panel_reference");
BENCHMARK(BM_fused_kernel<panel_avx512>)->Name("BM_fused_panel_avx512");

}  // namespace
#endif  // SAVANT_HAVE_AVX512

BENCHMARK_MAIN();
