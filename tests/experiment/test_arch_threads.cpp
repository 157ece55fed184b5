// Same seed, same bits, whatever the thread count (docs/ARCHITECTURE.md, "Determinism"), for the
// cnn, local and mixer models: training as `savant train` and reproduce train them
// (model/arch_train.hpp cuts every batch into fixed chunks), and their evaluation.

#include <gtest/gtest.h>

#include <set>

#include "savant/experiment/experiment.hpp"
#include "savant/model/arch_train.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

class ArchThreads : public ::testing::TestWithParam<Architecture> {};

}  // namespace

void PrintTo(Architecture arch, std::ostream* os) {
  *os << architecture_name(arch);
}

namespace {

TEST_P(ArchThreads, OneTwoAndFourThreadsGiveTheSameBits) {
  REQUIRE_REAL_DATA();
  ExperimentConfig config;
  config.data = testing::real_data_dir();
  config.model = GetParam();
  config.train_limit = 1000;
  config.epochs = 1;
  config.epoch_eval = "none";
  const Regime shuffled{RegimeKind::kShuffled, 0};

  config.threads = 1;
  const TrainResult one = run_train(config, shuffled);
  ASSERT_TRUE(one.model.arch.has_value());
  const Dataset data = load_experiment_data(config);
  const ImageSet test = first_images(data.test.images, 1000);
  const std::span<const std::uint8_t> labels(data.test.labels.data(), test.count);
  const Evaluation base = evaluate(*one.model.arch, test, labels, 1);
  for (int threads : {2, 4}) {
    SCOPED_TRACE(threads);
    config.threads = threads;
    const TrainResult other = run_train(config, shuffled);
    ASSERT_TRUE(other.model.arch.has_value());
    // The weights, and so the model file's tensors, to the last bit.
    EXPECT_EQ(other.model.arch->params, one.model.arch->params);
    ASSERT_EQ(other.model.history.size(), 1u);
    EXPECT_EQ(other.model.history[0].loss, one.model.history[0].loss);
    EXPECT_EQ(other.model.history[0].train_accuracy, one.model.history[0].train_accuracy);
    const Evaluation e = evaluate(*one.model.arch, test, labels, threads);
    EXPECT_EQ(e.predicted, base.predicted);
    EXPECT_EQ(e.correct, base.correct);
  }
  // The bits compared are those of a model that trained: its weights moved from the Glorot
  // start, and it tells classes apart (not one class for every image).
  ArchNetwork start(one.model.arch->layout);
  glorot_uniform_init(start, config.seed);
  EXPECT_NE(start.params, one.model.arch->params);
  const std::set<std::uint8_t> classes(base.predicted.begin(), base.predicted.end());
  EXPECT_GE(classes.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Models, ArchThreads,
                         ::testing::Values(Architecture::cnn, Architecture::local,
                                           Architecture::mixer),
                         [](const ::testing::TestParamInfo<Architecture>& p) {
                           return std::string(architecture_name(p.param));
                         });

// reproduce trains its two models side by side, each on half the threads: the same numbers as one
// after the other on one thread.
TEST(ArchThreads, ReproduceGivesTheSameNumbersOnOneAndFourThreads) {
  REQUIRE_REAL_DATA();
  ExperimentConfig config;
  config.data = testing::real_data_dir();
  config.model = Architecture::cnn;
  config.train_limit = 500;
  config.epochs = 1;
  config.threads = 1;
  const ReproduceResult one = run_reproduce(config);
  config.threads = 4;
  const ReproduceResult four = run_reproduce(config);
  for (const auto& [a, b] :
       {std::pair{&one.original, &four.original}, std::pair{&one.shuffled, &four.shuffled}}) {
    SCOPED_TRACE(a->name);
    ASSERT_TRUE(a->arch && b->arch);
    EXPECT_EQ(a->arch->params, b->arch->params);
    EXPECT_EQ(a->on_original_test.predicted, b->on_original_test.predicted);
    EXPECT_EQ(a->on_shuffled_test.predicted, b->on_shuffled_test.predicted);
    EXPECT_EQ(a->history[0].original_test_loss, b->history[0].original_test_loss);
    EXPECT_EQ(a->history[0].shuffled_test_accuracy, b->history[0].shuffled_test_accuracy);
  }
}

}  // namespace
}  // namespace savant
