#include "savant/model/arch_train.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "savant/core/denormals.hpp"
#include "savant/core/error.hpp"
#include "savant/core/parallel.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/kernels/conv.hpp"
#include "savant/kernels/gather.hpp"
#include "savant/kernels/isa.hpp"
#include "savant/kernels/pool.hpp"
#include "savant/kernels/small_gemm.hpp"

namespace savant {

namespace {

std::size_t chunks_of(std::size_t rows) {
  return (rows + kChunkRows - 1) / kChunkRows;
}

std::size_t clamp_threads(int threads, std::size_t chunks) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1,
                                 std::min<std::size_t>({chunks, 16, cores}));
}

// Calls body(chunk, workspace) for chunks 0..chunks-1: worker w takes the chunks w,
// w + workers, ... with its own workspace. Which worker computes a chunk changes nothing.
template <typename Body>
void for_each_chunk(std::size_t chunks, std::size_t workers, Body&& body) {
  workers = std::min(workers, chunks);
  parallel_for(workers, static_cast<int>(workers), [&](std::size_t begin, std::size_t end) {
    for (std::size_t w = begin; w < end; ++w) {
      for (std::size_t c = w; c < chunks; c += workers) body(c, w);
    }
  });
}

}  // namespace

ArchTrainer::ArchTrainer(const ArchNetwork& initial, std::size_t batch, int threads,
                         AdamConfig adam, KernelSet kernels)
    : net_(initial),
      batch_(batch),
      workers_(clamp_threads(threads, chunks_of(batch))),
      kernels_(kernels),
      adam_(initial.params.size(), adam),
      grads_(chunks_of(batch), std::vector<float>(initial.params.size())),
      results_(chunks_of(batch)),
      grad_(initial.params.size()),
      inputs_(batch * initial.layout.rows * initial.layout.cols),
      batch_labels_(batch),
      team_(workers_, [] { enable_flush_denormals(); }) {
  for (std::size_t w = 0; w < workers_; ++w) workspaces_.emplace_back(net_.layout, kChunkRows);
}

StepResult ArchTrainer::step(const ImageSet& images, std::span<const std::uint32_t> indices,
                             std::span<const std::uint8_t> labels, bool& finite) {
  const std::size_t rows = indices.size(), pixels = images.pixels_per_image();
  if (rows == 0 || rows > batch_) throw UsageError("a step takes 1 to batch images");
  gather_batch(images, indices, inputs_.data());
  for (std::size_t r = 0; r < rows; ++r) batch_labels_[r] = labels[indices[r]];
  const std::size_t chunks = chunks_of(rows);
  const float scale = 1.0f / static_cast<float>(rows);
  // Member w takes the chunks w, w + workers, ... with its own workspace; which member computes
  // a chunk changes nothing.
  team_.run([&](std::size_t w) {
    for (std::size_t c = w; c < chunks; c += workers_) {
      const std::size_t first = c * kChunkRows, n = std::min(kChunkRows, rows - first);
      results_[c] =
          arch_forward_backward(net_, inputs_.data() + first * pixels, batch_labels_.data() + first,
                                n, scale, workspaces_[w], grads_[c], kernels_);
    }
  });
  // The batch's gradient: the chunks' added in chunk order, then Adam, both split by
  // parameter ranges.
  const float alpha = adam_.advance();
  std::vector<char> range_finite(workers_, 1);
  const std::size_t total = net_.params.size(), step = (total + workers_ - 1) / workers_;
  team_.run([&](std::size_t w) {
    const std::size_t lo = std::min(total, w * step), hi = std::min(total, lo + step);
    std::vector<const float*> parts(chunks);
    for (std::size_t c = 0; c < chunks; ++c) parts[c] = grads_[c].data() + lo;
    sum_arrays(grad_.data() + lo, parts.data(), chunks, hi - lo);
    range_finite[w] = adam_.update(net_.params, grad_, lo, hi, alpha) ? 1 : 0;
  });
  finite = std::all_of(range_finite.begin(), range_finite.end(), [](char f) { return f != 0; });
  StepResult sum;
  for (std::size_t c = 0; c < chunks; ++c) {
    sum.loss_sum += results_[c].loss_sum;
    sum.correct += results_[c].correct;
  }
  return sum;
}

std::string arch_engine_name(Architecture arch) {
  if (arch == Architecture::mixer) {
    return fmt::format("arch-{}-{}", isa_name(active_isa()), small_gemm_backend_name());
  }
  const bool convolutions = arch == Architecture::cnn || arch == Architecture::local;
  if (!convolutions) return fmt::format("arch-{}", isa_name(active_isa()));
  return fmt::format("arch-{}-{}", isa_name(active_isa()),
                     conv_backend_name(active_conv_backend()));
}

std::vector<EpochRecord> train_architecture(ArchNetwork& net, const ImageSet& images,
                                            std::span<const std::uint8_t> labels,
                                            const TrainConfig& config, const ProgressFn& progress,
                                            const ArchEpochEndFn& after_epoch) {
  if (config.batch == 0) throw UsageError("batch size must be at least 1");
  if (images.count == 0) throw InputError(fmt::format("{}: no training images", config.name));
  if (images.rows != net.layout.rows || images.cols != net.layout.cols) {
    throw InputError(fmt::format("{}: the {} model takes {}x{} images, not {}x{}", config.name,
                                 architecture_name(net.layout.arch), net.layout.rows,
                                 net.layout.cols, images.rows, images.cols));
  }
  const FlushDenormals flush;
  const std::size_t batch = std::min(config.batch, images.count);
  const std::size_t steps = (images.count + batch - 1) / batch;
  const std::size_t report_every = std::max<std::size_t>(1, steps / 100);
  ArchTrainer trainer(net, batch, config.threads,
                      AdamConfig{.learning_rate = config.learning_rate});
  std::vector<EpochRecord> history;
  const auto start = Clock::now();
  for (std::size_t epoch = 1; epoch <= config.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    const std::vector<std::uint32_t> order = epoch_order(config.seed, epoch, images.count);
    double loss_sum = 0;
    std::size_t correct = 0, seen = 0;
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t first = s * batch, rows = std::min(batch, images.count - first);
      // The next batch's images are read from memory while this step computes (their pixels
      // are scattered over the training set: a cache miss each, otherwise).
      if (first + rows < images.count) {
        prefetch_images(images, std::span<const std::uint32_t>(order).subspan(
                                    first + rows, std::min(batch, images.count - first - rows)));
      }
      bool finite = true;
      const StepResult r = trainer.step(
          images, std::span<const std::uint32_t>(order).subspan(first, rows), labels, finite);
      if (!finite) {
        throw TrainingError(
            fmt::format("{}: training diverged at epoch {}, step {}: the loss or its gradient "
                        "is not finite (NaN or infinity); lower the learning rate (now {})",
                        config.name, epoch, s + 1, config.learning_rate),
            kLearningRateSetting);
      }
      loss_sum += r.loss_sum;
      correct += r.correct;
      seen += rows;
      if (progress && ((s + 1) % report_every == 0 || s + 1 == steps)) {
        progress({config.name, epoch, config.epochs, s + 1, steps,
                  loss_sum / static_cast<double>(seen),
                  static_cast<double>(correct) / static_cast<double>(seen), seconds_since(start)});
      }
    }
    history.push_back({epoch, loss_sum / static_cast<double>(seen),
                       static_cast<double>(correct) / static_cast<double>(seen),
                       seconds_since(epoch_start)});
    if (after_epoch) after_epoch(trainer.network(), history.back());
  }
  net.params = trainer.network().params;
  return history;
}

std::vector<float> arch_predict(const ArchNetwork& net, const ImageSet& images, int threads,
                                std::vector<float>* hidden, std::size_t* width) {
  const std::size_t n = images.count, pixels = images.pixels_per_image(), K = net.layout.classes;
  std::vector<float> logits(n * K);
  const std::size_t chunks = chunks_of(n), workers = clamp_threads(threads, chunks);
  std::vector<ArchWorkspace> workspaces;
  for (std::size_t w = 0; w < workers; ++w) workspaces.emplace_back(net.layout, kChunkRows);
  std::vector<std::vector<float>> inputs(workers, std::vector<float>(kChunkRows * pixels));
  std::size_t hidden_width = 0;
  {
    ArchWorkspace probe(net.layout, 1);
    arch_hidden(net, probe, 0, hidden_width);
  }
  if (hidden != nullptr) hidden->assign(n * hidden_width, 0.0f);
  if (width != nullptr) *width = hidden_width;
  for_each_chunk(chunks, workers, [&](std::size_t c, std::size_t w) {
    const std::size_t first = c * kChunkRows, rows = std::min(kChunkRows, n - first);
    std::vector<std::uint32_t> indices(rows);
    std::iota(indices.begin(), indices.end(), static_cast<std::uint32_t>(first));
    gather_batch(images, indices, inputs[w].data());
    const std::span<const float> out =
        arch_forward(net, inputs[w].data(), rows, workspaces[w], KernelSet::fast);
    std::copy(out.begin(), out.end(), logits.begin() + static_cast<long>(first * K));
    if (hidden != nullptr) {
      std::size_t wd = 0;
      const std::span<const float> h = arch_hidden(net, workspaces[w], rows, wd);
      std::copy(h.begin(), h.end(), hidden->begin() + static_cast<long>(first * wd));
    }
  });
  return logits;
}

std::vector<Prediction> predict(const ArchNetwork& net, const ImageSet& images, int threads) {
  const std::size_t K = net.layout.classes;
  const std::vector<float> logits = arch_predict(net, images, threads);
  std::vector<Prediction> out;
  out.reserve(images.count);
  for (std::size_t k = 0; k < images.count; ++k)
    out.push_back(prediction_of(logits.data() + k * K, K));
  return out;
}

Score score(const ArchNetwork& net, const ImageSet& images, std::span<const std::uint8_t> labels,
            int threads) {
  Score s;
  evaluate(net, images, labels, threads, &s);
  return s;
}

Evaluation evaluate(const ArchNetwork& net, const ImageSet& images,
                    std::span<const std::uint8_t> labels, int threads, Score* score) {
  const std::size_t K = net.layout.classes;
  const std::vector<float> logits = arch_predict(net, images, threads);
  Evaluation result;
  result.classes = K;
  result.total = images.count;
  result.confusion.assign(K * K, 0);
  result.predicted.reserve(images.count);
  double loss = 0;
  for (std::size_t k = 0; k < images.count; ++k) {
    const float* z = logits.data() + k * K;
    const std::size_t best = best_class(z, K);
    if (score != nullptr) loss += cross_entropy(z, K, best, labels[k]);
    result.predicted.push_back(static_cast<std::uint8_t>(best));
    ++result.confusion[labels[k] * K + best];
    result.correct += best == labels[k] ? 1 : 0;
  }
  if (score != nullptr) {
    *score = images.count == 0 ? Score{}
                               : Score{loss / static_cast<double>(images.count), result.accuracy()};
  }
  return result;
}

}  // namespace savant
