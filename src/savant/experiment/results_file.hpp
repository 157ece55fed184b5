#pragma once
// results.json (the schema of the reproduction issue) and the metadata stored in model files.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "savant/experiment/experiment.hpp"

namespace savant {

nlohmann::json results_json(const ReproduceResult& result);
// Accuracy, per-class accuracy and confusion matrix of one model on one test set.
nlohmann::json evaluation_json(const Evaluation& evaluation);
nlohmann::json signature_json(const GridSignature& signature);
// results.json's "units": both models' hidden units (docs/SPEC.md, section 10) on a g x g grid.
nlohmann::json units_json(const UnitAnalysis& units, int grid);
// Two models' {"cka", "agreement"} on one image set (SPEC 10.6); cka null when undefined.
nlohmann::json comparison_json(const ModelComparison& comparison);
// One model's "specialisation" and "border_discontinuity" (trained and change; the change's
// null unless `with_change`), as in "units" and analysis.json.
nlohmann::json unit_weights_json(const ModelUnits& units, int grid, bool with_change);

// The model file's __metadata__: the run's configuration, savant's version and the training
// data's digest, as strings. The one builder for reproduce and train.
std::map<std::string, std::string> model_metadata(const ModelProvenance& provenance);
// Reads model_metadata back, and the names files of earlier versions use (train_data_crc32 for
// train_crc32, lr for learning_rate). Empty when the file was not written by savant (no "format"
// key, or another tool's such as PyTorch's "pt"); throws Error naming `source` when savant's
// metadata is there but malformed.
std::optional<ModelProvenance> provenance_from_metadata(
    const std::map<std::string, std::string>& metadata, std::string_view source);

// A matrix (rows, cols) as nested arrays; NaN becomes null.
nlohmann::json matrix_json(std::span<const double> values, std::size_t rows, std::size_t cols);

}  // namespace savant
