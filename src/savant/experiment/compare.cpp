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

HiddenActivations hidden_of(const SavedModel& m, const ImageSet& images, int threads) {
  return m.arch ? hidden_activations(*m.arch, images, threads)
                : hidden_activations(m.network, images, threads);
}

// The pixels per image the model takes, and its classes.
std::size_t inputs_of(const SavedModel& m) {
  return m.arch ? m.arch->layout.rows * m.arch->layout.cols : m.network.layout.in(0);
}
std::size_t classes_of(const SavedModel& m) {
  return m.arch ? m.arch->layout.classes : m.network.layout.sizes().back();
}

TestSetComparison compare_on(const SavedModel& a, const SavedModel& b, const ImageSet& images,
                             std::span<const std::uint8_t> labels, int threads) {
  const HiddenActivations ha = hidden_of(a, images, threads);
  const HiddenActivations hb = hidden_of(b, images, threads);
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

std::string representation(const SavedModel& model) {
  if (!model.arch) {
    return fmt::format("first hidden layer ({} units, after ReLU)", model.network.layout.out(0));
  }
  switch (model.arch->layout.arch) {
    case Architecture::cnn:
      return "fc1, the dense layer before the classes (128 units, after ReLU)";
    case Architecture::local:
      return "conv2's 32 maps after ReLU, each averaged over the image (32 values)";
    case Architecture::mixer:
      return "the mean of the tokens after the channel MLP (64 values)";
    case Architecture::mlp:
      break;
  }
  return "";
}

void check_comparable(const SavedModel& a, const SavedModel& b) {
  for (const SavedModel* m : {&a, &b}) {
    if (!m->arch && m->network.layout.layers() < 2) {
      throw InputError(fmt::format(
          "{} has no hidden layer (a single dense layer from its inputs to its classes): "
          "compare measures the hidden representations of two models",
          m->path.string()));
    }
  }
  if (a.arch && b.arch &&
      (a.arch->layout.rows != b.arch->layout.rows || a.arch->layout.cols != b.arch->layout.cols)) {
    throw InputError(fmt::format(
        "{} takes {}x{} images but {} takes {}x{}: models of different image sizes cannot be "
        "compared on one test set",
        a.path.string(), a.arch->layout.rows, a.arch->layout.cols, b.path.string(),
        b.arch->layout.rows, b.arch->layout.cols));
  }
  if (inputs_of(a) != inputs_of(b)) {
    throw InputError(fmt::format(
        "{} takes {} inputs but {} takes {}: models of different image sizes cannot be compared "
        "on one test set",
        a.path.string(), inputs_of(a), b.path.string(), inputs_of(b)));
  }
  if (classes_of(a) != classes_of(b)) {
    throw InputError(fmt::format(
        "{} has {} classes but {} has {}: their predictions cannot be compared; compare models "
        "trained on the same labels",
        a.path.string(), classes_of(a), b.path.string(), classes_of(b)));
  }
}

CompareReport run_compare(const SavedModel& a, const SavedModel& b, const CompareOptions& options) {
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

  const int classes = static_cast<int>(classes_of(a));
  const Dataset data = load_experiment_data(test, classes);
  const ImageSet& images = data.test.images;
  // check_comparable made both take as many inputs (and, for two arch models, one size).
  const auto fits = [&images](const SavedModel& m) {
    return m.arch ? m.arch->layout.rows == images.rows && m.arch->layout.cols == images.cols
                  : images.pixels_per_image() == inputs_of(m);
  };
  if (!fits(a) || !fits(b)) {
    throw InputError(fmt::format("the models take {} inputs but the images in '{}' are {}x{}",
                                 inputs_of(a), options.data.string(), images.rows, images.cols));
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

  report.representation_a = representation(a);
  report.representation_b = representation(b);
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
  auto model_json = [](const SavedModel& m, const std::string& representation) {
    const Architecture arch = m.arch ? m.arch->layout.arch : Architecture::mlp;
    return nlohmann::json{{"path", m.path.string()},
                          {"trained", trained_json(m)},
                          {"model", architecture_name(arch)},
                          {"representation", representation}};
  };
  return {{"model_a", model_json(a, report.representation_a)},
          {"model_b", model_json(b, report.representation_b)},
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
