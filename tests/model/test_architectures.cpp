// The cnn, local and mixer models (model/architecture.hpp): their tensors as PyTorch names and
// shapes them, Glorot's limits, the passes with the fast kernels against the reference ones,
// the gradient against finite differences of the loss, and training that is bitwise the same
// on 1, 2 and 4 threads. Images are small (8 x 8, or 28 x 28 for the layouts) to stay fast.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/model/arch_passes.hpp"
#include "savant/model/arch_train.hpp"
#include "savant/model/architecture.hpp"

namespace savant {
namespace {

std::size_t count_of(const ArchLayout& layout) {
  std::size_t n = 0;
  for (const TensorSpec& t : layout.tensors) n += t.size;
  return n;
}

TEST(ArchitectureLayout, CnnAsPyTorchNamesIt) {
  const ArchLayout l = architecture_layout(Architecture::cnn, 28, 28, 4, 10);
  EXPECT_EQ(l.tensor("conv1.weight").shape, (std::vector<std::size_t>{16, 1, 3, 3}));
  EXPECT_EQ(l.tensor("conv2.weight").shape, (std::vector<std::size_t>{32, 16, 3, 3}));
  EXPECT_EQ(l.tensor("fc1.weight").shape, (std::vector<std::size_t>{128, 1568}));
  EXPECT_EQ(l.tensor("fc2.bias").shape, (std::vector<std::size_t>{10}));
  // 160 + 4640 + 200832 + 1290 parameters, as torch counts them.
  EXPECT_EQ(l.total, 206922u);
  EXPECT_EQ(count_of(l), l.total);
}

TEST(ArchitectureLayout, LocalAndMixer) {
  const ArchLayout local = architecture_layout(Architecture::local, 28, 28, 4, 10);
  EXPECT_EQ(local.tensor("conv3.weight").shape, (std::vector<std::size_t>{10, 32, 1, 1}));
  EXPECT_EQ(local.total, 320u + 9248u + 330u);
  const ArchLayout mixer = architecture_layout(Architecture::mixer, 28, 28, 4, 10);
  EXPECT_EQ(mixer.tensor("embed.weight").shape, (std::vector<std::size_t>{64, 49}));
  EXPECT_EQ(mixer.tensor("token_mlp.0.weight").shape, (std::vector<std::size_t>{64, 16}));
  EXPECT_EQ(mixer.tensor("token_mlp.2.weight").shape, (std::vector<std::size_t>{16, 64}));
  EXPECT_EQ(mixer.tensor("channel_mlp.2.weight").shape, (std::vector<std::size_t>{64, 128}));
  EXPECT_EQ(mixer.total, 3200u + 1088u + 1040u + 8320u + 8256u + 650u);
  // The mixer's tokens follow the grid.
  EXPECT_EQ(
      architecture_layout(Architecture::mixer, 28, 28, 7, 10).tensor("token_mlp.0.weight").shape,
      (std::vector<std::size_t>{64, 49}));
}

TEST(ArchitectureLayout, RefusesWhatDoesNotFit) {
  EXPECT_THROW(architecture_layout(Architecture::mixer, 28, 28, 1, 10), InvalidSetting);
  EXPECT_THROW(architecture_layout(Architecture::mixer, 28, 28, 3, 10), InvalidSetting);
  EXPECT_THROW(architecture_layout(Architecture::cnn, 30, 30, 4, 10), InvalidSetting);
  EXPECT_THROW(parse_architecture("resnet"), InvalidSetting);
  EXPECT_EQ(parse_architecture("local"), Architecture::local);
}

TEST(ArchitectureInit, GlorotUniformWithConvolutionFans) {
  ArchNetwork net(architecture_layout(Architecture::cnn, 28, 28, 4, 10));
  glorot_uniform_init(net, 3);
  // conv2: fan-in 16 * 9, fan-out 32 * 9.
  const float limit = std::sqrt(6.0f / (144.0f + 288.0f));
  float largest = 0.0f;
  for (float w : net.tensor("conv2.weight")) largest = std::max(largest, std::abs(w));
  EXPECT_LE(largest, limit);
  EXPECT_GT(largest, 0.9f * limit);
  for (float b : net.tensor("conv2.bias")) EXPECT_EQ(b, 0.0f);
  ArchNetwork again(net.layout);
  glorot_uniform_init(again, 3);
  EXPECT_EQ(again.params, net.params);
}

TEST(ArchitectureLayout, TorchLayoutTransposes) {
  ArchNetwork net(architecture_layout(Architecture::cnn, 28, 28, 4, 10));
  glorot_uniform_init(net, 1);
  const TensorSpec& conv = net.layout.tensor("conv2.weight");
  const std::vector<float> torch = torch_layout(conv, net.params);
  // PyTorch's [o=3][c=5][ky=2][kx=0] is savant's (ky=2, kx=0, c=5, o=3).
  EXPECT_EQ(torch[((3 * 16 + 5) * 3 + 2) * 3 + 0],
            net.params[conv.offset + ((2 * 3 + 0) * 16 + 5) * 32 + 3]);
  const TensorSpec& fc = net.layout.tensor("fc1.weight");
  const std::vector<float> fc_torch = torch_layout(fc, net.params);
  EXPECT_EQ(fc_torch[7 * 1568 + 100], net.params[fc.offset + 100 * 128 + 7]);
  std::vector<float> back(net.params.size(), 0.0f);
  from_torch_layout(conv, torch, back);
  from_torch_layout(fc, fc_torch, back);
  for (std::size_t i = 0; i < conv.size; ++i) {
    ASSERT_EQ(back[conv.offset + i], net.params[conv.offset + i]);
  }
}

// Small random images with a share of their pixels zero (about half in Fashion-MNIST), and
// labels.
struct Toy {
  ImageSet images;
  std::vector<std::uint8_t> labels;
  std::vector<float> inputs;
};
Toy toy(std::size_t count, std::size_t side, std::size_t classes, float zero_share = 0.5f) {
  Toy t;
  t.images = {count, side, side, std::vector<std::uint8_t>(count * side * side)};
  CounterRng rng(77, Stream::kInit, 0);
  for (auto& p : t.images.pixels) {
    const bool zero = rng.uniform_float() < zero_share;
    p = zero ? 0 : static_cast<std::uint8_t>(1 + 254 * rng.uniform_float());
  }
  for (std::size_t i = 0; i < count; ++i) {
    t.labels.push_back(static_cast<std::uint8_t>(i % classes));
  }
  for (auto p : t.images.pixels) t.inputs.push_back(static_cast<float>(p) / 255.0f);
  return t;
}

struct Case {
  Architecture arch;
  std::size_t grid;
};
const Case kCases[] = {{Architecture::cnn, 2},
                       {Architecture::local, 2},
                       {Architecture::mixer, 2},
                       {Architecture::mixer, 4}};

TEST(ArchitecturePasses, FastMatchesReference) {
  for (const Case& c : kCases) {
    ArchNetwork net(architecture_layout(c.arch, 8, 8, c.grid, 4));
    glorot_uniform_init(net, 5);
    for (float& b : net.params) b += 0.01f;  // non-zero biases too
    const Toy data = toy(6, 8, 4);
    ArchWorkspace fast_ws(net.layout, 6), ref_ws(net.layout, 6);
    std::vector<float> fast(net.params.size()), ref(net.params.size());
    const StepResult a = arch_forward_backward(net, data.inputs.data(), data.labels.data(), 6,
                                               1.0f / 6, fast_ws, fast, KernelSet::fast);
    const StepResult b = arch_forward_backward(net, data.inputs.data(), data.labels.data(), 6,
                                               1.0f / 6, ref_ws, ref, KernelSet::reference);
    EXPECT_NEAR(a.loss_sum, b.loss_sum, 1e-4 * b.loss_sum) << architecture_name(c.arch);
    for (std::size_t i = 0; i < ref.size(); ++i) {
      ASSERT_NEAR(fast[i], ref[i], 1e-4f * (1e-2f + std::abs(ref[i])))
          << architecture_name(c.arch) << " parameter " << i;
    }
  }
}

// Entries of every tensor against central differences of the loss when that one parameter
// moves by +-h: the whole model's chain of layers at once (each layer's own, finer check is
// tests/kernels/test_layers.cpp).
TEST(ArchitecturePasses, GradientMatchesFiniteDifferences) {
  for (const Case& c : kCases) {
    ArchNetwork net(architecture_layout(c.arch, 8, 8, c.grid, 4));
    glorot_uniform_init(net, 9);
    // Biases of 0.3 keep most units of each ReLU away from its kink (a bias moves a whole
    // channel or token at once), and images without zero pixels keep the 2x2 blocks of the
    // poolings without ties, where the loss has no derivative.
    for (const TensorSpec& t : net.layout.tensors) {
      if (t.kind != TensorKind::bias) continue;
      for (std::size_t k = 0; k < t.size; ++k) net.params[t.offset + k] = 0.3f;
    }
    const Toy data = toy(4, 8, 4, 0.0f);
    ArchWorkspace ws(net.layout, 4);
    std::vector<float> grad(net.params.size()), unused(net.params.size());
    arch_forward_backward(net, data.inputs.data(), data.labels.data(), 4, 1.0f, ws, grad,
                          KernelSet::reference);
    const auto loss = [&] {
      return arch_forward_backward(net, data.inputs.data(), data.labels.data(), 4, 1.0f, ws, unused,
                                   KernelSet::reference)
          .loss_sum;
    };
    const float h = 1e-3f;
    for (const TensorSpec& t : net.layout.tensors) {
      for (std::size_t k = 0; k < 5; ++k) {
        const std::size_t i = t.offset + (k * 7919) % t.size;
        const float saved = net.params[i];
        net.params[i] = saved + h;
        const double up = loss();
        net.params[i] = saved - h;
        const double down = loss();
        net.params[i] = saved;
        const double numeric = (up - down) / (2.0 * double{h});
        EXPECT_NEAR(grad[i], numeric, 0.03 * std::abs(numeric) + 2e-3)
            << architecture_name(c.arch) << " " << t.name << " entry " << i - t.offset;
      }
    }
  }
}

TEST(ArchitectureTraining, SameResultOnOneTwoAndFourThreads) {
  for (const Case& c : kCases) {
    const Toy data = toy(45, 8, 4);  // batches of 20: chunks of 8, 8, 4 and a last batch of 5
    std::vector<std::vector<float>> results;
    std::vector<double> losses;
    for (int threads : {1, 2, 4}) {
      ArchNetwork net(architecture_layout(c.arch, 8, 8, c.grid, 4));
      glorot_uniform_init(net, 2);
      TrainConfig config;
      config.epochs = 2;
      config.batch = 20;
      config.seed = 4;
      config.threads = threads;
      const auto history = train_architecture(net, data.images, data.labels, config);
      results.push_back(net.params);
      losses.push_back(history.back().loss);
    }
    EXPECT_EQ(results[0], results[1]) << architecture_name(c.arch);
    EXPECT_EQ(results[0], results[2]) << architecture_name(c.arch);
    EXPECT_EQ(losses[0], losses[2]);
  }
}

TEST(ArchitectureTraining, LearnsASeparableToyTask) {
  // Class 1 images are bright in their top half, class 0 in their bottom half.
  const std::size_t n = 64, side = 8;
  ImageSet images{n, side, side, std::vector<std::uint8_t>(n * side * side, 0)};
  std::vector<std::uint8_t> labels(n);
  CounterRng rng(5, Stream::kInit, 1);
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = static_cast<std::uint8_t>(i % 2);
    for (std::size_t p = 0; p < side * side; ++p) {
      const bool top = p < side * side / 2;
      const bool bright = (top == (labels[i] == 1)) && rng.uniform_float() < 0.8f;
      images.pixels[i * side * side + p] = bright ? 200 : 0;
    }
  }
  for (const Case& c : kCases) {
    ArchNetwork net(architecture_layout(c.arch, side, side, c.grid, 2));
    glorot_uniform_init(net, 0);
    TrainConfig config;
    config.epochs = 8;
    config.batch = 16;
    config.learning_rate = 0.01f;
    const auto history = train_architecture(net, images, labels, config);
    EXPECT_LT(history.back().loss, history.front().loss) << architecture_name(c.arch);
    const std::vector<float> logits = arch_predict(net, images, 2);
    std::size_t correct = 0;
    for (std::size_t i = 0; i < n; ++i) {
      correct += (logits[2 * i + 1] > logits[2 * i]) == (labels[i] == 1) ? 1 : 0;
    }
    EXPECT_GE(correct, n * 9 / 10) << architecture_name(c.arch);
  }
}

}  // namespace
}  // namespace savant
