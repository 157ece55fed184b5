// Training on corrupted data (Zhang et al. 2017) on a slice of the real Fashion-MNIST: random
// labels and Gaussian images leave the test set at chance while the training accuracy, measured
// against the labels trained on, rises; each epoch's test curves end at the final evaluation.
// Skipped, with a message, when the data set is not installed.

#include <gtest/gtest.h>

#include <cmath>

#include "savant/experiment/experiment.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

ExperimentConfig slice(std::size_t images, std::size_t epochs) {
  ExperimentConfig config;
  config.data = testing::real_data_dir();
  config.train_limit = images;
  config.epochs = epochs;
  return config;
}

TEST(CorruptedTraining, RandomLabelsAreMemorisedButTeachNothing) {
  REQUIRE_REAL_DATA();
  ExperimentConfig config = slice(300, 30);
  config.label_noise = 1;
  config.hidden = 256;
  config.epoch_eval = "none";  // 30 epochs of test curves would cost more than the training
  const TrainResult r = run_train(config, {RegimeKind::kOriginal, 0});
  // Scored against the random labels it trains on: near chance at first, then memorised.
  EXPECT_LT(r.model.history.front().train_accuracy, 0.25);
  EXPECT_GT(r.model.history.back().train_accuracy, 0.6);
  EXPECT_TRUE(std::isnan(r.model.history.back().original_test_accuracy));
  const Dataset data = load_experiment_data(config);
  EXPECT_LT(evaluate(r.model.network, data.test.images, data.test.labels).accuracy(), 0.16);
}

TEST(CorruptedTraining, TestCurvesEndAtTheFinalEvaluation) {
  REQUIRE_REAL_DATA();
  ExperimentConfig config = slice(2000, 2);
  const TrainResult r = run_train(config, {RegimeKind::kShuffled, 0});
  ASSERT_EQ(r.model.history.size(), 2u);
  const Dataset data = load_experiment_data(config);
  const ImageSet shuffled = shuffle_test_images(data.test.images, config);
  ModelReport evaluated = r.model;
  evaluate_model(evaluated, data.test, shuffled);
  const EpochRecord& last = r.model.history.back();
  EXPECT_EQ(last.original_test_accuracy, evaluated.on_original_test.accuracy());
  EXPECT_EQ(last.shuffled_test_accuracy, evaluated.on_shuffled_test.accuracy());
  EXPECT_GT(last.shuffled_test_accuracy, last.original_test_accuracy);
  for (const EpochRecord& e : r.model.history) {
    EXPECT_GT(e.original_test_loss, 0);
    EXPECT_LT(e.shuffled_test_loss, std::log(10.0));  // it learnt something on puzzles
  }
}

TEST(CorruptedTraining, GaussianImagesGiveChanceOnRealImages) {
  REQUIRE_REAL_DATA();
  const ExperimentConfig config = slice(2000, 2);
  const TrainResult r = run_train(config, parse_regime("gaussian"));
  EXPECT_EQ(r.model.name, "gaussian_model");
  EXPECT_LT(r.model.history.back().original_test_accuracy, 0.2);
}

}  // namespace
}  // namespace savant
