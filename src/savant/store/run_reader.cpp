#include "savant/store/run_reader.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_set.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/idx.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/experiment/first_layer.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/formats/model_file.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;

RunResults read_results(const fs::path& run_dir) {
  const fs::path path = run_dir / "results.json";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw SystemError(fmt::format("{} not found: {}", path.string(), kRunDirectoryHint), ENOENT,
                      path.string());
  }
  RunResults results = parse_results_json(read_results_json(path), path);
  // The files the page reads must be the run's own (run_set.hpp), not another run's.
  check_manifest(run_dir, results.run_set);
  return results;
}

Network load_checked_model(const fs::path& path, std::size_t pixels, std::size_t classes) {
  Network network = load_model(path).network;
  const ParameterLayout& layout = network.layout;
  if (layout.in(0) != pixels || layout.sizes().back() != classes) {
    throw Error(fmt::format(
        "{}: the network takes {} inputs and has {} classes, but results.json describes {} "
        "pixels and {} classes; the model files and results.json are from different runs; {}",
        path.string(), layout.in(0), layout.sizes().back(), pixels, classes, kRunDirectoryHint));
  }
  return network;
}

// A cnn, local or mixer model of the run, checked against results.json.
ArchNetwork load_checked_arch_model(const fs::path& path, const RunResults& run) {
  ArchNetwork net = load_arch_model(path).network;
  const ArchLayout& layout = net.layout;
  if (layout.arch != run.model || layout.rows != run.rows || layout.cols != run.cols ||
      layout.classes != run.classes) {
    throw Error(fmt::format(
        "{}: a {} model of {}x{} images and {} classes, but results.json describes a {} model of "
        "{}x{} images and {} classes; the model files and results.json are from different runs; "
        "{}",
        path.string(), architecture_name(layout.arch), layout.rows, layout.cols, layout.classes,
        architecture_name(run.model), run.rows, run.cols, run.classes, kRunDirectoryHint));
  }
  return net;
}

// The run's test set, checked against what results.json says about it.
Split load_test_split(const fs::path& data_dir, const fs::path& results_path,
                      const RunResults& run) {
  Split test;
  try {
    test.images = read_idx_images(find_idx_file(data_dir, "t10k-images-idx3-ubyte"));
    test.labels = read_idx_labels(find_idx_file(data_dir, "t10k-labels-idx1-ubyte"));
  } catch (const Error& e) {
    throw Error(
        fmt::format(
            "the report shows test images from the run's data set, '{}' (the data directory given "
            "to the report, else config.data in {}), and cannot read it: {}. Install it there "
            "(Debian: apt-get install dataset-fashion-mnist) or give the report the data directory "
            "where it is",
            data_dir.string(), results_path.string(), e.what()),
        e.kind());  // a missing data set stays the system's refusal, a damaged one bad input
  }
  if (test.images.rows != run.rows || test.images.cols != run.cols ||
      test.images.count != test.labels.size() || test.images.count == 0) {
    throw Error(fmt::format(
        "{}: the test set holds {} images of {}x{} and {} labels, but results.json describes "
        "{}x{} images; config.data in {} does not point at the run's data set",
        data_dir.string(), test.images.count, test.images.rows, test.images.cols,
        test.labels.size(), run.rows, run.cols, results_path.string()));
  }
  for (std::uint8_t label : test.labels) {
    if (label >= run.classes) {
      throw Error(fmt::format("{}: a test label is {}, but the run has {} classes",
                              data_dir.string(), label, run.classes));
    }
  }
  return test;
}

}  // namespace

StoredRun read_run(const fs::path& run_dir, const fs::path& data_dir) {
  StoredRun run;
  run.dir = run_dir;
  run.results = read_results(run_dir);
  const RunResults& r = run.results;
  const std::size_t pixels = r.rows * r.cols;
  for (std::size_t m = 0; m < kRunModels.size(); ++m) {
    const fs::path file = run_dir / (kRunModels[m] + ".safetensors");
    if (!has_dense_first_layer(r.model)) {
      run.arch[m] = load_checked_arch_model(file, r);
      continue;
    }
    run.networks[m] = load_checked_model(file, pixels, r.classes);
    run.correlations[m] =
        weight_correlation(run.networks[m].kernel(0), pixels, run.networks[m].layout.out(0));
  }
  run.data = data_dir.empty() ? r.data : data_dir;
  Split test = load_test_split(run.data, run_dir / "results.json", r);
  run.shown_original = first_images(test.images, kReportGalleryImages);
  run.shown_shuffled =
      shuffle_images(run.shown_original, r.grid, r.mode, r.seed, Stream::kShuffleTest, 1);
  run.test_labels = std::move(test.labels);
  return run;
}

RunPage run_page(const StoredRun& run) {
  RunPage page;
  page.results = run.results;
  page.networks = {&run.networks[0], &run.networks[1]};
  page.correlations = {std::span<const double>(run.correlations[0]),
                       std::span<const double>(run.correlations[1])};
  if (run.arch[0] && run.arch[1]) page.arch = {&*run.arch[0], &*run.arch[1]};
  page.shown_original = &run.shown_original;
  page.shown_shuffled = &run.shown_shuffled;
  page.test_labels = run.test_labels;
  page.run_dir = run.dir;
  return page;
}

nlohmann::json report_data(const fs::path& run_dir, const fs::path& data_dir, fs::path* data_read) {
  const StoredRun run = read_run(run_dir, data_dir);
  if (data_read != nullptr) *data_read = run.data;
  return report_data(run_page(run));
}

void write_report(const fs::path& run_dir, const fs::path& out, const fs::path& data_dir) {
  fs::path data_read;
  const nlohmann::json data = report_data(run_dir, data_dir, &data_read);
  // The test set may come from results.json: only now is it known.
  const CommandInput inputs[] = {{data_read, "data set"}};
  refuse_output_over_inputs(out, inputs);
  write_file_atomically(out, render_report(data));
}

}  // namespace savant
