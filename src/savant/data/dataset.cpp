#include "savant/data/dataset.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <span>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/parallel.hpp"
#include "savant/data/named_dataset.hpp"

namespace savant {
namespace {

void validate_split(const Split& split, const std::filesystem::path& images_path,
                    const std::filesystem::path& labels_path, int classes) {
  if (split.images.count != split.labels.size()) {
    throw InputError(fmt::format(
        "{} holds {} images but {} holds {} labels; the two files must "
        "belong together",
        images_path.string(), split.images.count, labels_path.string(), split.labels.size()));
  }
  for (std::size_t k = 0; k < split.labels.size(); ++k) {
    if (split.labels[k] >= classes) {
      throw InputError(
          fmt::format("{}: label {} of item {} is out of range: savant expects {} "
                      "classes, labels 0..{}",
                      labels_path.string(), split.labels[k], k, classes, classes - 1));
    }
  }
}

struct SplitPaths {
  std::filesystem::path images, labels;
};

SplitPaths split_paths(const std::filesystem::path& dir, std::string_view prefix) {
  return {find_idx_file(dir, fmt::format("{}-images-idx3-ubyte", prefix)),
          find_idx_file(dir, fmt::format("{}-labels-idx1-ubyte", prefix))};
}

}  // namespace

std::filesystem::path default_data_dir() {
  if (const char* env = std::getenv("SAVANT_DATA"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(kDefaultDataDir);
}

std::optional<std::filesystem::path> named_data_dir(std::string_view name) {
  for (const NamedDataset& set : kNamedDatasets) {
    if (set.name != name) continue;
    if (const char* env = std::getenv("SAVANT_DATASETS"); env != nullptr && *env != '\0') {
      return std::filesystem::path(env) / set.name;
    }
    return std::filesystem::path(set.dir);
  }
  return std::nullopt;
}

const NamedDataset* named_dataset_at(const std::filesystem::path& dir) {
  for (const NamedDataset& set : kNamedDatasets) {
    if (named_data_dir(set.name) == dir) return &set;
  }
  return nullptr;
}

std::filesystem::path find_idx_file(const std::filesystem::path& dir, std::string_view stem) {
  std::error_code ec;
  const NamedDataset* named = named_dataset_at(dir);
  if (!std::filesystem::is_directory(dir, ec)) {
    const int code = std::filesystem::exists(dir, ec) ? ENOTDIR : ENOENT;
    if (named != nullptr) {
      throw SystemError(
          fmt::format("the data set '{}' is not installed: '{}' {}; {}", named->name, dir.string(),
                      code == ENOENT ? "does not exist" : "is not a directory", named->install),
          code, dir.string());
    }
    throw SystemError(
        fmt::format("data directory '{}' does not exist or is not a directory (choose "
                    "another data directory, set SAVANT_DATA, or run scripts/setup to "
                    "install Fashion-MNIST)",
                    dir.string()),
        code, dir.string());
  }
  std::filesystem::path raw = dir / stem;
  if (std::filesystem::exists(raw, ec)) return raw;
  std::filesystem::path gz = dir / (std::string(stem) + ".gz");
  if (std::filesystem::exists(gz, ec)) return gz;
  throw SystemError(
      fmt::format("data directory '{}' has no '{}' nor '{}.gz'; an IDX data set needs "
                  "train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                  "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz){}",
                  dir.string(), stem, stem,
                  named != nullptr
                      ? fmt::format("; to install '{}', {}", named->name, named->install)
                      : std::string()),
      ENOENT, raw.string());
}

Dataset load_dataset(const std::filesystem::path& dir, int classes, int threads) {
  Dataset data;
  data.dir = dir;
  data.classes = classes;
  const SplitPaths train = split_paths(dir, "train"), test = split_paths(dir, "t10k");
  // The training images are 86% of Fashion-MNIST's bytes: they are read on one thread, the
  // other three files on the other.
  run_both(
      threads >= 2, [&] { data.train.images = read_idx_images(train.images); },
      [&] {
        data.train.labels = read_idx_labels(train.labels);
        data.test.images = read_idx_images(test.images);
        data.test.labels = read_idx_labels(test.labels);
      });
  validate_split(data.train, train.images, train.labels, classes);
  validate_split(data.test, test.images, test.labels, classes);
  if (data.train.images.rows != data.test.images.rows ||
      data.train.images.cols != data.test.images.cols) {
    throw InputError(
        fmt::format("data directory '{}': training images are {}x{} but test images are "
                    "{}x{}; both must have the same size",
                    dir.string(), data.train.images.rows, data.train.images.cols,
                    data.test.images.rows, data.test.images.cols));
  }
  return data;
}

std::vector<std::string> class_names(const std::filesystem::path& dir, int classes) {
  static const std::array<const char*, 10> kFashion = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  std::vector<std::string> names;
  bool fashion = classes == 10 && dir.string().find("fashion") != std::string::npos;
  for (int c = 0; c < classes; ++c) {
    names.push_back(fashion ? std::string(kFashion[c]) : std::to_string(c));
  }
  return names;
}

// CRC-32 (gzip's and zlib's) by libdeflate, which folds with carry-less multiplications: on
// the 47 MB of Fashion-MNIST's training images it takes a fraction of zlib's crc32 time.
std::uint32_t split_digest(const Split& split) {
  std::uint32_t crc = libdeflate_crc32(0, split.images.pixels.data(), split.images.pixels.size());
  return libdeflate_crc32(crc, split.labels.data(), split.labels.size());
}

std::uint32_t data_digest(const Dataset& data) {
  std::uint32_t crc = 0;
  for (const Split* split : {&data.train, &data.test}) {
    crc = libdeflate_crc32(crc, split->images.pixels.data(), split->images.pixels.size());
  }
  for (const Split* split : {&data.train, &data.test}) {
    crc = libdeflate_crc32(crc, split->labels.data(), split->labels.size());
  }
  return crc;
}

}  // namespace savant
