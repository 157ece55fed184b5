#pragma once
// The configuration of a run: every setting that decides what is trained and how, checked in
// one place. Each front end (the command line, sweep files, Python) only parses text into it.
// The functions below work over the table of settings and are defined with it (settings.cpp).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "savant/data/shuffle.hpp"
#include "savant/model/architecture.hpp"

namespace savant {

struct ExperimentConfig {
  std::filesystem::path data;
  int grid = 4;
  ShuffleMode shuffle = ShuffleMode::kDerange;
  // Which network: mlp (the dense one of `hidden` and `layers`), cnn, local or mixer
  // (model/architecture.hpp).
  Architecture model = Architecture::mlp;
  std::size_t hidden = 128;
  std::size_t layers = 1;  // hidden layers
  std::size_t epochs = 5;
  std::size_t batch = 32;
  float learning_rate = 1e-3f;
  std::uint64_t seed = 0;
  int threads = 1;
  // Use only the first N training images (0 = all); for quick runs and tests.
  std::size_t train_limit = 0;
  // The training engine: "auto", "portable" or "avx512" (model/engine_choice.hpp). Results do
  // not depend on it beyond rounding; files name the engine that trained, not this choice.
  std::string engine = "auto";
  // The fraction of training labels replaced by a class drawn at random (noisy_labels,
  // data/regime.hpp); 1 gives random labels. The test labels are never touched.
  float label_noise = 0.0f;
  // Which curves each epoch adds to the history: "test" (loss and accuracy on the original and
  // the shuffled test images) or "none" (the training curves only, for speed).
  std::string epoch_eval = "test";
  // The training accuracy at which a model counts as fitted (epochs_to_fit).
  float fit_threshold = 0.99f;
  bool operator==(const ExperimentConfig&) const = default;
};

// Sets `field` of `config` (a setting's name or old name, experiment/settings.hpp) from its value
// as text: the one parser of the command line, sweep files and Python. It checks the type only
// (a whole number, a number, a shuffle mode); validate() checks the range. Throws InvalidSetting
// naming the field, with the text as typed.
void set_field(ExperimentConfig& config, std::string_view field, std::string_view text);

// Checks every setting's range before any work is done (the grid against the images is
// checked once they are loaded, by validate_grid). Throws InvalidSetting naming the field.
void validate(const ExperimentConfig& config);
// The checks of validate() that concern two settings at once (a grid of 1 has no derangement).
void validate_combination(const ExperimentConfig& config);

// The recorded settings (kRecorded in the table of experiment/settings.cpp) by name:
// results.json's "config" and the model files' metadata. `data` is stored as an absolute path, so a
// results file read from another directory still names the data the run used.
nlohmann::json config_json(const ExperimentConfig& config);

// `path` as the kernel resolves it (kernel_path, core/output_path.hpp): absolute, the links and
// ".." of its directory resolved; empty stays empty.
std::filesystem::path absolute_path(const std::filesystem::path& path);
// The inverse of config_json; throws Error naming `source` for a missing or mistyped field or a
// value out of the range validate() allows (a file's settings are checked like the command
// line's: a "seed" of -1 is an error, not 2^64 - 1).
// A setting is also found under its old name (the learning rate's "lr" in files of earlier
// versions); one added after the first version reads as its default when missing.
ExperimentConfig config_from_json(const nlohmann::json& json, std::string_view source);

}  // namespace savant
