#pragma once
// The files of a run directory.

#include <filesystem>

#include "savant/experiment/experiment.hpp"

namespace savant {

// results.json, the heat maps, samples.png and both models, each written atomically.
void write_reproduce_outputs(ReproduceResult& result, const std::filesystem::path& out_dir);

}  // namespace savant
