#pragma once
// `savant compare`: two saved models side by side on one data set's test images (docs/SPEC.md,
// section 10.6): the linear CKA of their hidden representations (an mlp's first hidden layer; a
// cnn, local or mixer model's last one, representation()) and how often they give the same
// class, on the original test images and on their shuffled copy, and each model's accuracy on
// the same images.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "savant/experiment/steps.hpp"

namespace savant {

struct CompareOptions {
  std::filesystem::path data;
  // The first kUnitTestImages test images, as `savant reproduce` uses; or all of them.
  bool all_images = false;
  int threads = 1;
};

// The two models on one test set.
struct TestSetComparison {
  ModelComparison models;  // CKA and agreement
  double accuracy_a = 0, accuracy_b = 0;
};

struct CompareReport {
  ExperimentConfig test;  // data, grid, shuffle and seed of the shuffled test images
  std::size_t images = 0, test_count = 0;  // test images used, of the test split's
  TestSetComparison original_test, shuffled_test;
  // Reasons to distrust the numbers: B trained on images shuffled otherwise than the test
  // images are, A without metadata, other training data than a model's.
  std::vector<std::string> warnings;
  std::string representation_a, representation_b;  // representation() of each model
};

// Which hidden representation compare measures in the model, in words: "first hidden layer
// (128 units, after ReLU)" for an mlp; for the others their last one (analysis/cka.hpp).
std::string representation(const SavedModel& model);

// Throws Error when the two models cannot be compared: an mlp without a hidden layer, or they
// differ in image size or number of classes. Models of different architectures can be.
void check_comparable(const SavedModel& a, const SavedModel& b);

// The shuffled test images are those of model A's grid, shuffle and seed (its metadata's; the
// defaults of ExperimentConfig when it has none, with default_grid's grid). Throws Error when
// the models differ in input size or number of classes, either has no hidden layer, or the
// data's images are not the models' size. With the first
// kUnitTestImages images and A's configuration, the numbers are those `savant reproduce` writes
// under units/comparison for its two models.
CompareReport run_compare(const SavedModel& a, const SavedModel& b, const CompareOptions& options);

// {"model_a": {"path", "trained", "model", "representation"}, "model_b", "test": {"data", "grid",
// "shuffle", "seed",
//  "test_images", "test_count"}, "comparison": {"original_test", "shuffled_test"}: {"cka",
//  "agreement"}, "accuracy": {"model_a", "model_b"}: {"original_test", "shuffled_test"},
//  "warnings"}; cka is null when undefined.
nlohmann::json compare_json(const SavedModel& a, const SavedModel& b, const CompareReport& report);

}  // namespace savant
