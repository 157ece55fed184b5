// reproduce_phases: where the time of one default reproduction goes. Runs the reproduction
// (run_reproduce, then the run's files as commit_run makes them) `--repeats` times into a
// temporary directory and prints, for every phase and every file, the median seconds; then each
// of the four IDX files read alone. Not a test, a tool for docs/PERFORMANCE.md.
//
//   reproduce_phases [--data DIR] [--threads N] [--repeats N] [--epochs N]
//
// The phases are results.json's timing_seconds (load, shuffle, the two trainings, evaluate,
// analyze, units); a model's evaluation, analysis and units run on the thread that trained it,
// and each of those is the longer of the two models'. The write phase is broken down per file:
// making its bytes (drawing and encoding a figure, serialising a model), its SHA-256 and writing
// it (write_file_atomically, which syncs it to disk), then results.json and report.html.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <zlib.h>

#include <sys/resource.h>

#include <ctime>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "savant/core/atomic_file.hpp"
#include "savant/core/checksum.hpp"
#include "savant/core/huge_pages.hpp"
#include "savant/core/parallel.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/idx.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/report/report.hpp"

namespace {

using namespace savant;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Seconds of each named phase, over the repeats; printed in the order first seen.
class Phases {
 public:
  void add(const std::string& name, double seconds) {
    if (!times_.contains(name)) order_.push_back(name);
    times_[name].push_back(seconds);
  }
  void print() const {
    for (const std::string& name : order_) {
      const std::vector<double>& t = times_.at(name);
      fmt::print("  {:<44} {:8.4f} s  (min {:.4f}, max {:.4f})\n", name, median(t),
                 *std::min_element(t.begin(), t.end()), *std::max_element(t.begin(), t.end()));
    }
  }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::vector<double>> times_;
};

// CPU seconds of the whole process, all its threads.
double process_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The steps of run_reproduce before its trainings, each once, as a fresh process meets them
// (memory never touched before: repeats in one process reuse freed memory and hide the cost of
// first touching it). Prints each step's wall and CPU seconds (all threads) and the page faults.
void first_steps(const ExperimentConfig& config) {
  auto step = [](const char* name, auto&& body) {
    const auto s = Clock::now();
    const double cpu = process_cpu_seconds();
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    body();
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    fmt::print("  {:<36} wall {:.4f} s, CPU {:.4f} s, {} page faults\n", name, since(s),
               process_cpu_seconds() - cpu, after.ru_minflt - before.ru_minflt);
  };
  Dataset data;
  step("load (load_experiment_data)", [&] { data = load_experiment_data(config); });
  step("digest (split_digest)", [&] { (void)split_digest(data.train); });
  step("shuffle training images", [&] {
    TrainingImages shuffled(data.train.images, {RegimeKind::kShuffled, 0}, config.grid,
                            config.shuffle, config.seed, config.threads);
  });
  step("shuffle test images", [&] { (void)shuffle_test_images(data.test.images, config); });
}

double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The bytes of a gzip file as zlib's gzread gives them, 128 KiB at a time (as savant read IDX
// files before libdeflate); returns their number.
std::size_t gzread_all(const std::filesystem::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return 0;
  gzbuffer(file, 1 << 17);
  std::vector<char> buffer(1 << 17);
  std::size_t total = 0;
  int n = 0;
  while ((n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
    total += static_cast<std::size_t>(n);
  }
  gzclose(file);
  return total;
}

std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "unknown";
  char buffer[128] = {};
  const bool read = std::fgets(buffer, sizeof buffer, f) != nullptr;
  std::fclose(f);
  std::string text = read ? buffer : "unknown";
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"reproduce_phases: one default reproduction, phase by phase"};
  std::filesystem::path data_dir = default_data_dir();
  int threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  int repeats = 3;
  std::size_t epochs = 5;
  app.add_option("--data", data_dir, "directory with the IDX files")->capture_default_str();
  app.add_option("--threads", threads, "threads, as reproduce's")->capture_default_str();
  app.add_option("--repeats", repeats, "reproductions; the median is printed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--epochs", epochs, "epochs per model")->capture_default_str();
  bool first = false;
  app.add_flag("--first", first,
               "only the steps before training, once, in this fresh process, with their CPU "
               "seconds and page faults (run it several times)");
  CLI11_PARSE(app, argc, argv);
  keep_freed_memory();  // as savant's main does

  ExperimentConfig config;
  config.data = std::filesystem::absolute(data_dir);
  config.threads = threads;
  config.epochs = epochs;
  if (first) {
    fmt::print("reproduce_phases --first: {} thread(s), load average {}\n", threads,
               load_average());
    first_steps(config);
    return 0;
  }
  const std::filesystem::path out =
      std::filesystem::temp_directory_path() / fmt::format("reproduce_phases.{}", ::getpid());
  std::filesystem::create_directories(out);
  fmt::print("reproduce_phases: {} repeat(s), {} thread(s), {} epochs, data {}\n", repeats, threads,
             epochs, config.data.string());
  fmt::print("load average before: {}\n", load_average());

  Phases phases;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    ReproduceResult result = run_reproduce(config);
    const Timings& t = result.timings;
    phases.add("load", t.load);
    phases.add("shuffle", t.shuffle);
    phases.add("train original_model", t.train_original_model);
    phases.add("train shuffled_model", t.train_shuffled_model);
    phases.add("evaluate (longer model's)", t.evaluate);
    phases.add("analyze (longer model's)", t.analyze);
    phases.add("units (longer model's, and the comparison)", t.units);
    phases.add("run_reproduce in all", t.total);

    // The write phase as commit_run does it, each file timed on its own (one thread here;
    // commit_run makes two at a time).
    result.run_id = new_run_id();
    const auto write_start = Clock::now();
    for (const RunFile& file :
         run_files(result, std::vector{FigureFormat::kPng}, false, FigureSize::kScreen)) {
      auto s = Clock::now();
      const std::string bytes = file.bytes();
      phases.add("make " + file.name, since(s));
      s = Clock::now();
      (void)sha256_hex(bytes);
      phases.add("sha256 " + file.name, since(s));
      s = Clock::now();
      write_file_atomically(out / file.name, bytes);
      phases.add("write " + file.name, since(s));
    }
    auto s = Clock::now();
    const nlohmann::json results = results_json(result);
    const std::string results_text = results.dump(2) + "\n";
    phases.add("make results.json", since(s));
    s = Clock::now();
    const std::string page = render_report(report_data(run_page(result, results, out)));
    phases.add("make report.html", since(s));
    s = Clock::now();
    write_file_atomically(out / "results.json", results_text);
    write_file_atomically(out / "report.html", page);
    phases.add("write results.json and report.html", since(s));
    phases.add("files in all, one at a time", since(write_start));
    phases.add("reproduction in all", since(start));
  }

  // Each IDX file read alone, then the four as load_dataset reads them. The training images
  // also in CPU seconds of this thread (less sensitive to other work on the machine), beside
  // zlib's gzread of the same file (what savant used before libdeflate).
  for (int r = 0; r < repeats; ++r) {
    for (const char* stem : {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"}) {
      const auto s = Clock::now();
      const double cpu = thread_cpu_seconds();
      (void)read_idx_images(find_idx_file(config.data, stem));
      phases.add(fmt::format("read {}", stem), since(s));
      phases.add(fmt::format("read {}, CPU seconds", stem), thread_cpu_seconds() - cpu);
    }
    {
      const double cpu = thread_cpu_seconds();
      const std::size_t bytes = gzread_all(find_idx_file(config.data, "train-images-idx3-ubyte"));
      phases.add(fmt::format("zlib gzread of train-images ({} bytes), CPU seconds", bytes),
                 thread_cpu_seconds() - cpu);
    }
    for (const char* stem : {"train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"}) {
      const auto s = Clock::now();
      (void)read_idx_labels(find_idx_file(config.data, stem));
      phases.add(fmt::format("read {}", stem), since(s));
    }
    for (int n : {1, threads}) {
      const auto s = Clock::now();
      (void)load_dataset(config.data, 10, n);
      phases.add(fmt::format("load_dataset, {} thread(s)", n), since(s));
    }
  }
  std::filesystem::remove_all(out);

  fmt::print("median of {} (seconds):\n", repeats);
  phases.print();
  fmt::print("load average after: {}\n", load_average());
  return 0;
}
