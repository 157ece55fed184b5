#pragma once
// Training and prediction for the architectures of model/architecture.hpp: Adam as
// model/train.hpp trains the dense network, the same epoch order and batches.
//
// Determinism: a batch is cut into chunks of kChunkRows images whatever the thread count; each
// chunk's gradient is computed on its own (model/arch_passes.hpp) and the chunks' gradients
// are added in chunk order, so the result is bitwise the same on any number of threads.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "savant/core/thread_team.hpp"
#include "savant/data/image_set.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/model/arch_passes.hpp"
#include "savant/model/architecture.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/model/train.hpp"

namespace savant {

inline constexpr std::size_t kChunkRows = 8;

// Runs training steps of one model; holds its parameters, Adam's moments and the buffers.
class ArchTrainer {
 public:
  ArchTrainer(const ArchNetwork& initial, std::size_t batch, int threads, AdamConfig adam,
              KernelSet kernels = KernelSet::fast);
  // One step on the images `indices` (at most the batch's rows). `finite` is false when a
  // gradient was not finite (the update is applied either way, as the dense engines do).
  StepResult step(const ImageSet& images, std::span<const std::uint32_t> indices,
                  std::span<const std::uint8_t> labels, bool& finite);
  const ArchNetwork& network() const { return net_; }

 private:
  ArchNetwork net_;
  std::size_t batch_;
  std::size_t workers_;
  KernelSet kernels_;
  Adam adam_;
  std::vector<ArchWorkspace> workspaces_;  // one per worker
  std::vector<std::vector<float>> grads_;  // one per chunk
  std::vector<StepResult> results_;        // one per chunk
  std::vector<float> grad_, inputs_;
  std::vector<std::uint8_t> batch_labels_;
  // The workers, alive from step to step (a step is a few hundred microseconds, and a new
  // thread would also start with cold caches and no LIBXSMM or oneDNN state). Declared last:
  // its threads end before the buffers they use.
  ThreadTeam team_;
};

// What trains a cnn, local or mixer model, as results.json, the model file and the sweep
// database record it: "arch-" and the instruction set of the dense kernels, and for a model with
// 3x3 convolutions the convolutions' backend (kernels/conv.hpp), e.g. "arch-avx512-onednn",
// for the mixer its small products' (kernels/small_gemm.hpp), "arch-avx512-libxsmm". The
// numbers depend on both (their sums are ordered differently), not on the threads.
std::string arch_engine_name(Architecture arch);

// Called after each epoch with the model as trained so far, to fill in the epoch's test curves
// (EpochEndFn of model/train.hpp for the dense network).
using ArchEpochEndFn = std::function<void(const ArchNetwork&, EpochRecord&)>;

// Trains `net` in place as train_network does the dense one (epochs, batches, seed, threads of
// `config`); throws TrainingError when the loss or the weights stop being finite. `after_epoch`,
// when set, is called at the end of each epoch, outside the epoch's time.
std::vector<EpochRecord> train_architecture(ArchNetwork& net, const ImageSet& images,
                                            std::span<const std::uint8_t> labels,
                                            const TrainConfig& config,
                                            const ProgressFn& progress = {},
                                            const ArchEpochEndFn& after_epoch = {});

// The logits (images.count, classes) of every image, in chunks on `threads` threads; when
// `hidden` is not null it receives the last hidden representation (images.count, width) and
// `width` its width (model/arch_passes.hpp, arch_hidden).
std::vector<float> arch_predict(const ArchNetwork& net, const ImageSet& images, int threads,
                                std::vector<float>* hidden = nullptr, std::size_t* width = nullptr);

// Accuracy and confusion of the model on `images` (model/evaluate.hpp's for the dense
// network): the class of the largest logit, the first of equal ones. With `score`, also
// score()'s numbers from the same forward pass.
Evaluation evaluate(const ArchNetwork& net, const ImageSet& images,
                    std::span<const std::uint8_t> labels, int threads, Score* score = nullptr);

// The predicted class of every image and its softmax probability (predict of
// model/evaluate.hpp for the dense network).
std::vector<Prediction> predict(const ArchNetwork& net, const ImageSet& images, int threads);

// The mean cross-entropy and the accuracy on labelled images (score of model/evaluate.hpp).
Score score(const ArchNetwork& net, const ImageSet& images, std::span<const std::uint8_t> labels,
            int threads);

}  // namespace savant
