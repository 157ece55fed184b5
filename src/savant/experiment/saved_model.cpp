// Reading a model file as the single-step commands do (steps.hpp): a dense network (mlp) in
// Keras' layout, or a cnn, local or mixer model in PyTorch's (formats/arch_model_file.hpp), its
// metadata checked against its tensors.

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/experiment/steps.hpp"
#include "savant/formats/arch_model_file.hpp"
#include "savant/formats/model_file.hpp"

namespace savant {

SavedModel saved_model(const std::filesystem::path& source, Network network,
                       std::map<std::string, std::string> metadata) {
  std::optional<ModelProvenance> provenance = provenance_from_metadata(metadata, source.string());
  SavedModel model{source, std::move(network), std::nullopt, std::move(provenance),
                   std::move(metadata)};
  const ParameterLayout& layout = model.network.layout;
  if (model.provenance) {
    const ModelProvenance& p = *model.provenance;
    if (p.rows > layout.in(0) / p.cols || p.rows * p.cols != layout.in(0)) {
      throw InputError(fmt::format(
          "{}: __metadata__ says the model reads {}x{} images, but dense1.kernel takes {} "
          "inputs",
          source.string(), p.rows, p.cols, layout.in(0)));
    }
    if (p.config.layers + 1 != layout.layers() || p.config.hidden != layout.out(0)) {
      throw InputError(fmt::format(
          "{}: __metadata__ describes {} hidden layer(s) of width {}, but the tensors hold {} "
          "hidden layer(s) of width {}",
          source.string(), p.config.layers, p.config.hidden, layout.layers() - 1, layout.out(0)));
    }
  }
  return model;
}

namespace {

// A cnn, local or mixer file (formats/arch_model_file.hpp) with its metadata checked against
// the tensors.
SavedModel saved_arch_model(const std::filesystem::path& source, ArchModelFile file) {
  std::optional<ModelProvenance> provenance =
      provenance_from_metadata(file.metadata, source.string());
  SavedModel model{source, Network{}, std::move(file.network), std::move(provenance),
                   std::move(file.metadata)};
  const ArchLayout& layout = model.arch->layout;
  if (model.provenance) {
    const ModelProvenance& p = *model.provenance;
    if (p.config.model != layout.arch) {
      throw InputError(fmt::format(
          "{}: __metadata__ says the config's model is {}, but the tensors are a {} model",
          source.string(), architecture_name(p.config.model), architecture_name(layout.arch)));
    }
    if (p.rows != layout.rows || p.cols != layout.cols) {
      throw InputError(
          fmt::format("{}: __metadata__ says the model reads {}x{} images, but the {} "
                      "model's metadata say {}x{}",
                      source.string(), p.rows, p.cols, architecture_name(layout.arch), layout.rows,
                      layout.cols));
    }
  }
  return model;
}

}  // namespace

SavedModel load_saved_model(const std::filesystem::path& path) {
  check_file_in_run(path);  // a model of a run directory must be that run's (run_set.hpp)
  TensorFile tensors = read_safetensors(path);
  const auto arch = tensors.metadata.find("model");
  if (arch != tensors.metadata.end() && arch->second != "mlp") {
    return saved_arch_model(path, arch_from_tensors(std::move(tensors), path.string()));
  }
  ModelFile file = network_from_tensors(std::move(tensors), path.string());
  return saved_model(path, std::move(file.network), std::move(file.metadata));
}

void require_dense(const SavedModel& model, std::string_view reason) {
  if (!model.arch) return;
  throw UsageError(fmt::format("{} is a {} model: {}", model.path.string(),
                               architecture_name(model.arch->layout.arch), reason));
}

}  // namespace savant
