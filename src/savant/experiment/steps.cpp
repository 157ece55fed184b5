#include "savant/experiment/steps.hpp"

#include <cmath>

#include <fmt/format.h>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/version.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/figures/plot.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/formats/model_file.hpp"
#include "savant/model/arch_train.hpp"

namespace savant {

std::string heatmap_name(FigureFormat format) {
  return fmt::format("heatmap.{}", extension_of(format));
}

std::string crc_text(std::uint32_t crc) {
  return fmt::format("{:08x}", crc);
}

namespace {

constexpr int kLargestGrid = 255;  // Grid's (data/grid.hpp)

// The image size of a model: its metadata's, else the square its input is.
std::pair<std::size_t, std::size_t> image_size(const SavedModel& model) {
  if (model.provenance) return {model.provenance->rows, model.provenance->cols};
  const std::size_t pixels = model.network.layout.in(0);
  const auto side = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(pixels))));
  if (side * side != pixels) {
    throw InputError(fmt::format(
        "{}: the model records no image size (it has no savant metadata) and its {} inputs are "
        "not a square image, so its rows and columns are unknown; analyze a model that savant "
        "trained, whose file records them",
        model.path.string(), pixels));
  }
  return {side, side};
}

// What a model without savant metadata is analysed or tested at, and why.
void warn_no_metadata(const SavedModel& model, int grid, std::size_t rows, std::size_t cols,
                      std::vector<std::string>& warnings) {
  const auto article = static_cast<std::size_t>(ExperimentConfig{}.grid);
  warnings.push_back(fmt::format(
      "{} has no savant metadata: cannot tell which grid it was trained with; using grid {}{}",
      model.path.string(), grid,
      rows % article == 0 && cols % article == 0
          ? std::string()
          : fmt::format(" (the article's {} does not divide its {}x{} images)", article, rows,
                        cols)));
}

void warn_if_other_grid(const SavedModel& model, int grid, const ShuffleMode* shuffle,
                        std::vector<std::string>& warnings) {
  if (!model.provenance) return;
  const ExperimentConfig& trained = model.provenance->config;
  if (grid != trained.grid || (shuffle != nullptr && *shuffle != trained.shuffle)) {
    warnings.push_back(
        fmt::format("{} was trained with grid {}, shuffle {} (on {} images) but is asked about "
                    "grid {}{}; the numbers are not those of its training setup",
                    model.path.string(), trained.grid, to_string(trained.shuffle),
                    to_string(model.provenance->train_on), grid,
                    shuffle != nullptr ? ", shuffle " + to_string(*shuffle) : std::string()));
  }
}

}  // namespace

int default_grid(std::size_t rows, std::size_t cols) {
  for (int g : {ExperimentConfig{}.grid, 3, 2}) {
    const auto n = static_cast<std::size_t>(g);
    if (rows % n == 0 && cols % n == 0) return g;
  }
  return 1;
}

nlohmann::json trained_json(const SavedModel& model) {
  if (!model.provenance) return nullptr;
  const ModelProvenance& p = *model.provenance;
  return {{"train_on", to_string(p.train_on)},
          {"config", config_json(p.config)},
          {"image_rows", p.rows},
          {"image_cols", p.cols},
          {"train_crc32", crc_text(p.train_crc32)},
          {"savant_version", p.savant_version}};
}

EvalOptions eval_options(const ExperimentConfig& config,
                         const std::function<bool(std::string_view)>& given) {
  EvalOptions options;
  options.data = config.data;
  options.threads = config.threads;
  if (given("grid")) options.grid = config.grid;
  if (given("shuffle")) options.shuffle = config.shuffle;
  if (given("seed")) options.seed = config.seed;
  return options;
}

EvalReport run_eval(const SavedModel& model, const EvalOptions& options) {
  EvalReport report;
  ExperimentConfig& test = report.test;
  if (model.provenance) test = model.provenance->config;
  test.data = options.data;
  test.threads = options.threads;
  if (options.grid) test.grid = *options.grid;
  if (options.shuffle) test.shuffle = *options.shuffle;
  if (options.seed) test.seed = *options.seed;
  {
    // The settings eval takes, in ranges validate() checks; the rest are the model's.
    ExperimentConfig used;
    used.threads = test.threads;
    if (options.shuffled_test) used.grid = test.grid, used.shuffle = test.shuffle;
    validate(used);
  }
  if (options.shuffled_test) {
    warn_if_other_grid(model, test.grid, &test.shuffle, report.warnings);
    // Under `fixed` the seed picks the one derangement the model learnt: another seed is
    // another task, not another sample of the same one.
    if (model.provenance && model.provenance->config.shuffle == ShuffleMode::kFixed &&
        test.shuffle == ShuffleMode::kFixed && test.seed != model.provenance->config.seed) {
      report.warnings.push_back(fmt::format(
          "{} was trained on the single derangement of seed {} (shuffle fixed), but the "
          "shuffled test uses seed {}: another derangement, so another task; set the seed to "
          "{} to test it on its own",
          model.path.string(), model.provenance->config.seed, test.seed,
          model.provenance->config.seed));
    }
  }

  const int classes = static_cast<int>(model.arch ? model.arch->layout.classes
                                                  : model.network.layout.sizes().back());
  const Dataset data = load_experiment_data(test, classes);
  report.rows = data.test.images.rows;
  report.cols = data.test.images.cols;
  if (model.arch &&
      (report.rows != model.arch->layout.rows || report.cols != model.arch->layout.cols)) {
    throw InputError(fmt::format(
        "{}: the {} model takes {}x{} images but the images in '{}' are "
        "{}x{}",
        model.path.string(), architecture_name(model.arch->layout.arch), model.arch->layout.rows,
        model.arch->layout.cols, options.data.string(), report.rows, report.cols));
  }
  if (!model.arch && report.rows * report.cols != model.network.layout.in(0)) {
    throw InputError(fmt::format("{}: the model takes {} inputs but the images in '{}' are {}x{}",
                                 model.path.string(), model.network.layout.in(0),
                                 options.data.string(), report.rows, report.cols));
  }
  if (options.shuffled_test) {
    if (!model.provenance) {
      if (!options.grid) {
        test.grid = default_grid(report.rows, report.cols);
        if (test.grid == 1 &&
            (test.shuffle == ShuffleMode::kDerange || test.shuffle == ShuffleMode::kFixed)) {
          throw UsageError(fmt::format(
              "{} records no grid (it has no savant metadata), and no grid of 2 or more divides "
              "its {}x{} test images: they cannot be shuffled; test it on the original images "
              "only",
              model.path.string(), report.rows, report.cols));
        }
      }
      warn_no_metadata(model, test.grid, report.rows, report.cols, report.warnings);
    }
    validate_grid(test.grid, report.rows, report.cols, test.shuffle);
  }
  report.class_names = class_names(options.data, classes);
  report.train_crc32 = split_digest(data.train);
  if (model.provenance && model.provenance->train_crc32 != report.train_crc32) {
    report.warnings.push_back(fmt::format(
        "the training images in '{}' (crc32 {}) are not those {} was trained on (crc32 {}); "
        "its test images may not belong to its training set",
        options.data.string(), crc_text(report.train_crc32), model.path.string(),
        crc_text(model.provenance->train_crc32)));
  }

  auto evaluate_on = [&](const ImageSet& images) {
    return model.arch ? evaluate(*model.arch, images, data.test.labels, options.threads)
                      : evaluate(model.network, images, data.test.labels);
  };
  if (options.original_test) report.original_test = evaluate_on(data.test.images);
  if (options.shuffled_test)
    report.shuffled_test = evaluate_on(shuffle_test_images(data.test.images, test));
  return report;
}

nlohmann::json eval_json(const SavedModel& model, const EvalReport& report) {
  nlohmann::json j;
  j["model"] = model.path.string();
  j["trained"] = trained_json(model);
  j["test"] = {
      {"data", absolute_path(report.test.data).string()}, {"grid", report.test.grid},
      {"shuffle", to_string(report.test.shuffle)},        {"seed", report.test.seed},
      {"train_crc32", crc_text(report.train_crc32)},      {"class_names", report.class_names}};
  j["accuracy"] = nlohmann::json::object();
  for (const auto& [key, evaluation] : {std::pair{"original_test", &report.original_test},
                                        std::pair{"shuffled_test", &report.shuffled_test}}) {
    if (!*evaluation) continue;
    const nlohmann::json e = evaluation_json(**evaluation);
    j["accuracy"][key] = e["accuracy"];
    j["per_class_accuracy"][key] = e["per_class_accuracy"];
    j["confusion"][key] = e["confusion"];
  }
  j["warnings"] = report.warnings;
  return j;
}

AnalyzeReport run_analyze(const SavedModel& model, std::optional<int> grid) {
  require_dense(model,
                "the pixel-correlation map and the unit analysis need a dense first layer (one "
                "weight per pixel and hidden unit), which only mlp models have");
  AnalyzeReport report;
  std::tie(report.rows, report.cols) = image_size(model);
  if (grid) {
    report.grid = *grid;
  } else if (model.provenance) {
    report.grid = model.provenance->config.grid;
  } else {
    report.grid = default_grid(report.rows, report.cols);
  }
  validate_grid(report.grid, report.rows, report.cols, ShuffleMode::kNone);
  if (!model.provenance)
    warn_no_metadata(model, report.grid, report.rows, report.cols, report.warnings);
  if (grid) warn_if_other_grid(model, report.grid, nullptr, report.warnings);

  report.model.name =
      model.provenance ? model_name(model.provenance->train_on) : model.path.stem().string();
  report.model.network = model.network;
  analyze_model(report.model, report.rows, report.cols, report.grid);
  for (int g = 1;
       g <= kLargestGrid && static_cast<std::size_t>(g) <= std::min(report.rows, report.cols);
       ++g) {
    if (report.rows % static_cast<std::size_t>(g) != 0) continue;
    if (report.cols % static_cast<std::size_t>(g) != 0) continue;
    report.signatures.emplace_back(
        g, grid_signature(report.model.correlation, report.rows, report.cols, g));
  }
  std::optional<std::uint64_t> seed;
  if (model.provenance) seed = model.provenance->config.seed;
  report.units = weight_units(model.network, report.rows, report.cols, report.grid, seed);
  report.units_change = seed.has_value();
  return report;
}

nlohmann::json analysis_json(const SavedModel& model, const AnalyzeReport& report,
                             std::span<const FigureFormat> formats) {
  nlohmann::json j;
  j["savant_version"] = kVersion;
  j["model"] = model.path.string();
  j["trained"] = trained_json(model);
  j["image_rows"] = report.rows;
  j["image_cols"] = report.cols;
  j["grid"] = report.grid;
  j["grid_signature"] = signature_json(report.model.signature);
  for (const auto& [g, signature] : report.signatures) {
    j["grid_signatures"][std::to_string(g)] = signature_json(signature);
  }
  j["adjacent_correlation"] = matrix_json(report.model.adjacent, report.rows, report.cols);
  j["units"] = unit_weights_json(report.units, report.grid, report.units_change);
  nlohmann::json heatmaps = nlohmann::json::array();
  for (FigureFormat format : formats) heatmaps.push_back(heatmap_name(format));
  j["files"] = {{"heatmaps", heatmaps}, {"correlation", "correlation.safetensors"}};
  j["warnings"] = report.warnings;
  return j;
}

void write_analysis_outputs(const SavedModel& model, const AnalyzeReport& report,
                            const std::filesystem::path& out_dir,
                            std::span<const FigureFormat> formats, bool block_grid,
                            FigureSize size) {
  ensure_writable_directory(out_dir);
  HeatmapStyle style;
  style.title = fmt::format("{}: adjacent-pixel weight correlation", model.path.stem().string());
  style.scale = colour_scale_of({report.model.adjacent});
  if (block_grid) style.grid = report.grid;
  for (FigureFormat format : formats) {
    write_file_atomically(
        out_dir / heatmap_name(format),
        heatmap_figure(report.model.adjacent, report.rows, report.cols, style, format, size));
  }
  const std::size_t pixels = report.rows * report.cols;
  Tensor R{"correlation", {pixels, pixels}, {}};
  R.values.assign(report.model.correlation.begin(), report.model.correlation.end());
  write_safetensors(out_dir / "correlation.safetensors",
                    {{{"savant_version", std::string(kVersion)}, {"model", model.path.string()}},
                     {std::move(R)}});
  // analysis.json last: its presence means the other files are complete.
  write_file_atomically(out_dir / "analysis.json",
                        analysis_json(model, report, formats).dump(2) + "\n");
}

ShuffleReport run_shuffle(const ExperimentConfig& options, const std::filesystem::path& out_dir) {
  ExperimentConfig config;  // the defaults but for the settings that play a part
  config.data = options.data;
  config.grid = options.grid;
  config.shuffle = options.shuffle;
  config.seed = options.seed;
  config.threads = options.threads;
  validate(config);
  const Dataset data = load_experiment_data(config);
  validate_grid(config.grid, data.train.images.rows, data.train.images.cols, config.shuffle);
  ensure_writable_directory(out_dir);

  ShuffleReport report{data.train.images.count,
                       data.test.images.count,
                       data.train.images.rows,
                       data.train.images.cols,
                       {}};
  auto write_split = [&](const std::string& prefix, const ImageSet& images,
                         const std::vector<std::uint8_t>& labels) {
    report.files.push_back(out_dir / (prefix + "-images-idx3-ubyte.gz"));
    write_idx_images(report.files.back(), images);
    report.files.push_back(out_dir / (prefix + "-labels-idx1-ubyte.gz"));
    write_idx_labels(report.files.back(), labels);
  };
  const TrainingImages train(data.train.images, {RegimeKind::kShuffled, 0}, config.grid,
                             config.shuffle, config.seed, config.threads);
  write_split("train", train.images(), data.train.labels);
  write_split("t10k", shuffle_test_images(data.test.images, config), data.test.labels);

  nlohmann::json manifest = {{"savant_version", kVersion},
                             {"source", absolute_path(options.data).string()},
                             {"grid", options.grid},
                             {"mode", to_string(options.shuffle)},
                             {"seed", options.seed},
                             {"train_images", report.train_count},
                             {"test_images", report.test_count},
                             {"train_crc32", crc_text(split_digest(data.train))}};
  // Which files are this export's, as a run's results.json says it (run_set.hpp).
  std::vector<std::string> names;
  for (const auto& file : report.files) names.push_back(file.filename().string());
  manifest["manifest"] = file_manifest(out_dir, names);
  report.files.push_back(out_dir / "shuffle.json");
  write_file_atomically(report.files.back(), manifest.dump(2) + "\n");
  return report;
}

}  // namespace savant
