#pragma once
// results.json (the schema of the reproduction issue) and the metadata stored in model files.

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "savant/experiment.hpp"

namespace savant {

nlohmann::json config_json(const ExperimentConfig& config);
nlohmann::json results_json(const ReproduceResult& result);

// The run's configuration, savant's version and the training data's digest, as strings.
std::map<std::string, std::string> model_metadata(const ReproduceResult& result,
                                                  const ModelReport& model);

// A matrix (rows, cols) as nested arrays; NaN becomes null.
nlohmann::json matrix_json(std::span<const double> values, std::size_t rows, std::size_t cols);

}  // namespace savant
