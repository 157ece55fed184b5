// Every engine against the reference step (model/reference_step.hpp), step by step from the
// same start: fused-avx512 (one hidden layer), general-avx512 and general-portable (one and two
// hidden layers), on each instruction set this CPU runs. And the choice of engine itself.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "savant/core/denormals.hpp"
#include "savant/core/error.hpp"
#include "savant/kernels/isa.hpp"
#include "savant/model/engine_choice.hpp"
#include "savant/model/general_engine.hpp"
#include "savant/model/reference_step.hpp"
#include "savant/model/train.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

struct EngineCase {
  Isa isa;
  std::size_t hidden_layers;
  bool fused;  // make_engine's choice (one hidden layer on AVX-512) or the general engine
};

std::string case_name(const ::testing::TestParamInfo<EngineCase>& info) {
  const EngineCase& c = info.param;
  return std::string(c.fused ? "fused_" : "general_") + std::string(isa_name(c.isa)) + "_" +
         std::to_string(c.hidden_layers) + "hidden";
}

class Engines : public ::testing::TestWithParam<EngineCase> {
 protected:
  void SetUp() override {
    if (!isa_available(GetParam().isa)) GTEST_SKIP() << isa_name(GetParam().isa) << " missing";
    select_engine(isa_name(GetParam().isa));
  }
  void TearDown() override { select_engine("auto"); }
};

INSTANTIATE_TEST_SUITE_P(Paths, Engines,
                         ::testing::Values(EngineCase{Isa::avx512, 1, true},
                                           EngineCase{Isa::avx512, 1, false},
                                           EngineCase{Isa::avx512, 2, false},
                                           EngineCase{Isa::portable, 1, false},
                                           EngineCase{Isa::portable, 2, false}),
                         case_name);

// 300 steps of batch 32 (10 epochs of 960 images, half of their pixels zero as in
// Fashion-MNIST) with each engine and with the reference step, comparing the parameters after
// every step. The engines add in other orders (fused multiply-adds, zero inputs skipped, the
// logits by groups of 16 units) and Adam's square root and division are refined estimates in
// the AVX-512 path: the difference is rounding, which the training slowly amplifies. Measured:
// at most 6.2e-7 on any parameter over 300 steps (fused), 0 for general-portable, while the
// weights move by up to 0.2. Bound: 1e-5.
TEST_P(Engines, MatchTheReferenceStepStepByStep) {
  const EngineCase c = GetParam();
  Split data = testing::random_split(960, 28, 28, 10, 5);
  for (auto& p : data.images.pixels) p = p < 128 ? 0 : p;
  Network initial(dense_layout(784, 48, c.hidden_layers, 10));
  glorot_uniform_init(initial, 3);
  const FlushDenormals flush;
  constexpr std::size_t kBatch = 32, kSteps = 300;
  std::unique_ptr<Engine> engine;
  if (c.fused) {
    engine = make_engine(initial, kBatch, 2, AdamConfig{});
    ASSERT_EQ(active_engine_name(initial.layout), "fused-avx512");
  } else {
    engine = std::make_unique<GeneralEngine>(initial, kBatch, 2, AdamConfig{});
  }
  ReferenceState reference(initial, kBatch, AdamConfig{});
  Network current = initial;
  double worst = 0, moved = 0;
  std::vector<std::uint32_t> order;
  for (std::size_t step = 0; step < kSteps; ++step) {
    const std::size_t per_epoch = data.images.count / kBatch, in_epoch = step % per_epoch;
    if (in_epoch == 0) order = epoch_order(9, step / per_epoch + 1, data.images.count);
    const std::span<const std::uint32_t> batch(order.data() + in_epoch * kBatch, kBatch);
    bool finite = false;
    const StepResult expected = reference_step(reference, data.images, batch, data.labels, finite);
    ASSERT_TRUE(finite);
    StepResult got;
    ASSERT_EQ(engine->epoch(data.images, batch, data.labels,
                            [&](std::size_t, std::size_t, const StepResult& r) { got = r; }),
              0u);
    engine->store(current);
    // The loss of the step, from the same parameters to rounding.
    ASSERT_NEAR(got.loss_sum, expected.loss_sum, 1e-3 + 1e-4 * expected.loss_sum)
        << "step " << step;
    for (std::size_t i = 0; i < current.params.size(); ++i) {
      const double d = std::abs(static_cast<double>(current.params[i]) - reference.net.params[i]);
      worst = std::max(worst, d);
      moved = std::max(moved, std::abs(static_cast<double>(current.params[i]) - initial.params[i]));
    }
    ASSERT_LT(worst, 1e-5) << "step " << step << ", engine " << active_engine_name(initial.layout);
  }
  EXPECT_GT(moved, 1e-2);
  RecordProperty("worst_difference", std::to_string(worst));
  std::printf("%s: worst difference %.3g after %zu steps, weights moved up to %.3g\n",
              case_name({c, 0}).c_str(), worst, kSteps, moved);
}

// A learning rate far too large: every engine stops at the first step that is not finite, with
// an error of kind "did not learn" that names the setting to change (the front ends spell it).
TEST_P(Engines, ADivergingTrainingIsATrainingErrorNamingTheLearningRate) {
  const Split data = testing::random_split(64, 8, 8, 10, 1);
  Network net(dense_layout(64, 16, GetParam().hidden_layers, 10));
  glorot_uniform_init(net, 1);
  TrainConfig config;
  config.epochs = 2;
  config.batch = 16;
  config.learning_rate = 1e30f;
  config.name = "m";
  try {
    (void)train_network(net, data.images, data.labels, config);
    FAIL() << "no error";
  } catch (const TrainingError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDidNotLearn);
    EXPECT_EQ(e.setting(), "learning_rate");
    EXPECT_TRUE(std::string(e.what()).starts_with("m: training diverged")) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
}

TEST(EngineChoice, NamesWhatTrains) {
  const auto one = dense_layout(784, 128, 1, 10), two = dense_layout(784, 128, 2, 10);
  select_engine("portable");
  EXPECT_EQ(active_engine_name(one), "general-portable");
  EXPECT_EQ(active_engine_name(two), "general-portable");
  if (isa_available(Isa::avx512)) {
    select_engine("avx512");
    EXPECT_EQ(active_engine_name(one), "fused-avx512");
    EXPECT_EQ(active_engine_name(two), "general-avx512");
  } else {
    EXPECT_THROW(select_engine("avx512"), InvalidSetting);
  }
  select_engine("auto");
  EXPECT_EQ(active_engine_name(two),
            isa_available(Isa::avx512) ? "general-avx512" : "general-portable");
}

TEST(EngineChoice, RejectsAnUnknownName) {
  try {
    select_engine("sse9");
    FAIL() << "no error";
  } catch (const InvalidSetting& e) {
    EXPECT_EQ(e.setting(), "engine");
    EXPECT_EQ(e.value(), "sse9");
  }
}

}  // namespace
}  // namespace savant
