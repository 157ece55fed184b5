#include "savant/experiment/compare.hpp"

#include <algorithm>
#include <span>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/data/grid.hpp"
#include "savant/experiment/results_file.hpp"

namespace savant {
namespace {

double accuracy(const HiddenActivations& h, std::span<const std::uint8_t> labels) {
  std::size_t correct = 0;
  for (std::size_t k = 0; k < h.images; ++k) correct += h.predicted[k] == labels[k];
  return h.images > 0 ? static_cast<double>(correct) / static_cast<double>(h.images) : 0.0;
}

TestSetComparison compare_on(const SavedModel& a, const SavedModel& b, const ImageSet& images,
                             std::span<const std::uint8_t> labels, int threads) {
  const HiddenActivations ha = hidden_activations(a.network, images, threads);
  const HiddenActivations hb = hidden_activations(b.network, images, threads);
  return {compare_models(ha, hb), accuracy(ha, labels), accuracy(hb, labels)};
}

void warn_about_shuffles(const SavedModel& a, const SavedModel& b, const ExperimentConfig& test,
                         std::vector<std::string>& warnings) {
  if (!a.provenance) {
    warnings.push_back(
        fmt::format("{} has no savant metadata: its test images are shuffled with the defaults "
                    "(grid {}, shuffle {}, seed {})",
                    a.path.string(), test.grid, to_string(test.shuffle), test.seed));
  }
  // A model trained on original images never saw a shuffle: its grid, shuffle and seed are
  // settings it did not use.
  if (!b.provenance || b.provenance->train_on.kind == RegimeKind::kOriginal) return;
  const ExperimentConfig& other = b.provenance->config;
  if (other.grid != test.grid || other.shuffle != test.shuffle || other.seed != test.seed) {
    warnings.push_back(fmt::format(
        "{} was trained with grid {}, shuffle {}, seed {} but the shuffled test images are {}'s "
        "(grid {}, shuffle {}, seed {})",
        b.path.string(), other.grid, to_string(other.shuffle), other.seed, a.path.string(),
        test.grid, to_string(test.shuffle), test.seed));
  }
}

}  // namespace

void check_comparable(const SavedModel& a, const SavedModel& b) {
  const ParameterLayout &la = a.network.layout, &lb = b.network.layout;
  for (const SavedModel* m : {&a, &b}) {
    if (m->network.layout.layers() < 2) {
      throw InputError(fmt::format(
          "{} has no hidden layer (a single dense layer from its inputs to its classes): "
          "compare measures the first hidden layers of two models",
          m->path.string()));
    }
  }
  if (la.in(0) != lb.in(0)) {
    throw InputError(fmt::format(
        "{} takes {} inputs but {} takes {}: models of different image sizes cannot be compared "
        "on one test set",
        a.path.string(), la.in(0), b.path.string(), lb.in(0)));
  }
  if (la.sizes().back() != lb.sizes().back()) {
    throw InputError(fmt::format(
        "{} has {} classes but {} has {}: their predictions cannot be compared; compare models "
        "trained on the same labels",
        a.path.string(), la.sizes().back(), b.path.string(), lb.sizes().back()));
  }
}

CompareReport run_compare(const SavedModel& a, const SavedModel& b, const CompareOptions& options) {
  for (const SavedModel* model : {&a, &b}) {
    require_dense(*model,
                  "compare measures the linear CKA of dense hidden layers, which only mlp models "
                  "have; comparing other models is not supported yet");
  }
  check_comparable(a, b);
  CompareReport report;
  ExperimentConfig& test = report.test;
  if (a.provenance) test = a.provenance->config;
  test.data = options.data;
  test.threads = options.threads;
  {
    ExperimentConfig used;  // what compare sets, in the ranges validate() checks
    used.threads = options.threads;
    validate(used);
  }

  const int classes = static_cast<int>(a.network.layout.sizes().back());
  const Dataset data = load_experiment_data(test, classes);
  const ImageSet& images = data.test.images;
  if (images.pixels_per_image() != a.network.layout.in(0)) {
    throw InputError(fmt::format("the models take {} inputs but the images in '{}' are {}x{}",
                                 a.network.layout.in(0), options.data.string(), images.rows,
                                 images.cols));
  }
  if (!a.provenance) {
    test.grid = default_grid(images.rows, images.cols);
    if (test.grid == 1) {
      throw InputError(fmt::format(
          "{} records no grid (it has no savant metadata), and no grid of 2 or more divides the "
          "{}x{} test images: compare cannot shuffle them",
          a.path.string(), images.rows, images.cols));
    }
  }
  validate_grid(test.grid, images.rows, images.cols, test.shuffle);
  warn_about_shuffles(a, b, test, report.warnings);
  // The training data each model's metadata names; B's only when it was cut as A's was.
  const std::uint32_t crc = split_digest(data.train);
  for (const SavedModel* m : {&a, &b}) {
    if (!m->provenance || m->provenance->config.train_limit != test.train_limit) continue;
    if (m->provenance->train_crc32 == crc) continue;
    report.warnings.push_back(fmt::format(
        "the training images in '{}' (crc32 {}) are not those {} was trained on (crc32 {}); "
        "its test images may not belong to its training set",
        options.data.string(), crc_text(crc), m->path.string(),
        crc_text(m->provenance->train_crc32)));
  }

  report.test_count = images.count;
  report.images = options.all_images ? images.count : std::min(kUnitTestImages, images.count);
  const ImageSet plain = first_images(images, report.images);
  const ImageSet puzzled = shuffle_test_images(plain, test);
  const std::span<const std::uint8_t> labels(data.test.labels.data(), report.images);
  report.original_test = compare_on(a, b, plain, labels, test.threads);
  report.shuffled_test = compare_on(a, b, puzzled, labels, test.threads);
  return report;
}

nlohmann::json compare_json(const SavedModel& a, const SavedModel& b, const CompareReport& report) {
  const TestSetComparison& o = report.original_test;
  const TestSetComparison& s = report.shuffled_test;
  return {{"model_a", {{"path", a.path.string()}, {"trained", trained_json(a)}}},
          {"model_b", {{"path", b.path.string()}, {"trained", trained_json(b)}}},
          {"test",
           {{"data", report.test.data.string()},
            {"grid", report.test.grid},
            {"shuffle", to_string(report.test.shuffle)},
            {"seed", report.test.seed},
            {"test_images", report.images},
            {"test_count", report.test_count}}},
          {"comparison",
           {{"original_test", comparison_json(o.models)},
            {"shuffled_test", comparison_json(s.models)}}},
          {"accuracy",
           {{"model_a", {{"original_test", o.accuracy_a}, {"shuffled_test", s.accuracy_a}}},
            {"model_b", {{"original_test", o.accuracy_b}, {"shuffled_test", s.accuracy_b}}}}},
          {"warnings", report.warnings}};
}

}  // namespace savant
