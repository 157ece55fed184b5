// bench_models: seconds for one epoch (the 60,000 training images, batch 32, Adam) of each of
// the models of model/architecture.hpp, on N threads, with the process's peak memory; the
// numbers docs/PERFORMANCE.md sets beside bench/pytorch_peer.py --model NAME (bench/
// compare_models runs both). `mlp` is the article's model trained by its own engine
// (model/train.hpp); --save and --puzzle apply to the other models.
//
//   build/release/bench/bench_models [--data DIR] [--threads 2] [--epochs 1] [--images N]
//                                    [--save DIR] [cnn local mixer]
//
// With --save, each trained model is written to DIR/NAME.safetensors (formats/
// arch_model_file.hpp) and its test accuracy printed: bench/pytorch_peer.py --load FILE
// loads the file into the same PyTorch model and prints the accuracy PyTorch computes.
//
// With --puzzle G, each model is trained twice from the same weights, on the original images
// and on images whose G x G blocks are deranged (a new derangement per image, as `savant
// reproduce` makes them), and each is evaluated on the original and on the deranged test
// images: the article's 2x2 matrix, for one seed, as a quick look before a sweep.

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "savant/core/huge_pages.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/model/arch_train.hpp"
#include "savant/model/architecture.hpp"
#include "savant/model/network.hpp"
#include "savant/model/train.hpp"

namespace {

double accuracy(const savant::ArchNetwork& net, const savant::ImageSet& images,
                const std::vector<std::uint8_t>& labels, int threads) {
  const std::vector<float> logits = savant::arch_predict(net, images, threads);
  const std::size_t K = net.layout.classes;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < images.count; ++i) {
    const float* row = logits.data() + i * K;
    correct += static_cast<std::size_t>(std::max_element(row, row + K) - row) == labels[i] ? 1 : 0;
  }
  return static_cast<double>(correct) / static_cast<double>(images.count);
}

// User and system CPU seconds of the whole process so far.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace savant;
  CLI::App app{"bench_models: one epoch of the cnn, local and mixer models"};
  std::filesystem::path data_dir = default_data_dir();
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::size_t epochs = 1, images = 0, grid = 4;
  std::vector<std::string> models{"cnn", "local", "mixer"};
  std::filesystem::path save_dir;
  int puzzle = 0;
  app.add_option("--data", data_dir, "directory with the IDX files")->capture_default_str();
  app.add_option("--threads", threads, "threads for the model")->capture_default_str();
  app.add_option("--epochs", epochs, "epochs")->capture_default_str();
  app.add_option("--images", images, "only the first N training images (0: all)");
  app.add_option("--grid", grid, "the mixer's grid")->capture_default_str();
  app.add_option("--puzzle", puzzle, "also train on images deranged on a G x G grid");
  app.add_option("--save", save_dir, "write each trained model to DIR/NAME.safetensors");
  app.add_option("models", models, "models to train")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  keep_freed_memory();  // as savant's main does: the images on huge pages

  try {
    Dataset data = load_dataset(data_dir);
    if (images > 0) {
      data.train.images = first_images(data.train.images, images);
      data.train.labels.resize(data.train.images.count);
    }
    for (const std::string& name : models) {
      const Architecture arch = parse_architecture(name);
      TrainConfig config;
      config.epochs = epochs;
      config.batch = 32;
      config.threads = threads;
      config.name = name;
      const double cpu_start = cpu_seconds();
      const auto start = Clock::now();
      std::vector<EpochRecord> history;
      std::optional<ArchNetwork> trained;
      if (arch == Architecture::mlp) {  // 784-128-10 by its engine, as `savant reproduce` trains it
        Network mlp(dense_layout(data.train.images.pixels_per_image(), 128, 1, 10));
        glorot_uniform_init(mlp, 0);
        history = train_network(mlp, data.train.images, data.train.labels, config);
      } else {
        trained.emplace(
            architecture_layout(arch, data.train.images.rows, data.train.images.cols, grid, 10));
        glorot_uniform_init(*trained, 0);
        history = train_architecture(*trained, data.train.images, data.train.labels, config);
      }
      const double seconds = seconds_since(start), cpu = cpu_seconds() - cpu_start;
      rusage usage{};
      getrusage(RUSAGE_SELF, &usage);
      // The CPU time (all threads, user and system) moves less than the wall time on a busy
      // machine: on one thread it is the time the training would take alone on its core.
      std::printf(
          "%-6s %zu epoch(s) of %zu images, %d thread(s): %.3f s (%.3f s/epoch), CPU %.3f s, "
          "loss %.4f, training accuracy %.4f, peak RSS %ld MB\n",
          name.c_str(), epochs, data.train.images.count, threads, seconds,
          seconds / static_cast<double>(epochs), cpu, history.back().loss,
          history.back().train_accuracy, usage.ru_maxrss / 1024);
      if (!trained) continue;
      const ArchNetwork& net = *trained;
      if (!save_dir.empty()) {
        const std::filesystem::path file = save_dir / (name + ".safetensors");
        save_arch_model(file, net, {});
        std::printf("%s: test accuracy %.4f (savant), saved to %s\n", name.c_str(),
                    accuracy(net, data.test.images, data.test.labels, threads), file.c_str());
      }
      if (puzzle > 0) {
        const ImageSet train_shuffled = shuffle_images(
            data.train.images, puzzle, ShuffleMode::kDerange, 0, Stream::kShuffleTrain, threads);
        const ImageSet test_shuffled = shuffle_images(
            data.test.images, puzzle, ShuffleMode::kDerange, 0, Stream::kShuffleTest, threads);
        ArchNetwork on_shuffled(net.layout);
        glorot_uniform_init(on_shuffled, 0);
        config.name = name + " (deranged)";
        train_architecture(on_shuffled, train_shuffled, data.train.labels, config);
        std::printf(
            "%s, g = %d: trained on original -> test original %.4f, deranged %.4f; "
            "trained on deranged -> test original %.4f, deranged %.4f\n",
            name.c_str(), puzzle, accuracy(net, data.test.images, data.test.labels, threads),
            accuracy(net, test_shuffled, data.test.labels, threads),
            accuracy(on_shuffled, data.test.images, data.test.labels, threads),
            accuracy(on_shuffled, test_shuffled, data.test.labels, threads));
      }
      std::fflush(stdout);
    }
    return 0;
  } catch (const std::exception& e) {
    // A missing data or --save directory, an unreadable file: said, not an abort.
    std::fprintf(stderr, "bench_models: error: %s\n", e.what());
    return 1;
  }
}
