#include <gtest/gtest.h>

#include <cmath>

#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/kernels/adam.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/model/network.hpp"
#include "savant/model/train.hpp"
#include "support/reference_network.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

struct Problem {
  Network net;
  std::vector<float> x;
  std::vector<std::uint8_t> labels;
  std::size_t rows;
};

Problem random_problem(std::vector<std::size_t> sizes, std::size_t rows, std::uint64_t seed) {
  Problem p{Network(ParameterLayout(sizes)), {}, {}, rows};
  glorot_uniform_init(p.net, seed);
  CounterRng rng(seed, Stream::kEpochOrder, 77);
  for (float& b : p.net.params) b += 0.05f * (rng.uniform_float() - 0.5f);  // non-zero biases too
  p.x.resize(rows * sizes.front());
  for (float& v : p.x) v = rng.uniform_float() < 0.3f ? 0.0f : rng.uniform_float();
  for (std::size_t r = 0; r < rows; ++r) {
    p.labels.push_back(
        static_cast<std::uint8_t>(rng.uniform_below(static_cast<std::uint32_t>(sizes.back()))));
  }
  return p;
}

std::vector<double> to_double(const std::vector<float>& v) {
  return {v.begin(), v.end()};
}

TEST(Network, LayoutOffsets) {
  ParameterLayout layout = dense_layout(784, 128, 1, 10);
  EXPECT_EQ(layout.total(), 784u * 128 + 128 + 128 * 10 + 10);
  EXPECT_EQ(layout.bias_offset(0), 784u * 128);
  EXPECT_EQ(layout.kernel_offset(1), 784u * 128 + 128);
  EXPECT_EQ(dense_layout(784, 64, 3, 10).layers(), 4u);
}

TEST(Network, GlorotUniformBoundsAndZeroBias) {
  Network net(dense_layout(784, 128, 1, 10));
  glorot_uniform_init(net, 0);
  const float l1 = std::sqrt(6.0f / (784 + 128)), l2 = std::sqrt(6.0f / (128 + 10));
  double sum = 0, sq = 0;
  for (float w : net.kernel(0)) {
    ASSERT_LE(std::abs(w), l1);
    sum += w;
    sq += w * w;
  }
  const double n = static_cast<double>(net.kernel(0).size());
  EXPECT_NEAR(sum / n, 0.0, 0.002);
  EXPECT_NEAR(sq / n, l1 * l1 / 3.0, 0.0005);  // variance of U(-l, l)
  for (float w : net.kernel(1)) ASSERT_LE(std::abs(w), l2);
  for (float b : net.bias(0)) EXPECT_EQ(b, 0.0f);
  Network again(dense_layout(784, 128, 1, 10));
  glorot_uniform_init(again, 0);
  EXPECT_EQ(net.params, again.params);
}

TEST(Network, FastPathMatchesScalarReference) {
  for (auto sizes :
       {std::vector<std::size_t>{784, 128, 10}, std::vector<std::size_t>{50, 16, 12, 7}}) {
    Problem p = random_problem(sizes, 32, 3);
    Workspace ws(p.net.layout, p.rows);
    std::vector<float> grad(p.net.params.size());
    StepResult fast = forward_backward(p.net, p.x.data(), p.labels.data(), p.rows, ws, grad);
    testing::ReferenceResult ref = testing::reference_forward_backward(
        p.net.layout, to_double(p.net.params), to_double(p.x), p.labels, p.rows);
    EXPECT_NEAR(fast.loss_sum / static_cast<double>(p.rows), ref.loss, 1e-5);
    double max_err = 0, max_ref = 0;
    for (std::size_t i = 0; i < grad.size(); ++i) {
      max_err = std::max(max_err, std::abs(grad[i] - ref.grad[i]));
      max_ref = std::max(max_ref, std::abs(ref.grad[i]));
    }
    EXPECT_LT(max_err, 1e-5 * std::max(1.0, max_ref)) << "largest gradient " << max_ref;
    std::span<const float> logits = forward(p.net, p.x.data(), p.rows, ws);
    for (std::size_t i = 0; i < logits.size(); ++i) EXPECT_NEAR(logits[i], ref.logits[i], 1e-4);
  }
}

TEST(Network, PartialBatchUsesOnlyItsRows) {
  Problem p = random_problem({20, 8, 5}, 7, 4);
  Workspace ws(p.net.layout, 32);  // larger than the batch
  std::vector<float> grad(p.net.params.size());
  forward_backward(p.net, p.x.data(), p.labels.data(), p.rows, ws, grad);
  auto ref = testing::reference_forward_backward(p.net.layout, to_double(p.net.params),
                                                 to_double(p.x), p.labels, p.rows);
  for (std::size_t i = 0; i < grad.size(); ++i) EXPECT_NEAR(grad[i], ref.grad[i], 1e-6);
}

TEST(Network, GradientMatchesFiniteDifferencesInDouble) {
  Problem p = random_problem({12, 9, 8, 5}, 6, 5);
  Workspace ws(p.net.layout, p.rows);
  std::vector<float> grad(p.net.params.size());
  forward_backward(p.net, p.x.data(), p.labels.data(), p.rows, ws, grad);
  std::vector<double> params = to_double(p.net.params);
  const std::vector<double> x = to_double(p.x);
  const double h = 1e-6;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double saved = params[i];
    params[i] = saved + h;
    const double up =
        testing::reference_forward_backward(p.net.layout, params, x, p.labels, p.rows).loss;
    params[i] = saved - h;
    const double down =
        testing::reference_forward_backward(p.net.layout, params, x, p.labels, p.rows).loss;
    params[i] = saved;
    const double numeric = (up - down) / (2 * h);
    EXPECT_NEAR(grad[i], numeric, 1e-5 + 1e-3 * std::abs(numeric)) << "parameter " << i;
  }
}

// The fast softmax (glibc's vector expf, a tree sum) against the reference, on logits from
// -30 to 30, for 1 to 16 classes (and 20, which falls back to the reference), ties included.
TEST(Softmax, FastMatchesReference) {
  CounterRng rng(11, Stream::kInit, 5);
  for (std::size_t K : {1, 2, 3, 10, 15, 16, 20}) {
    const std::size_t B = 33;
    std::vector<float> z(B * K), ref(B * K), fast(B * K);
    std::vector<std::uint8_t> y(B);
    for (float& v : z) v = 60.0f * rng.uniform_float() - 30.0f;
    for (std::size_t i = 0; i < K; ++i) z[i] = 1.5f;  // row 0: all tied
    for (std::size_t b = 0; b < B; ++b)
      y[b] = static_cast<std::uint8_t>(rng.uniform_below(static_cast<std::uint32_t>(K)));
    const StepResult r = softmax_cross_entropy(ref.data(), z.data(), y.data(), B, K, 1.0f / B);
    const StepResult f =
        softmax_cross_entropy_fast(fast.data(), z.data(), y.data(), B, K, 1.0f / B);
    EXPECT_EQ(f.correct, r.correct) << K << " classes";
    EXPECT_NEAR(f.loss_sum, r.loss_sum, 1e-5 * (1.0 + std::abs(r.loss_sum))) << K << " classes";
    for (std::size_t i = 0; i < B * K; ++i) {
      // A few ulp of the largest term of the row (1/B).
      EXPECT_NEAR(fast[i], ref[i], 4e-7f / static_cast<float>(B)) << K << " classes, entry " << i;
    }
  }
}

TEST(Adam, OneStepMatchesHandComputedValues) {
  // Keras: m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(1 - 0.999) / (1 - 0.9),
  // w -= alpha m / (sqrt(v) + 1e-7).
  std::vector<float> w = {1.0f, -2.0f, 0.5f, 0.0f};
  const std::vector<float> g = {0.5f, -0.25f, 0.0f, 1e-3f};
  Adam adam(w.size(), AdamConfig{});
  adam.step(w, g);
  const double alpha = 1e-3 * std::sqrt(1.0 - 0.999) / (1.0 - 0.9);
  const std::vector<double> start = {1.0, -2.0, 0.5, 0.0};
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double m = 0.1 * g[i], v = 0.001 * static_cast<double>(g[i]) * g[i];
    EXPECT_NEAR(w[i], start[i] - alpha * m / (std::sqrt(v) + 1e-7), 1e-7) << i;
  }
  // Second step with the same gradient: bias corrections at t = 2.
  std::vector<float> w2 = w;
  adam.step(w2, g);
  const double alpha2 = 1e-3 * std::sqrt(1.0 - 0.999 * 0.999) / (1.0 - 0.9 * 0.9);
  const double m2 = 0.19 * g[0], v2 = (0.999 * 0.001 + 0.001) * g[0] * g[0];
  EXPECT_NEAR(w2[0], w[0] - alpha2 * m2 / (std::sqrt(v2) + 1e-7), 1e-7);
  EXPECT_EQ(adam.steps(), 2);
}

TEST(Training, LearnsASeparableProblemAndIsDeterministic) {
  // Class = which quarter of the image is bright: a dense net learns it within an epoch.
  Split split;
  split.images = {400, 4, 4, std::vector<std::uint8_t>(400 * 16, 0)};
  CounterRng rng(1, Stream::kInit, 5);
  for (std::size_t k = 0; k < 400; ++k) {
    const std::uint8_t label = static_cast<std::uint8_t>(rng.uniform_below(4));
    split.labels.push_back(label);
    const std::size_t r0 = (label / 2) * 2, c0 = (label % 2) * 2;
    for (std::size_t r = r0; r < r0 + 2; ++r)
      for (std::size_t c = c0; c < c0 + 2; ++c) split.images.pixels[k * 16 + r * 4 + c] = 255;
  }
  auto run = [&] {
    Network net(dense_layout(16, 8, 1, 4));
    glorot_uniform_init(net, 3);
    auto history =
        train_network(net, split.images, split.labels,
                      TrainConfig{.epochs = 3, .batch = 16, .learning_rate = 1e-2f, .seed = 3});
    return std::make_pair(net, history);
  };
  auto [net, history] = run();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_LT(history.back().loss, history.front().loss);
  EXPECT_GT(evaluate(net, split.images, split.labels).accuracy(), 0.95);
  EXPECT_EQ(run().first.params, net.params);
}

TEST(Training, DivergenceStopsWithModelEpochAndStep) {
  Split split = testing::random_split(64, 4, 4, 3, 2);
  Network net(dense_layout(16, 8, 1, 3));
  glorot_uniform_init(net, 0);
  net.params[0] = std::numeric_limits<float>::infinity();
  try {
    train_network(net, split.images, split.labels, TrainConfig{.epochs = 1, .name = "test_model"});
    FAIL() << "expected divergence";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("test_model"), std::string::npos) << msg;
    EXPECT_NE(msg.find("epoch 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("step 1"), std::string::npos) << msg;
  }
}

TEST(Training, EpochOrderIsAPermutationThatChangesEachEpoch) {
  auto a = epoch_order(0, 1, 1000), b = epoch_order(0, 2, 1000);
  EXPECT_NE(a, b);
  std::sort(a.begin(), a.end());
  for (std::uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(a[i], i);
}

TEST(Evaluate, ConfusionAndPerClassAccuracy) {
  Evaluation e;
  e.classes = 2;
  e.confusion = {3, 1, 0, 4};
  e.total = 8;
  e.correct = 7;
  EXPECT_DOUBLE_EQ(e.accuracy(), 7.0 / 8.0);
  auto per = e.per_class_accuracy();
  EXPECT_DOUBLE_EQ(per[0], 0.75);
  EXPECT_DOUBLE_EQ(per[1], 1.0);
}

}  // namespace
}  // namespace savant
