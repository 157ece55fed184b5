#pragma once
// Accuracy, per-class accuracy and the confusion matrix of a network on a labelled image set.

#include <cstdint>
#include <span>
#include <vector>

#include "savant/data/idx.hpp"
#include "savant/model/network.hpp"

namespace savant {

struct Evaluation {
  std::size_t classes = 0;
  std::size_t total = 0;
  std::size_t correct = 0;
  // confusion[t * classes + p]: images of true class t predicted as p
  std::vector<std::int64_t> confusion;
  // predicted[k]: the class predicted for image k
  std::vector<std::uint8_t> predicted;

  double accuracy() const {
    return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0;
  }
  std::vector<double> per_class_accuracy() const;  // NaN for a class with no images
  std::vector<std::vector<std::int64_t>> confusion_rows() const;
};

// The index of the largest of `classes` logits z (the first on a tie), and the cross-entropy
// -log softmax(z)[label], shifted by z[best] so that exp cannot overflow. Every model's
// predictions, scores and evaluations are made of these two.
std::size_t best_class(const float* z, std::size_t classes);
double cross_entropy(const float* z, std::size_t classes, std::size_t best, std::uint8_t label);

// The predicted class of every image, and the softmax probability of that class.
struct Prediction {
  std::uint8_t label;
  float confidence;
};
// The prediction of one image from its `classes` logits z.
Prediction prediction_of(const float* z, std::size_t classes);
std::vector<Prediction> predict(const Network& net, const ImageSet& images);

// The mean cross-entropy and the accuracy of a network on labelled images: the test curves of
// each epoch (EpochRecord), from predict's forward pass.
struct Score {
  double loss = 0;
  double accuracy = 0;
};
Score score(const Network& net, const ImageSet& images, std::span<const std::uint8_t> labels);

// The predicted classes, confusion and accuracy on labelled images; with `score`, also score()'s
// numbers, from the same forward pass (the last epoch's test curves and the final evaluation in
// one pass over the test images).
Evaluation evaluate(const Network& net, const ImageSet& images,
                    std::span<const std::uint8_t> labels, Score* score = nullptr);

}  // namespace savant
