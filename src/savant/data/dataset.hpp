#pragma once
// A labelled image data set in the layout of MNIST: four IDX files in one directory.

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "savant/data/idx.hpp"

namespace savant {

struct Split {
  ImageSet images;
  std::vector<std::uint8_t> labels;
};

// A copy of the first min(n, count) images of a split and their labels.
inline Split first_images(const Split& split, std::size_t n) {
  Split out{first_images(split.images, n), {}};
  out.labels.assign(split.labels.begin(),
                    split.labels.begin() + static_cast<std::ptrdiff_t>(out.images.count));
  return out;
}

struct Dataset {
  std::filesystem::path dir;
  Split train;
  Split test;
  int classes = 10;
};

// CRC-32 (zlib) of a split's images and labels: identifies the data a model was trained on.
std::uint32_t split_digest(const Split& split);
// CRC-32 of both splits, as split_digest of one split holding the training then the test images
// and the training then the test labels (a sweep's data_digest), without joining them.
std::uint32_t data_digest(const Dataset& data);

inline constexpr std::string_view kDefaultDataDir = "/usr/share/datasets/fashion-mnist";

// $SAVANT_DATA if set, else Debian's Fashion-MNIST.
std::filesystem::path default_data_dir();

// The file of one part of the set: `stem` (e.g. "train-images-idx3-ubyte") itself if present,
// else `stem.gz`. Throws when neither exists.
std::filesystem::path find_idx_file(const std::filesystem::path& dir, std::string_view stem);

// Reads and validates the four files: image and label counts agree, train and test images have
// the same size, every label is below `classes`. With two threads or more the training images
// are read beside the three other files (they are most of the bytes); the data do not depend on
// it. An error is the same whichever thread meets it: the training split's before the test's.
Dataset load_dataset(const std::filesystem::path& dir, int classes = 10, int threads = 1);

// Fashion-MNIST's class names; "0".."9" style names for other data sets.
std::vector<std::string> class_names(const std::filesystem::path& dir, int classes);

}  // namespace savant
