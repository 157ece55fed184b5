// The Python module savant._savant: a thin layer over the library's public functions.
// Training and every long computation run with the GIL released; Ctrl-C is checked from the
// training's progress callback. Errors: each kind of the library's errors becomes a subclass of
// savant.Error that is also the matching built-in (translate_error).

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <pybind11/eval.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "arrays.hpp"
#include "savant/analysis/weight_correlation.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/output_path.hpp"
#include "savant/core/output_set.hpp"
#include "savant/core/version.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/experiment/compare.hpp"
#include "savant/experiment/experiment.hpp"
#include "savant/experiment/first_layer.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/results_schema.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/experiment/settings.hpp"
#include "savant/experiment/steps.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/formats/model_file.hpp"
#include "savant/model/arch_train.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/store/run_store.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/driver.hpp"
#include "savant/sweep/sweep.hpp"
#include "settings.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace savant::python {
namespace {

// A trained network with what is known about it: the model file's metadata (empty for a model
// made from arrays), the training history, and for a model trained here the engine, the seed
// and what says that it did not learn (training_warnings).
struct Model {
  std::string name = "model";
  Network network;                  // an mlp model's; empty for the others
  std::optional<ArchNetwork> arch;  // a cnn, local or mixer model's (model/architecture.hpp)
  std::map<std::string, std::string> metadata;
  std::vector<EpochRecord> history;
  std::string engine = {};
  std::optional<std::uint64_t> seed = {};
  std::vector<std::string> warnings = {};
};

// What needs a dense network (an mlp model): `what` says what, for the message.
void require_dense(const Model& model, std::string_view what) {
  if (!model.arch) return;
  throw UsageError(fmt::format("{} is a {} model: {} needs a dense network (an mlp model)",
                               model.name, architecture_name(model.arch->layout.arch), what));
}

Model trained_model(const ModelReport& report, std::map<std::string, std::string> metadata,
                    std::uint64_t seed) {
  return Model{report.name,    report.network, report.arch, std::move(metadata),
               report.history, report.engine,  seed,        report.warnings};
}

// A cnn, local or mixer model's tensors under PyTorch's names, in PyTorch's layout and shapes
// (copies): what load_state_dict takes.
py::dict state_dict(const Model& m) {
  if (!m.arch) {
    throw UsageError(fmt::format(
        "{} is an mlp model: its weights are Model.weights (Keras' layout, kernel (in, out))",
        m.name));
  }
  py::dict out;
  for (const TensorSpec& t : m.arch->layout.tensors) {
    std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end());
    out[py::str(t.name)] = to_numpy(torch_layout(t, m.arch->params), shape);
  }
  return out;
}

// The image size a model takes, and a message when `images` are not of it.
void check_image_size(const Model& model, const ImageSet& images) {
  if (model.arch) {
    const ArchLayout& l = model.arch->layout;
    if (images.rows != l.rows || images.cols != l.cols) {
      throw py::value_error(fmt::format("the {} model takes {}x{} images but the images are {}x{}",
                                        architecture_name(l.arch), l.rows, l.cols, images.rows,
                                        images.cols));
    }
    return;
  }
  if (images.rows * images.cols != model.network.layout.in(0)) {
    throw py::value_error(fmt::format("the model takes {} inputs but the images have {}x{} pixels",
                                      model.network.layout.in(0), images.rows, images.cols));
  }
}

py::list history_list(const std::vector<EpochRecord>& history) {
  py::list out;
  for (const EpochRecord& e : history) {
    out.append(py::dict("epoch"_a = e.epoch, "loss"_a = e.loss,
                        "train_accuracy"_a = e.train_accuracy, "seconds"_a = e.seconds,
                        "original_test_loss"_a = e.original_test_loss,
                        "original_test_accuracy"_a = e.original_test_accuracy,
                        "shuffled_test_loss"_a = e.shuffled_test_loss,
                        "shuffled_test_accuracy"_a = e.shuffled_test_accuracy));
  }
  return out;
}

// The network's parameters as NumPy views into the model (no copy), in Keras' order.
py::list weight_views(py::object self) {
  Model& m = self.cast<Model&>();
  require_dense(m, "weights (Keras' layout; its tensors are Model.state_dict)");
  py::list out;
  for (std::size_t l = 0; l < m.network.layout.layers(); ++l) {
    const auto in = static_cast<py::ssize_t>(m.network.layout.in(l));
    const auto outs = static_cast<py::ssize_t>(m.network.layout.out(l));
    out.append(py::array_t<float>({in, outs}, m.network.kernel(l).data(), self));
    out.append(py::array_t<float>({outs}, m.network.bias(l).data(), self));
  }
  return out;
}

// The progress callback handed to the library. It runs on training threads, with the GIL
// released: it takes the GIL only to call `callback` (when given) and, on the thread that
// called into the module (the only one where Python handles signals), to check for Ctrl-C
// (PyErr_CheckSignals) every 50 ms at most. Either raising stops training by throwing; the
// other model's thread of a reproduction then stops at its next report.
class Progress {
 public:
  explicit Progress(py::object callback) : state_(std::make_shared<State>()) {
    state_->callback = std::move(callback);
    state_->caller = std::this_thread::get_id();
  }
  ~Progress() {
    py::gil_scoped_acquire gil;  // the callback's reference is dropped with the GIL held
    state_->callback = py::none();
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  ProgressFn fn() const {
    return [state = state_](const TrainProgress& p) {
      if (state->stopped) throw Stopped{};
      const bool caller = std::this_thread::get_id() == state->caller;
      const bool check_signals = caller && p.elapsed_seconds >= state->next_signal_check;
      if (!check_signals && state->callback.is_none()) return;
      py::gil_scoped_acquire gil;
      try {
        if (check_signals) {
          state->next_signal_check = p.elapsed_seconds + 0.05;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        }
        if (!state->callback.is_none()) {
          state->callback(py::dict("name"_a = p.name, "epoch"_a = p.epoch, "epochs"_a = p.epochs,
                                   "step"_a = p.step, "steps"_a = p.steps, "loss"_a = p.loss,
                                   "accuracy"_a = p.accuracy,
                                   "elapsed_seconds"_a = p.elapsed_seconds));
        }
      } catch (...) {
        state->stopped = true;
        throw;
      }
    };
  }

 private:
  // Thrown on the other training thread once one has stopped: the first error is the one
  // reported.
  struct Stopped : std::exception {
    const char* what() const noexcept override { return "training stopped"; }
  };
  struct State {
    py::object callback;
    std::thread::id caller;
    double next_signal_check = 0;  // touched on the caller's thread only
    std::atomic<bool> stopped = false;
  };
  std::shared_ptr<State> state_;
};

ShuffleMode shuffle_mode(const std::string& text) {
  return parse_shuffle_mode(text);
}

Stream shuffle_stream(const std::string& split) {
  if (split == "train") return Stream::kShuffleTrain;
  if (split == "test") return Stream::kShuffleTest;
  throw UsageError(
      fmt::format("split '{}': expected 'train' or 'test' (the permutations of the "
                  "training and of the test images differ)",
                  split));
}

py::dict load(const std::filesystem::path& dir, int classes, std::size_t train_limit) {
  classes_setting(classes);
  ExperimentConfig config;
  config.data = dir;
  config.train_limit = train_limit;
  Dataset data;
  std::uint32_t digest = 0;
  std::vector<std::string> names;
  {
    py::gil_scoped_release release;
    data = load_experiment_data(config, classes);
    digest = split_digest(data.train);
    names = class_names(dir, classes);
  }
  const auto count = [](const std::vector<std::uint8_t>& v) {
    return std::vector<py::ssize_t>{static_cast<py::ssize_t>(v.size())};
  };
  py::dict out("dir"_a = data.dir, "classes"_a = data.classes, "class_names"_a = names,
               "train_crc32"_a = digest);
  auto train_count = count(data.train.labels), test_count = count(data.test.labels);
  out["train_images"] = images_to_numpy(std::move(data.train.images));
  out["train_labels"] = to_numpy(std::move(data.train.labels), train_count);
  out["test_images"] = images_to_numpy(std::move(data.test.images));
  out["test_labels"] = to_numpy(std::move(data.test.labels), test_count);
  return out;
}

py::array_t<std::uint8_t> shuffle(const py::object& images, int grid, const std::string& mode,
                                  std::uint64_t seed, const std::string& split,
                                  std::optional<int> threads) {
  const ImagesArg in(images, "images");
  const ShuffleMode m = shuffle_mode(mode);
  const Stream stream = shuffle_stream(split);
  validate_grid(grid, in.get().rows, in.get().cols, m);
  const int workers = threads_setting(threads);
  ImageSet out;
  {
    py::gil_scoped_release release;
    out = shuffle_images(in.get(), grid, m, seed, stream, workers);
  }
  return images_to_numpy(std::move(out));
}

Model train(const py::object& images, const py::object& labels, const py::dict& settings,
            int classes, const std::string& name, const py::object& callback) {
  ExperimentConfig config = experiment_config(settings);
  classes_setting(classes);
  const ImagesArg in(images, "images");
  if (in.get().count == 0) throw py::value_error("images holds no image to train on");
  const LabelsArg y(labels, in.get().count, static_cast<std::size_t>(classes), "labels");
  ModelReport report;
  report.name = name;
  {
    const Progress progress(callback);
    py::gil_scoped_release release;
    // The images as given: the caller has shuffled them already if it wanted to.
    TrainingImages training(in.get(), Regime{}, config.grid, config.shuffle, config.seed,
                            config.threads);
    train_model(report, config, training, y.get(), classes, progress.fn(), config.threads);
  }
  return trained_model(report, {}, config.seed);
}

// savant train: the same data, shuffling and training as the command line, and its metadata.
Model train_on(const std::string& train_on, const py::dict& settings, const py::object& callback) {
  const ExperimentConfig config = experiment_config(settings);
  const Regime which = parse_regime(train_on);
  TrainResult result;
  {
    const Progress progress(callback);
    {
      py::gil_scoped_release release;
      result = run_train(config, which, progress.fn());
    }
  }
  return trained_model(result.model, model_metadata(result.provenance), config.seed);
}

py::dict evaluation_dict(Evaluation&& e) {
  const auto c = static_cast<py::ssize_t>(e.classes);
  std::vector<double> per_class = e.per_class_accuracy();
  return py::dict("accuracy"_a = e.accuracy(), "correct"_a = e.correct, "total"_a = e.total,
                  "per_class_accuracy"_a = to_numpy(std::move(per_class), {c}),
                  "confusion"_a = to_numpy(std::move(e.confusion), {c, c}));
}

// Throws ValueError when a weight is NaN or infinite: every logit would be NaN and every image
// given class 0, numbers that look like results and mean nothing. Model() and load_model refuse
// such weights; this catches those written into Model.weights since.
void check_finite(const Model& model) {
  if (model.arch) {
    for (std::size_t i = 0; i < model.arch->params.size(); ++i) {
      if (!std::isfinite(model.arch->params[i])) {
        throw py::value_error(fmt::format(
            "{}: parameter {} is {}: the model's weights are not finite, so its predictions "
            "would mean nothing",
            model.name, i, model.arch->params[i]));
      }
    }
    return;
  }
  if (const std::string bad = first_non_finite(model.network); !bad.empty()) {
    throw py::value_error(fmt::format(
        "{}: {}: the model's weights are not finite, so its predictions would mean nothing",
        model.name, bad));
  }
}

py::dict evaluate_arrays(const Model& model, const py::object& images, const py::object& labels) {
  check_finite(model);
  const ImagesArg in(images, "images");
  if (in.get().count == 0) {
    throw py::value_error("images holds no image: an accuracy over no images is not defined");
  }
  check_image_size(model, in.get());
  const std::size_t classes =
      model.arch ? model.arch->layout.classes : model.network.layout.sizes().back();
  const LabelsArg y(labels, in.get().count, classes, "labels");
  const int threads = threads_setting(std::nullopt);
  Evaluation e;
  {
    py::gil_scoped_release release;
    e = model.arch ? evaluate(*model.arch, in.get(), y.get(), threads)
                   : evaluate(model.network, in.get(), y.get());
  }
  return evaluation_dict(std::move(e));
}

py::tuple predict_model(const Model& model, const py::object& images) {
  check_finite(model);
  const ImagesArg in(images, "images");
  check_image_size(model, in.get());
  const int threads = threads_setting(std::nullopt);
  std::vector<Prediction> predictions;
  {
    py::gil_scoped_release release;
    predictions =
        model.arch ? predict(*model.arch, in.get(), threads) : predict(model.network, in.get());
  }
  std::vector<std::uint8_t> labels(predictions.size());
  std::vector<float> confidence(predictions.size());
  for (std::size_t k = 0; k < predictions.size(); ++k) {
    labels[k] = predictions[k].label;
    confidence[k] = predictions[k].confidence;
  }
  const std::vector<py::ssize_t> n = {static_cast<py::ssize_t>(predictions.size())};
  return py::make_tuple(to_numpy(std::move(labels), n), to_numpy(std::move(confidence), n));
}

py::array_t<double> correlation(const py::object& kernel) {
  const py::array_t<float> k = checked_array<float>(kernel, 2, "kernel");
  const auto pixels = static_cast<std::size_t>(k.shape(0));
  const auto hidden = static_cast<std::size_t>(k.shape(1));
  if (pixels == 0 || hidden == 0) {
    throw py::value_error(fmt::format(
        "kernel must have a row per pixel and a column per hidden unit, both at least one; got "
        "shape ({}, {})",
        pixels, hidden));
  }
  std::vector<double> r;
  {
    py::gil_scoped_release release;
    r = weight_correlation({k.data(), pixels * hidden}, pixels, hidden);
  }
  const auto p = static_cast<py::ssize_t>(pixels);
  return to_numpy(std::move(r), {p, p});
}

// R as a checked float64 (pixels, pixels) array for an image of rows x cols.
py::array_t<double> correlation_arg(const py::object& R, std::size_t rows, std::size_t cols) {
  py::array_t<double> r = checked_array<double>(R, 2, "R");
  if (rows == 0 || cols == 0) {
    throw py::value_error(
        fmt::format("rows={}, cols={}: an image has at least one of each", rows, cols));
  }
  // R's sides are at most PY_SSIZE_T_MAX; a larger product cannot be its size (nor wrap around).
  const auto largest = static_cast<std::size_t>(std::numeric_limits<py::ssize_t>::max());
  if (rows > largest / cols) {
    throw py::value_error(fmt::format("rows={}, cols={}: R for images of {}x{} pixels cannot exist",
                                      rows, cols, rows, cols));
  }
  const auto p = static_cast<py::ssize_t>(rows * cols);
  if (r.shape(0) != p || r.shape(1) != p) {
    throw py::value_error(fmt::format("R must be ({0}, {0}) for {1}x{2} images; got ({3}, {4})", p,
                                      rows, cols, r.shape(0), r.shape(1)));
  }
  return r;
}

py::array_t<double> adjacent(const py::object& R, std::size_t rows, std::size_t cols) {
  const py::array_t<double> r = correlation_arg(R, rows, cols);
  std::vector<double> a =
      adjacent_correlation({r.data(), static_cast<std::size_t>(r.size())}, rows, cols);
  return to_numpy(std::move(a), {static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
}

py::dict signature_dict(const GridSignature& s) {
  return py::dict("within"_a = s.within, "across"_a = s.across, "contrast"_a = s.contrast,
                  "within_pairs"_a = s.within_pairs, "across_pairs"_a = s.across_pairs);
}

py::dict signature(const py::object& R, std::size_t rows, std::size_t cols, int grid) {
  const py::array_t<double> r = correlation_arg(R, rows, cols);
  validate_grid(grid, rows, cols, ShuffleMode::kNone);
  return signature_dict(
      grid_signature({r.data(), static_cast<std::size_t>(r.size())}, rows, cols, grid));
}

// The whole experiment, kept as the library returns it; Python reads it through views.
struct Reproduction {
  ReproduceResult result;
};

Reproduction reproduce(const py::dict& settings, const py::object& callback) {
  const ExperimentConfig config = experiment_config(settings);
  Reproduction r;
  const Progress progress(callback);
  {
    py::gil_scoped_release release;
    r.result = run_reproduce(config, progress.fn());
  }
  return r;
}

void write_run(Reproduction& r, const std::filesystem::path& out, bool report) {
  {
    py::gil_scoped_release release;
    // As the CLI does: the set is written beside `out` and swapped in whole.
    OutputSet set = open_run_directory(out, r.result.config);
    commit_run(r.result, set, kDefaultFigureFormats, false, report);
  }
}

Model report_model(const Reproduction& r, const Regime& which) {
  const ModelReport& m =
      which.kind == RegimeKind::kOriginal ? r.result.original : r.result.shuffled;
  return trained_model(m, model_metadata(provenance_of(r.result, which)), r.result.config.seed);
}

// A read-only view of one of the result's matrices; the Reproduction object stays alive with
// it. Read-only, as write() writes them to results.json and draws the report from them: an edit
// would reach the files. NumPy refuses to make it writable again
// (its base, the Reproduction, is no writable buffer).
py::array_t<double> matrix_view(py::object self, bool shuffled, bool full) {
  const Reproduction& r = self.cast<const Reproduction&>();
  const ModelReport& m = shuffled ? r.result.shuffled : r.result.original;
  if (!has_dense_first_layer(r.result.config.model)) {
    throw UsageError(pixel_map_reason(r.result.config.model));
  }
  const auto rows = static_cast<py::ssize_t>(r.result.rows);
  const auto cols = static_cast<py::ssize_t>(r.result.cols);
  py::array_t<double> view =
      full ? py::array_t<double>({rows * cols, rows * cols}, m.correlation.data(), self)
           : py::array_t<double>({rows, cols}, m.adjacent.data(), self);
  view.attr("setflags")("write"_a = false);
  return view;
}

// load_saved_model checks savant's metadata against the tensors and keeps every metadata key.
Model read_model(const std::filesystem::path& path) {
  SavedModel saved = load_saved_model(path);
  std::string name = saved.provenance ? model_name(saved.provenance->train_on) : "model";
  Model model{std::move(name),
              std::move(saved.network),
              std::move(saved.arch),
              std::move(saved.metadata),
              {}};
  if (saved.provenance) {
    model.engine = saved.provenance->engine;
    model.seed = saved.provenance->config.seed;
  }
  return model;
}

// savant compare: the models as the command reads their files; {"model_a", ...} as JSON text.
std::string compare(const Model& a, const Model& b, const std::filesystem::path& data,
                    bool all_images, std::optional<int> threads) {
  check_finite(a);
  check_finite(b);
  require_dense(a, "compare");
  require_dense(b, "compare");
  const int workers = threads_setting(threads);
  // Their metadata checked against their weights, as load_model checks a file's.
  const SavedModel sa = saved_model(a.name, a.network, a.metadata);
  const SavedModel sb = saved_model(b.name, b.network, b.metadata);
  check_comparable(sa, sb);  // an InputError: savant.InputError, a ValueError
  {
    py::gil_scoped_release release;
    return compare_json(sa, sb, run_compare(sa, sb, {data, all_images, workers})).dump();
  }
}

void write_model(const Model& model, const std::filesystem::path& path) {
  check_output_path(path, kBesideFile);  // UTF-8 and within the system's limits
  if (model.arch) {
    save_arch_model(path, *model.arch, model.metadata);  // PyTorch's names and layout
  } else {
    save_model(path, model.network, model.metadata);
  }
}

std::string read_results(const std::filesystem::path& path) {
  // A regular file of a legitimate size only, and every key the report uses, checked.
  std::string text = read_results_json(path);
  parse_results_json(text, path);
  return text;
}

// Runs the jobs of a sweep that `db` does not hold yet, through the command line's driver
// (sweep/driver.hpp): the same checks and claims; returns how many ran and failed.
py::dict sweep(const std::filesystem::path& db, const py::dict& settings,
               std::optional<int> threads) {
  SweepSpec spec = sweep_spec(settings);
  spec.base.threads = threads_setting(threads);
  SweepPlace place;
  place.db = db;
  SweepEvents events;
  // Ctrl-C: checked while the jobs run (the GIL is released); the jobs that are training
  // stop, those recorded stay, and KeyboardInterrupt is raised.
  events.poll = [] {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };
  SweepTally tally;
  {
    py::gil_scoped_release release;
    tally = run_sweep(spec, place, events);
  }
  return py::dict("jobs"_a = tally.jobs, "ran"_a = tally.ran, "failed"_a = tally.failed,
                  "elsewhere"_a = tally.elsewhere);
}

// The table of settings (experiment/settings.hpp): what the keyword arguments are.
py::list settings_table() {
  py::list out;
  const ExperimentConfig defaults;
  for (const Setting& s : savant::settings()) {
    const char* type = s.type == SettingType::kWhole    ? "whole"
                       : s.type == SettingType::kNumber ? "number"
                       : s.type == SettingType::kChoice ? "choice"
                                                        : "path";
    py::list uses;
    for (const auto& [bit, name] : {std::pair{kTrains, "trains"},
                                    {kSweepAxis, "sweep_axis"},
                                    {kSweepOnce, "sweep_once"},
                                    {kRecorded, "recorded"}}) {
      if (s.has(bit)) uses.append(name);
    }
    out.append(py::dict("name"_a = s.name, "type"_a = type, "default"_a = s.text(defaults),
                        "choices"_a = s.choices, "help"_a = s.help, "uses"_a = uses));
  }
  return out;
}

// Every job of a sweep database, one dict per job: its configuration as the library names it
// (config_json), its seed and key, and its numbers.
py::list read_sweep(const std::filesystem::path& db) {
  std::vector<StoredJob> jobs = SweepDb(db, SweepDb::Mode::kReadOnly).read_all();
  py::module_ json = py::module_::import("json");
  py::list out;
  for (const StoredJob& job : jobs) {
    py::dict row = json.attr("loads")(config_json(job.config).dump());
    row["seed"] = job.config.seed;
    row["job_key"] = job_key(job.config);
    row["status"] = job.status;
    row["error"] = job.error;
    const JobResult& r = job.result;
    row["original_test"] = r.original_test.accuracy();
    row["shuffled_test"] = r.shuffled_test.accuracy();
    row["within"] = r.signature.within;
    row["across"] = r.signature.across;
    row["contrast"] = r.signature.contrast;
    for (const UnitColumn& u : kUnitColumns) row[u.name] = r.units.*u.field;
    row["train_seconds"] = r.train_seconds;
    row["history"] = history_list(r.history);
    row["started_at"] = r.started_at;
    row["finished_at"] = r.finished_at;
    row["savant_version"] = job.savant_version;
    row["host"] = job.host;
    out.append(row);
  }
  return out;
}

// savant.Error and its subclasses, one per kind of the library's errors (core/error.hpp), each
// also a built-in exception where one fits, so that `except ValueError` and `except OSError`
// catch what they should: a setting or a call -> UsageError/SettingError (ValueError), content
// savant cannot use -> InputError (ValueError), training that diverged -> TrainingError (a
// RuntimeError, as savant.Error is: no built-in means "did not learn"), the system's refusal ->
// FileError (OSError, with errno, strerror and filename), a limit or memory -> ResourceError
// (MemoryError). Defined in Python: a FileError's str() is savant's message, not OSError's
// "[Errno 2] ...: 'path'", which would say the path twice.
constexpr const char* kErrorClasses = R"(
class Error(RuntimeError):
    """An error that savant reports; its subclasses say which kind."""

class UsageError(Error, ValueError):
    """How a function was called: a combination of arguments, a missing input."""

class SettingError(UsageError):
    """A setting with a bad value; `setting` and `value` name it."""
    setting = None
    value = None

class InputError(Error, ValueError):
    """A file, directory or array whose content savant cannot use."""

class TrainingError(Error):
    """Training that diverged (the loss or the weights not finite): the model learned nothing
    usable. `setting` names the setting to change (e.g. learning_rate), or is None."""
    setting = None

class FileError(Error, OSError):
    """The operating system refused: open, read, write, rename, lock, space. `errno` and
    `filename` say what and where."""
    def __str__(self):
        return self.strerror if self.strerror is not None else super().__str__()

class ResourceError(Error, MemoryError):
    """Over a limit savant sets (image size, file size, nesting), or out of memory."""
)";

// The classes of kErrorClasses, made in the module once; the translator raises them.
py::dict& error_classes() {
  static py::dict* classes = new py::dict();  // outlives the interpreter's module teardown
  return *classes;
}

void define_error_classes(py::module_& module) {
  py::dict& ns = error_classes();
  ns["__name__"] = module.attr("__name__");
  py::exec(kErrorClasses, ns);
  for (const char* name : {"Error", "UsageError", "SettingError", "InputError", "TrainingError",
                           "FileError", "ResourceError"}) {
    module.attr(name) = ns[name];
  }
}

void raise(const char* name, const py::object& error) {
  PyErr_SetObject(error_classes()[name].ptr(), error.ptr());
}

void raise(const char* name, const std::string& message) {
  raise(name, error_classes()[name](message));
}

// OSError's errno, strerror and filename, set on the instance: OSError(errno, strerror,
// filename) would not parse them for a class whose first base is savant.Error.
void raise_file_error(int code, const std::string& message, const std::string& path) {
  py::object error = error_classes()["FileError"](message);
  error.attr("errno") = code != 0 ? py::object(py::int_(code)) : py::none();
  error.attr("strerror") = message;
  error.attr("filename") = path.empty() ? py::none() : py::object(py::str(path));
  raise("FileError", error);
}

// The library's errors as savant.Error's subclasses (kErrorClasses).
void translate_error(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const InvalidSetting& e) {
    py::object error = error_classes()["SettingError"](
        fmt::format("{}={}: {}", e.setting(), e.value(), e.problem()));
    error.attr("setting") = e.setting();
    error.attr("value") = e.value();
    raise("SettingError", error);
  } catch (const TrainingError& e) {
    py::object error = error_classes()["TrainingError"](e.what());
    if (!e.setting().empty()) error.attr("setting") = e.setting();
    raise("TrainingError", error);
  } catch (const SystemError& e) {
    raise_file_error(e.code(), e.what(), e.path());
  } catch (const Error& e) {
    switch (e.kind()) {
      case ErrorKind::kInvalidSetting:
      case ErrorKind::kUsage:
        raise("UsageError", e.what());
        break;
      case ErrorKind::kInput:
        raise("InputError", e.what());
        break;
      case ErrorKind::kDidNotLearn:
        raise("TrainingError", e.what());
        break;
      case ErrorKind::kSystem:
        raise_file_error(0, e.what(), "");
        break;
      case ErrorKind::kResource:
        raise("ResourceError", e.what());
        break;
    }
  } catch (const std::filesystem::filesystem_error& e) {
    raise_file_error(e.code().value(), e.what(), e.path1().string());
  } catch (const std::bad_alloc&) {
    raise("ResourceError", "out of memory; try a smaller network, batch or data set");
  }
}

}  // namespace
}  // namespace savant::python

PYBIND11_MODULE(_savant, module) {
  using namespace savant;
  using namespace savant::python;
  module.doc() = "savant's library from Python; use the package `savant`, not this module";
  module.attr("__version__") = std::string(kVersion);

  define_error_classes(module);
  py::register_exception_translator(translate_error);

  py::class_<Model>(module, "Model")
      .def(py::init([](const py::sequence& weights, std::map<std::string, std::string> metadata,
                       std::string name) {
             Model model{std::move(name),
                         network_from_weights(weights),
                         std::nullopt,
                         std::move(metadata),
                         {}};
             check_finite(model);
             return model;
           }),
           "weights"_a, "metadata"_a = std::map<std::string, std::string>{}, "name"_a = "model")
      .def_readonly("name", &Model::name)
      .def_readonly("metadata", &Model::metadata)
      .def_property_readonly("sizes",
                             [](const Model& m) {
                               require_dense(m, "sizes (the dense layers' widths)");
                               return m.network.layout.sizes();
                             })
      .def_property_readonly(
          "architecture",
          [](const Model& m) {
            return std::string(architecture_name(m.arch ? m.arch->layout.arch : Architecture::mlp));
          })
      .def_property_readonly("state_dict", &state_dict)
      .def_property_readonly(
          "parameters",
          [](const Model& m) { return m.arch ? m.arch->params.size() : m.network.params.size(); })
      .def_property_readonly("history", [](const Model& m) { return history_list(m.history); })
      .def_property_readonly("weights", &weight_views)
      .def_property_readonly("engine",
                             [](const Model& m) -> py::object {
                               return m.engine.empty() ? py::none() : py::object(py::str(m.engine));
                             })
      .def_readonly("seed", &Model::seed)
      .def_readonly("warnings", &Model::warnings);

  module.def("load", &load, "dir"_a, "classes"_a = 10, "train_limit"_a = 0);
  module.def("default_data_dir", [] { return default_data_dir(); });
  module.def("shuffle", &shuffle, "images"_a, "grid"_a, "mode"_a, "seed"_a, "split"_a, "threads"_a);
  module.def(
      "block_permutation",
      [](int grid, const std::string& mode, std::uint64_t seed, const std::string& split,
         std::uint64_t k) {
        if (grid < 1 || grid > 255) throw UsageError(fmt::format("grid {}: use 1 to 255", grid));
        BlockPermutation p =
            block_permutation(shuffle_mode(mode), grid, seed, shuffle_stream(split), k);
        const auto n = static_cast<py::ssize_t>(p.size());
        return to_numpy(std::move(p), {n});
      },
      "grid"_a, "mode"_a, "seed"_a, "split"_a, "index"_a);
  module.def("train", &train, "images"_a, "labels"_a, "settings"_a, "classes"_a, "name"_a,
             "progress"_a);
  module.def("train_on", &train_on, "train_on"_a, "settings"_a, "progress"_a);
  module.def("evaluate", &evaluate_arrays, "model"_a, "images"_a, "labels"_a);
  module.def("predict", &predict_model, "model"_a, "images"_a);
  module.def("weight_correlation", &correlation, "kernel"_a);
  module.def("adjacent_correlation", &adjacent, "R"_a, "rows"_a, "cols"_a);
  module.def("grid_signature", &signature, "R"_a, "rows"_a, "cols"_a, "grid"_a);

  py::class_<Reproduction>(module, "Reproduction")
      .def("results_json", [](const Reproduction& r) { return results_json(r.result).dump(); })
      .def("write", &write_run, "out"_a, "report"_a = true)
      .def_property_readonly("original_model",
                             [](const Reproduction& r) {
                               return report_model(r, Regime{RegimeKind::kOriginal, 0});
                             })
      .def_property_readonly("shuffled_model",
                             [](const Reproduction& r) {
                               return report_model(r, Regime{RegimeKind::kShuffled, 0});
                             })
      .def(
          "correlation",
          [](py::object self, bool shuffled) { return matrix_view(self, shuffled, true); },
          "shuffled"_a)
      .def(
          "adjacent",
          [](py::object self, bool shuffled) { return matrix_view(self, shuffled, false); },
          "shuffled"_a);
  module.def("reproduce", &reproduce, "settings"_a, "progress"_a);

  module.def("load_model", &read_model, "path"_a);
  module.def("save_model", &write_model, "model"_a, "path"_a);
  module.def("compare", &compare, "a"_a, "b"_a, "data"_a, "all_images"_a, "threads"_a = py::none());
  module.def("read_results", &read_results, "path"_a);
  module.def("sweep", &sweep, "db"_a, "settings"_a, "threads"_a = py::none());
  module.def("read_sweep", &read_sweep, "db"_a);
  module.def("settings", &settings_table);
}
