// savant-bench: how fast savant trains the article's model (784-128-10, Adam, batch 32,
// 5 epochs on 60,000 images), against the machine's single-precision matrix-product peak
// measured in the same run (OpenBLAS, 2048^3, on the same threads).
//
//   build/release/bench/savant-bench [--threads 2] [--repeats 5] [--epochs 5]
//   SAVANT_ENGINE=portable build/release/bench/savant-bench   (the portable path)
//
// GFLOP counts are those of the dense matrix products of a step (forward, kernel gradients,
// input gradients below the first layer), as if no input were zero: the fast kernels skip the
// zero inputs, so this "dense-equivalent" rate can exceed what the FMA units retire.

#include <cblas.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "savant/core/error.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/model/engine_choice.hpp"
#include "savant/model/network.hpp"
#include "savant/model/train.hpp"

namespace {

using namespace savant;

// CPU time of the whole process (all threads), seconds: on a busy machine it shows the work
// done, where the wall clock also shows the waiting.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return fmt::format("{} {} {}", a, b, c);
}

// Best rate of n x n x n single-precision products on `threads` threads (GFLOP/s).
double sgemm_peak(int threads, std::size_t n, int tries) {
  openblas_set_num_threads(threads);
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  const int N = static_cast<int>(n);
  double best = 0;
  for (int t = 0; t < tries + 1; ++t) {  // the first is a warm-up
    const auto start = Clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a.data(), N, b.data(), N,
                0.0f, c.data(), N);
    const double s = seconds_since(start);
    if (t > 0) best = std::max(best, 2.0 * static_cast<double>(n * n * n) / s * 1e-9);
  }
  return best;
}

// Dense-equivalent FLOP of training one model for `epochs` on `count` images.
double training_flops(const ParameterLayout& layout, std::size_t count, std::size_t batch,
                      std::size_t epochs) {
  double per_image = 0;
  for (std::size_t l = 0; l < layout.layers(); ++l) {
    const double mac = static_cast<double>(layout.in(l)*layout.out(l));
    per_image += 2.0 * mac * (l == 0 ? 2.0 : 3.0);  // forward, dkernel, and dinput above layer 0
  }
  (void)batch;
  return per_image * static_cast<double>(count) * static_cast<double>(epochs);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"savant-bench: training speed of the article's model against the SGEMM peak"};
  std::filesystem::path data_dir = default_data_dir();
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeats = 5;
  std::size_t epochs = 5;
  bool two_models = true;
  app.add_option("--data", data_dir, "directory with the IDX files")->capture_default_str();
  app.add_option("--threads", threads, "threads for one model, and for the SGEMM peak")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--repeats", repeats, "timed trainings; the median is reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--epochs", epochs, "epochs per training")->capture_default_str();
  app.add_flag("!--one-model-only", two_models, "skip the two-models-at-once measurement");
  CLI11_PARSE(app, argc, argv);

  try {
    std::printf("machine: %s, %u hardware threads; load average %s\n", cpu_model().c_str(),
                std::thread::hardware_concurrency(), load_average().c_str());
    const Dataset data = load_dataset(data_dir);
    const ImageSet shuffled = shuffle_images(data.train.images, 4, ShuffleMode::kDerange, 0,
                                             Stream::kShuffleTrain, threads);
    const double peak = sgemm_peak(threads, 2048, 3);
    std::printf("SGEMM peak (%s, 2048^3, %d thread(s), best of 3): %.1f GFLOP/s\n",
                openblas_get_config(), threads, peak);

    const ParameterLayout layout = dense_layout(data.train.images.pixels_per_image(), 128, 1, 10);
    Network initial(layout);
    glorot_uniform_init(initial, 0);
    const TrainConfig base{
        .epochs = epochs, .batch = 32, .learning_rate = 1e-3f, .seed = 0, .name = "original_model"};
    const double flops = training_flops(layout, data.train.images.count, 32, epochs);
    std::printf(
        "model: 784-128-10, batch 32, %zu epochs on %zu images: %.1f GFLOP "
        "(dense-equivalent); engine %s\n\n",
        epochs, data.train.images.count, flops * 1e-9, active_engine_name(layout).c_str());

    auto report = [&](const char* what, const std::vector<double>& times, double models,
                      int peak_threads) {
      const double t = median(times);
      std::string runs;
      for (double x : times) runs += fmt::format(" {:.3f}", x);
      std::printf("%s", fmt::format("{:<34} runs{} s\n{:<34} median {:.3f} s: {:.2f} "
                                    "model-epochs/s, {:.1f} GFLOP/s, {:.0f}% of the SGEMM peak "
                                    "on {} thread(s)\n",
                                    what, runs, "", t, models * static_cast<double>(epochs) / t,
                                    models * flops / t * 1e-9,
                                    100.0 * models * flops / t * 1e-9 / peak, peak_threads)
                            .c_str());
      return t;
    };

    // One model on `count` threads: wall and CPU seconds of each run.
    double accuracy = 0;
    std::vector<float> final_params;
    auto train_one = [&](int count, std::vector<double>& wall, std::vector<double>& cpu_time) {
      for (int r = 0; r < repeats; ++r) {
        Network net = initial;
        TrainConfig config = base;
        config.threads = count;
        const auto start = Clock::now();
        const double cpu = process_cpu_seconds();
        const auto history = train_network(net, data.train.images, data.train.labels, config);
        wall.push_back(seconds_since(start));
        cpu_time.push_back(process_cpu_seconds() - cpu);
        accuracy = history.back().train_accuracy;
        if (final_params.empty()) final_params = net.params;
        if (net.params != final_params) {
          throw Error(fmt::format("training on {} thread(s) changed the result's bits", count));
        }
      }
    };
    std::vector<double> one, one_cpu;
    train_one(threads, one, one_cpu);
    const double t1 =
        report(fmt::format("one model, {} thread(s)", threads).c_str(), one, 1, threads);
    std::printf("%-34s median CPU time %.3f s (all threads)\n", "", median(one_cpu));
    if (threads > 1) {
      std::vector<double> single, single_cpu;
      train_one(1, single, single_cpu);
      report("one model, 1 thread", single, 1, threads);
      std::printf("%-34s median CPU time %.3f s\n", "", median(single_cpu));
    }

    if (two_models && threads >= 2) {
      std::vector<double> two, two_cpu;
      for (int r = 0; r < repeats; ++r) {
        const double cpu = process_cpu_seconds();
        Network a = initial, b = initial;
        TrainConfig ca = base, cb = base;
        cb.name = "shuffled_model";
        const auto start = Clock::now();
        {
          std::jthread other([&] { train_network(b, shuffled, data.train.labels, cb); });
          train_network(a, data.train.images, data.train.labels, ca);
        }
        two.push_back(seconds_since(start));
        two_cpu.push_back(process_cpu_seconds() - cpu);
      }
      report("two models at once, 1 thread each", two, 2, 2);
      std::printf("%-34s median CPU time %.3f s\n", "", median(two_cpu));
    }
    std::printf(
        "\nfinal training accuracy %.4f (bitwise the same on every run and thread count)\n"
        "savant_train_seconds=%.4f\n",
        accuracy, t1);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "savant-bench: error: %s\n", e.what());
    return 1;
  }
}
