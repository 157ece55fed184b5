// The fused one-hidden-layer engine (src/savant/model/fused_engine.cpp) against the plain loop of
// forward_backward + Adam::step, and against itself on other thread counts.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "savant/kernels/adam.hpp"
#include "savant/model/fused_engine.hpp"
#include "savant/model/network.hpp"
#include "savant/model/train.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

struct Case {
  std::size_t rows, cols, hidden, classes, count, batch;
};

// Images with about half of their pixels exactly zero, as in Fashion-MNIST: the engine skips
// them, and must skip only them.
Split sparse_split(const Case& c, std::uint64_t seed) {
  Split data = testing::random_split(c.count, c.rows, c.cols, static_cast<int>(c.classes), seed);
  for (auto& p : data.images.pixels) p = p < 128 ? 0 : p;
  return data;
}

Network initial_network(const Case& c, std::uint64_t seed) {
  Network net(dense_layout(c.rows * c.cols, c.hidden, 1, c.classes));
  glorot_uniform_init(net, seed);
  return net;
}

// `epochs` epochs of the plain loop, on one thread.
Network plain_training(const Network& initial, const Split& data, std::size_t batch,
                       std::size_t epochs, std::uint64_t seed) {
  const FlushDenormals flush;
  Network net = initial;
  const std::size_t n = data.images.count, pixels = data.images.pixels_per_image();
  Workspace ws(net.layout, batch);
  Adam adam(net.params.size(), AdamConfig{});
  std::vector<float> grad(net.params.size()), x(batch * pixels);
  std::vector<std::uint8_t> y(batch);
  for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
    const auto order = epoch_order(seed, epoch, n);
    for (std::size_t begin = 0; begin < n; begin += batch) {
      const std::size_t rows = std::min(batch, n - begin);
      std::span<const std::uint32_t> idx(order.data() + begin, rows);
      gather_batch(data.images, idx, x.data());
      for (std::size_t r = 0; r < rows; ++r) y[r] = data.labels[idx[r]];
      forward_backward(net, x.data(), y.data(), rows, ws, grad);
      EXPECT_TRUE(adam.step(net.params, grad));
    }
  }
  return net;
}

Network fused_training(const Network& initial, const Split& data, std::size_t batch,
                       std::size_t epochs, std::uint64_t seed, std::size_t threads) {
  const FlushDenormals flush;
  FusedEngine trainer(initial, batch, threads, AdamConfig{});
  for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
    const auto order = epoch_order(seed, epoch, data.images.count);
    EXPECT_EQ(trainer.epoch(data.images, order, data.labels, {}), 0u);
  }
  Network net = initial;
  trainer.store(net);
  return net;
}

class Fused : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (!FusedEngine::supports(dense_layout(4, 4, 1, 2))) {
      GTEST_SKIP() << "no AVX-512 on this CPU or build (or SAVANT_ENGINE=portable): the general "
                      "engine trains";
    }
  }
};

// Shapes: the article's; pixels not a multiple of 16 or 64, hidden units that leave a part
// group (40 = 16 + 16 + 8), more than one panel per thread (200 units = 13 groups), batches
// of more than 32 rows (two words of the nonzero pattern), a last batch that is partial, and
// more classes than one vector holds.
INSTANTIATE_TEST_SUITE_P(Shapes, Fused,
                         ::testing::Values(Case{28, 28, 128, 10, 300, 32},
                                           Case{20, 21, 40, 10, 250, 32},
                                           Case{28, 28, 200, 10, 200, 50},
                                           Case{9, 7, 16, 20, 130, 7}, Case{28, 28, 33, 3, 97, 64}),
                         [](const auto& shape) {
                           const Case& c = shape.param;
                           return std::to_string(c.rows * c.cols) + "_" + std::to_string(c.hidden) +
                                  "_" + std::to_string(c.classes) + "_batch" +
                                  std::to_string(c.batch);
                         });

TEST_P(Fused, SameBitsWhateverThreads) {
  const Case c = GetParam();
  const Split data = sparse_split(c, 5);
  const Network initial = initial_network(c, 3);
  const Network one = fused_training(initial, data, c.batch, 2, 9, 1);
  // More members than this machine has cores is allowed here (the barrier then sleeps).
  for (std::size_t threads : {2, 3, 4, 16}) {
    EXPECT_EQ(fused_training(initial, data, c.batch, 2, 9, threads).params, one.params)
        << threads << " threads";
  }
}

// The same sums as the plain loop, but for the logits, which add their terms a group of 16
// hidden units at a time: equal to rounding, over 2 epochs of updates.
TEST_P(Fused, AgreesWithThePlainLoop) {
  const Case c = GetParam();
  const Split data = sparse_split(c, 5);
  const Network initial = initial_network(c, 3);
  const Network plain = plain_training(initial, data, c.batch, 2, 9);
  const Network fused = fused_training(initial, data, c.batch, 2, 9, 2);
  ASSERT_EQ(plain.params.size(), fused.params.size());
  double worst = 0, moved = 0;
  for (std::size_t i = 0; i < plain.params.size(); ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(plain.params[i] - fused.params[i])));
    moved = std::max(moved, static_cast<double>(std::abs(plain.params[i] - initial.params[i])));
  }
  // Training moved the weights by ~1e-2 (about 2e-3 a step, 2 epochs); rounding apart, the
  // two agree to about 5e-7.
  EXPECT_GT(moved, 1e-3);
  EXPECT_LT(worst, 5e-6) << "moved " << moved;
}

TEST_P(Fused, StoresWhatItLoaded) {
  const Case c = GetParam();
  const Network initial = initial_network(c, 3);
  FusedEngine trainer(initial, c.batch, 2, AdamConfig{});
  Network out(initial.layout);
  trainer.store(out);
  EXPECT_EQ(out.params, initial.params);
}

TEST_F(Fused, ReportsTheStepWhereTheLossStopsBeingFinite) {
  const Case c{28, 28, 128, 10, 320, 32};
  const Split data = sparse_split(c, 5);
  const FlushDenormals flush;
  FusedEngine trainer(initial_network(c, 3), c.batch, 2, AdamConfig{.learning_rate = 1e30f});
  const std::size_t at = trainer.epoch(data.images, epoch_order(9, 1, c.count), data.labels, {});
  EXPECT_GT(at, 0u);
  EXPECT_LE(at, 10u);
}

TEST_F(Fused, ACallbackThatThrowsStopsTheEpoch) {
  const Case c{28, 28, 128, 10, 320, 32};
  const Split data = sparse_split(c, 5);
  const FlushDenormals flush;
  FusedEngine trainer(initial_network(c, 3), c.batch, 2, AdamConfig{});
  std::size_t calls = 0;
  const StepFn stop_at_4 = [&](std::size_t step, std::size_t, const StepResult&) {
    ++calls;
    if (step == 3) throw std::runtime_error("stop");
  };
  EXPECT_THROW(trainer.epoch(data.images, epoch_order(9, 1, c.count), data.labels, stop_at_4),
               std::runtime_error);
  EXPECT_EQ(calls, 4u);
  // The team is still usable.
  EXPECT_EQ(trainer.epoch(data.images, epoch_order(9, 2, c.count), data.labels, {}), 0u);
}

TEST_F(Fused, TrainNetworkUsesItForOneHiddenLayer) {
  const Case c{28, 28, 64, 10, 256, 32};
  const Split data = sparse_split(c, 5);
  const Network initial = initial_network(c, 3);
  Network net = initial;
  train_network(
      net, data.images, data.labels,
      TrainConfig{.epochs = 2, .batch = 32, .learning_rate = 1e-3f, .seed = 9, .threads = 2});
  EXPECT_EQ(net.params, fused_training(initial, data, 32, 2, 9, 1).params);
}

}  // namespace
}  // namespace savant
