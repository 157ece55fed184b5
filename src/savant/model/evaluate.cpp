#include "savant/model/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "savant/model/train.hpp"

namespace savant {

std::vector<double> Evaluation::per_class_accuracy() const {
  std::vector<double> out(classes, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t t = 0; t < classes; ++t) {
    std::int64_t row = 0;
    for (std::size_t p = 0; p < classes; ++p) row += confusion[t * classes + p];
    if (row > 0)
      out[t] = static_cast<double>(confusion[t * classes + t]) / static_cast<double>(row);
  }
  return out;
}

std::vector<std::vector<std::int64_t>> Evaluation::confusion_rows() const {
  std::vector<std::vector<std::int64_t>> rows(classes);
  for (std::size_t t = 0; t < classes; ++t) {
    rows[t].assign(confusion.begin() + static_cast<std::ptrdiff_t>(t * classes),
                   confusion.begin() + static_cast<std::ptrdiff_t>((t + 1) * classes));
  }
  return rows;
}

namespace {

// Calls `row(k, z)` with the logits z (`classes` of them) of every image k, in order.
template <typename RowFn>
void for_each_logits(const Network& net, const ImageSet& images, RowFn row) {
  constexpr std::size_t kChunk = 500;
  const std::size_t classes = net.layout.sizes().back();
  Workspace ws(net.layout, kChunk);
  std::vector<float> inputs(kChunk * images.pixels_per_image());
  std::vector<std::uint32_t> indices(kChunk);
  for (std::size_t begin = 0; begin < images.count; begin += kChunk) {
    const std::size_t rows = std::min(kChunk, images.count - begin);
    std::iota(indices.begin(), indices.begin() + static_cast<std::ptrdiff_t>(rows),
              static_cast<std::uint32_t>(begin));
    gather_batch(images, std::span(indices.data(), rows), inputs.data());
    std::span<const float> logits = forward(net, inputs.data(), rows, ws);
    for (std::size_t r = 0; r < rows; ++r) row(begin + r, logits.data() + r * classes);
  }
}

}  // namespace

std::size_t best_class(const float* z, std::size_t classes) {
  return static_cast<std::size_t>(std::max_element(z, z + classes) - z);
}

Prediction prediction_of(const float* z, std::size_t classes) {
  const std::size_t best = best_class(z, classes);
  float sum = 0.0f;
  for (std::size_t k = 0; k < classes; ++k) sum += std::exp(z[k] - z[best]);
  return {static_cast<std::uint8_t>(best), 1.0f / sum};
}

std::vector<Prediction> predict(const Network& net, const ImageSet& images) {
  const std::size_t classes = net.layout.sizes().back();
  std::vector<Prediction> out;
  out.reserve(images.count);
  for_each_logits(net, images,
                  [&](std::size_t, const float* z) { out.push_back(prediction_of(z, classes)); });
  return out;
}

double cross_entropy(const float* z, std::size_t classes, std::size_t best, std::uint8_t label) {
  double sum = 0;
  for (std::size_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(z[c] - z[best]));
  return std::log(sum) - static_cast<double>(z[label] - z[best]);
}

Score score(const Network& net, const ImageSet& images, std::span<const std::uint8_t> labels) {
  const std::size_t classes = net.layout.sizes().back();
  double loss = 0;
  std::size_t correct = 0;
  for_each_logits(net, images, [&](std::size_t k, const float* z) {
    const std::size_t best = best_class(z, classes);
    loss += cross_entropy(z, classes, best, labels[k]);
    correct += best == labels[k] ? 1 : 0;
  });
  const double n = static_cast<double>(images.count);
  if (images.count == 0) return {};
  return {loss / n, static_cast<double>(correct) / n};
}

Evaluation evaluate(const Network& net, const ImageSet& images,
                    std::span<const std::uint8_t> labels, Score* score) {
  Evaluation result;
  result.classes = net.layout.sizes().back();
  result.confusion.assign(result.classes * result.classes, 0);
  result.predicted.reserve(images.count);
  double loss = 0;
  for_each_logits(net, images, [&](std::size_t k, const float* z) {
    const std::size_t best = best_class(z, result.classes);
    if (score != nullptr) loss += cross_entropy(z, result.classes, best, labels[k]);
    result.predicted.push_back(static_cast<std::uint8_t>(best));
    ++result.confusion[labels[k] * result.classes + best];
    result.correct += best == labels[k] ? 1 : 0;
  });
  result.total = images.count;
  if (score != nullptr) {
    *score = images.count == 0 ? Score{}
                               : Score{loss / static_cast<double>(images.count), result.accuracy()};
  }
  return result;
}

}  // namespace savant
