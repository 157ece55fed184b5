#include "savant/report/report.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "savant/analysis/weight_correlation.hpp"
#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/version.hpp"
#include "savant/data/dataset.hpp"
#include "savant/data/idx.hpp"
#include "savant/data/shuffle.hpp"
#include "savant/io/model_file.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/report/assets.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kFixHint =
    "the directory must be one that 'savant reproduce --out DIR' wrote; rerun it to get a "
    "complete one";

const std::array<std::string, 2> kModels = {"original_model", "shuffled_model"};
const std::array<std::string, 2> kTests = {"original_test", "shuffled_test"};

// results.json is read through here: every key the report uses is checked for presence and type,
// and an error names the key as a JSON pointer (/accuracy/original_model/original_test).
class ResultsFile {
 public:
  enum class Kind { kObject, kArray, kString, kNumber, kNumberOrNull, kUnsigned };

  // `text` is the file's contents; `path` names it in errors.
  ResultsFile(std::string_view text, fs::path path) : path_(std::move(path)) {
    try {
      root_ = json::parse(text);
    } catch (const json::exception& e) {
      throw Error(fmt::format("{} is not valid JSON ({}); {}", path_.string(), e.what(), kFixHint));
    }
    require("", Kind::kObject);
  }

  const fs::path& path() const { return path_; }

  const json& require(const std::string& pointer, Kind kind) const {
    return require_in(root_, pointer, kind);
  }

  // `pointer` is relative to `base`, which lies inside the file at `base_pointer`.
  const json& require_in(const json& base, const std::string& pointer, Kind kind,
                         const std::string& base_pointer = "") const {
    const std::string full = base_pointer + pointer;
    const json::json_pointer ptr(pointer);
    if (!base.contains(ptr)) {
      throw Error(fmt::format("{}: the key '{}' is missing (expected {}); {}", path_.string(), full,
                              describe(kind), kKeyHint));
    }
    const json& value = base.at(ptr);
    if (!matches(value, kind)) {
      throw Error(fmt::format("{}: the key '{}' is of type {} (expected {}); {}", path_.string(),
                              full, value.type_name(), describe(kind), kKeyHint));
    }
    return value;
  }

  // An array of `length` numbers (or nulls when `nullable`), at `pointer`.
  const json& require_numbers(const std::string& pointer, std::size_t length, bool nullable,
                              bool integers = false) const {
    const json& array = require(pointer, Kind::kArray);
    if (array.size() != length) {
      throw Error(fmt::format("{}: the key '{}' has {} entries (expected {}); {}", path_.string(),
                              pointer, array.size(), length, kKeyHint));
    }
    const Kind kind = integers ? Kind::kUnsigned : (nullable ? Kind::kNumberOrNull : Kind::kNumber);
    for (std::size_t i = 0; i < length; ++i) require(fmt::format("{}/{}", pointer, i), kind);
    return array;
  }

 private:
  static constexpr std::string_view kKeyHint =
      "results.json is damaged or from another program; rerun 'savant reproduce --out DIR'";

  static bool matches(const json& v, Kind kind) {
    switch (kind) {
      case Kind::kObject:
        return v.is_object();
      case Kind::kArray:
        return v.is_array();
      case Kind::kString:
        return v.is_string();
      case Kind::kNumber:
        return v.is_number();
      case Kind::kNumberOrNull:
        return v.is_number() || v.is_null();
      case Kind::kUnsigned:
        return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
    }
    return false;
  }

  static std::string_view describe(Kind kind) {
    switch (kind) {
      case Kind::kObject:
        return "an object";
      case Kind::kArray:
        return "an array";
      case Kind::kString:
        return "a string";
      case Kind::kNumber:
        return "a number";
      case Kind::kNumberOrNull:
        return "a number or null";
      case Kind::kUnsigned:
        return "a non-negative integer";
    }
    return "?";
  }

  fs::path path_;
  json root_;
};

using Kind = ResultsFile::Kind;

// The parts of results.json the page shows as they are, after checking their shapes.
json checked_results(const ResultsFile& f, std::size_t classes) {
  json out;
  for (const char* key : {"/savant_version", "/config/data", "/config/shuffle"}) {
    f.require(key, Kind::kString);
  }
  for (const char* key :
       {"/config/grid", "/config/hidden", "/config/epochs", "/config/batch", "/config/seed",
        "/config/threads", "/config/train_limit", "/data/train_images", "/data/test_images"}) {
    f.require(key, Kind::kUnsigned);
  }
  // results.json of earlier versions call the learning rate "lr".
  f.require(
      f.require("/config", Kind::kObject).contains("lr") ? "/config/lr" : "/config/learning_rate",
      Kind::kNumber);
  for (const std::string& m : kModels) {
    for (const std::string& t : kTests) {
      f.require(fmt::format("/accuracy/{}/{}", m, t), Kind::kNumber);
      f.require(fmt::format("/article/{}/{}", m, t), Kind::kNumber);
      const json& rows = f.require(fmt::format("/confusion/{}/{}", m, t), Kind::kArray);
      if (rows.size() != classes) {
        throw Error(fmt::format("{}: '/confusion/{}/{}' has {} rows, expected one per class ({})",
                                f.path().string(), m, t, rows.size(), classes));
      }
      for (std::size_t r = 0; r < classes; ++r) {
        f.require_numbers(fmt::format("/confusion/{}/{}/{}", m, t, r), classes, false, true);
      }
    }
    for (const char* key : {"within", "across", "contrast"}) {
      f.require(fmt::format("/grid_signature/{}/{}", m, key), Kind::kNumberOrNull);
    }
    const json& history = f.require(fmt::format("/history/{}", m), Kind::kArray);
    for (std::size_t e = 0; e < history.size(); ++e) {
      const std::string at = fmt::format("/history/{}/{}", m, e);
      f.require(at + "/epoch", Kind::kUnsigned);
      f.require(at + "/loss", Kind::kNumberOrNull);
      f.require(at + "/train_accuracy", Kind::kNumber);
    }
    out["history"][m] = history;
  }
  const json& timings = f.require("/timing_seconds", Kind::kObject);
  // Checked directly, not through a pointer: a key may hold '/' or '~'.
  for (const auto& [key, value] : timings.items()) {
    if (!value.is_number()) {
      throw Error(fmt::format("{}: '/timing_seconds' has '{}' of type {} (expected a number); {}",
                              f.path().string(), key, value.type_name(), kFixHint));
    }
  }
  out["savant_version"] = f.require("/savant_version", Kind::kString);
  for (const char* key :
       {"config", "accuracy", "article", "confusion", "grid_signature", "timing_seconds"}) {
    out[key] = f.require(std::string("/") + key, Kind::kObject);
  }
  out["data"] = f.require("/data", Kind::kObject);
  return out;
}

// The machine the numbers came from when results.json says (a later savant may record it), else
// the one making the report, marked as such.
json machine_json(const json& recorded) {
  if (recorded.is_object()) {
    json m = recorded;
    m["source"] = "results.json";
    return m;
  }
  json m;
  m["source"] = "the machine that made this report (results.json does not record the run's)";
  utsname u{};
  if (::uname(&u) == 0) {
    m["system"] = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  }
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos)
        m["cpu"] = line.substr(line.find_first_not_of(' ', colon + 1));
      break;
    }
  }
  m["hardware_threads"] = std::thread::hardware_concurrency();
  return m;
}

double rounded(double x, double scale = 1e4) {
  return std::round(x * scale) / scale;
}

json rounded_or_null(double x) {
  return std::isfinite(x) ? json(rounded(x)) : json(nullptr);
}

struct LoadedModel {
  Network network;
  std::vector<double> correlation;  // R (P, P)
};

LoadedModel load_checked_model(const fs::path& path, std::size_t pixels, std::size_t classes) {
  LoadedModel m{load_model(path).network, {}};
  const ParameterLayout& layout = m.network.layout;
  if (layout.in(0) != pixels || layout.sizes().back() != classes) {
    throw Error(fmt::format(
        "{}: the network takes {} inputs and has {} classes, but results.json describes {} "
        "pixels and {} classes; the model files and results.json are from different runs; {}",
        path.string(), layout.in(0), layout.sizes().back(), pixels, classes, kFixHint));
  }
  m.correlation = weight_correlation(m.network.kernel(0), pixels, layout.out(0));
  return m;
}

// The run's test set, checked against what results.json says about it.
Split load_test_split(const fs::path& data_dir, const fs::path& results_path, std::size_t rows,
                      std::size_t cols, std::size_t classes) {
  Split test;
  try {
    test.images = read_idx_images(find_idx_file(data_dir, "t10k-images-idx3-ubyte"));
    test.labels = read_idx_labels(find_idx_file(data_dir, "t10k-labels-idx1-ubyte"));
  } catch (const Error& e) {
    throw Error(fmt::format(
        "the report shows test images from the run's data set, '{}' (--data, else config.data "
        "in {}), and "
        "cannot read it: {}. Install it there (Debian: apt-get install dataset-fashion-mnist) "
        "or give 'savant report --data DIR' the directory where it is",
        data_dir.string(), results_path.string(), e.what()));
  }
  if (test.images.rows != rows || test.images.cols != cols ||
      test.images.count != test.labels.size() || test.images.count == 0) {
    throw Error(fmt::format(
        "{}: the test set holds {} images of {}x{} and {} labels, but results.json describes "
        "{}x{} images; config.data in {} does not point at the run's data set",
        data_dir.string(), test.images.count, test.images.rows, test.images.cols,
        test.labels.size(), rows, cols, results_path.string()));
  }
  for (std::uint8_t label : test.labels) {
    if (label >= classes) {
      throw Error(fmt::format("{}: a test label is {}, but the run has {} classes",
                              data_dir.string(), label, classes));
    }
  }
  return test;
}

ShuffleMode checked_shuffle_mode(const ResultsFile& f, int grid, std::size_t rows,
                                 std::size_t cols) {
  try {
    const ShuffleMode mode =
        parse_shuffle_mode(f.require("/config/shuffle", Kind::kString).get<std::string>());
    validate_grid(grid, rows, cols, mode);
    return mode;
  } catch (const Error& e) {
    throw Error(
        fmt::format("{}: '/config/shuffle' and '/config/grid' do not describe a "
                    "shuffling of {}x{} images: {}",
                    f.path().string(), rows, cols, e.what()));
  }
}

// The first test images, original and shuffled as the run shuffled them, and what each model
// predicts on both versions.
json gallery_json(const Split& test, const std::array<LoadedModel, 2>& models, int grid,
                  ShuffleMode mode, std::uint64_t seed) {
  const std::size_t n = std::min(kReportGalleryImages, test.images.count);
  ImageSet original{n, test.images.rows, test.images.cols, {}};
  original.pixels.assign(
      test.images.pixels.begin(),
      test.images.pixels.begin() + static_cast<std::ptrdiff_t>(n * test.images.pixels_per_image()));
  ImageSet shuffled = original;
  for (std::size_t k = 0; k < n; ++k) {
    const BlockPermutation perm = block_permutation(mode, grid, seed, Stream::kShuffleTest, k);
    apply_block_permutation(original.image(k), shuffled.image(k), original.rows, original.cols,
                            grid, perm);
  }
  json gallery = json::array();
  for (std::size_t k = 0; k < n; ++k) {
    gallery.push_back({{"index", k},
                       {"label", test.labels[k]},
                       {"original", base64_encode(original.image(k))},
                       {"shuffled", base64_encode(shuffled.image(k))}});
  }
  for (std::size_t m = 0; m < models.size(); ++m) {
    for (const auto& [key, images] : {std::pair{"original", &original}, {"shuffled", &shuffled}}) {
      const std::vector<Prediction> predictions = predict(models[m].network, *images);
      for (std::size_t k = 0; k < n; ++k) {
        gallery[k]["predictions"][kModels[m]][key] = {
            {"label", predictions[k].label},
            {"confidence", rounded(static_cast<double>(predictions[k].confidence))}};
      }
    }
  }
  return gallery;
}

}  // namespace

// Inlined text must not end its element early: in a script, "</script" (any case) would. JS and
// CSS only hold it inside strings, where "<\/" means the same.
std::string escape_end_tag(std::string_view text, std::string_view tag) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 + tag.size() < text.size() && text[i + 1] == '/' &&
        std::equal(
            tag.begin(), tag.end(), text.begin() + static_cast<std::ptrdiff_t>(i + 2),
            [](char a, char b) { return std::tolower(static_cast<unsigned char>(b)) == a; })) {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// JSON as a script element's text: '<' appears only inside strings, where \u003c means the same,
// so nothing in the data can close the element or open a comment.
std::string json_script_text(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

void replace_placeholder(std::string& page, std::string_view placeholder, std::string_view text) {
  const std::size_t at = page.find(placeholder);
  if (at == std::string::npos) {
    throw Error(
        fmt::format("the report template has no {}; savant was built from a broken "
                    "report/template.html",
                    placeholder));
  }
  page.replace(at, placeholder.size(), text);
}

std::string chart_library_scripts() {
  std::string libraries;
  for (std::string_view js :
       {report_assets::vega_js(), report_assets::vega_lite_js(), report_assets::vega_embed_js()}) {
    libraries += "<script>" + escape_end_tag(js, "script") + "</script>\n";
  }
  return libraries;
}

std::vector<std::uint8_t> quantise_upper_triangle(std::span<const double> R, std::size_t pixels) {
  std::vector<std::uint8_t> out;
  out.reserve(pixels * (pixels + 1) / 2);
  for (std::size_t p = 0; p < pixels; ++p) {
    for (std::size_t q = p; q < pixels; ++q) {
      const double r = R[p * pixels + q];
      out.push_back(std::isfinite(r) ? static_cast<std::uint8_t>(
                                           std::lround((std::clamp(r, -1.0, 1.0) + 1.0) * 127.0))
                                     : kQuantisedNaN);
    }
  }
  return out;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) |
                            std::uint32_t{bytes[i + 2]};
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

RunResults parse_results_json(std::string_view text, const fs::path& path) {
  const ResultsFile f(text, path);
  RunResults r;
  r.rows = f.require("/data/image_rows", Kind::kUnsigned).get<std::size_t>();
  r.cols = f.require("/data/image_cols", Kind::kUnsigned).get<std::size_t>();
  const json& names = f.require("/data/class_names", Kind::kArray);
  for (std::size_t c = 0; c < names.size(); ++c) {
    f.require(fmt::format("/data/class_names/{}", c), Kind::kString);
  }
  r.classes = names.size();
  // Each side on its own first: their product could wrap around.
  if (r.rows == 0 || r.cols == 0 || r.rows > 65536 || r.cols > 65536 || r.rows * r.cols > 65536 ||
      r.classes < 2 || r.classes > 256) {
    throw Error(fmt::format("{}: {}x{} images with {} classes is not a run savant makes; {}",
                            f.path().string(), r.rows, r.cols, r.classes, kFixHint));
  }
  r.page = checked_results(f, r.classes);

  const auto grid = f.require("/config/grid", Kind::kUnsigned).get<std::uint64_t>();
  if (grid > 255) {
    throw Error(fmt::format("{}: '/config/grid' is {}, larger than any grid savant makes; {}",
                            f.path().string(), grid, kFixHint));
  }
  r.grid = static_cast<int>(grid);
  r.mode = checked_shuffle_mode(f, r.grid, r.rows, r.cols);
  r.seed = f.require("/config/seed", Kind::kUnsigned).get<std::uint64_t>();
  r.data = fs::path(f.require("/config/data", Kind::kString).get<std::string>());
  const json::json_pointer machine("/machine");
  const json& root = f.require("", Kind::kObject);
  if (root.contains(machine) && root.at(machine).is_object()) r.machine = root.at(machine);
  return r;
}

json report_data(const fs::path& run_dir, const fs::path& data_dir_override) {
  const fs::path results_path = run_dir / "results.json";
  std::error_code ec;
  if (!fs::is_regular_file(results_path, ec)) {
    throw Error(fmt::format("{} {}: {}", results_path.string(),
                            fs::exists(results_path, ec) ? "is not a regular file" : "not found",
                            kFixHint));
  }
  std::ifstream in(results_path, std::ios::binary);
  if (!in) {
    throw Error(fmt::format("{}: cannot open for reading: {}", results_path.string(),
                            std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw Error(fmt::format("{}: cannot be read", results_path.string()));
  RunResults run = parse_results_json(text.str(), results_path);
  const std::size_t rows = run.rows, cols = run.cols, classes = run.classes;
  const int grid = run.grid;
  const ShuffleMode mode = run.mode;
  const std::uint64_t seed = run.seed;
  const fs::path data_dir = data_dir_override.empty() ? run.data : data_dir_override;
  json data = std::move(run.page);

  const std::size_t pixels = rows * cols;
  const std::array<LoadedModel, 2> models = {
      load_checked_model(run_dir / "original_model.safetensors", pixels, classes),
      load_checked_model(run_dir / "shuffled_model.safetensors", pixels, classes)};
  const Split test = load_test_split(data_dir, results_path, rows, cols, classes);

  data["report_savant_version"] = kVersion;
  data["run_dir"] = fs::absolute(run_dir).lexically_normal().string();
  data["machine"] = machine_json(run.machine);
  data["models"] = kModels;
  data["tests"] = kTests;
  data["correlation"]["pixels"] = pixels;
  data["correlation"]["encoding"] =
      "base64 of the upper triangle of R with its diagonal, row by row; byte b is R = b / 127 - 1, "
      "255 is NaN";
  for (std::size_t m = 0; m < models.size(); ++m) {
    const std::vector<double>& R = models[m].correlation;
    data["correlation"][kModels[m]] = base64_encode(quantise_upper_triangle(R, pixels));
    json adjacent = json::array();
    for (double a : adjacent_correlation(R, rows, cols)) adjacent.push_back(rounded_or_null(a));
    data["adjacent"][kModels[m]] = std::move(adjacent);
    const AdjacentPairs pairs = adjacent_pairs(R, rows, cols, grid);
    for (const auto& [key, values] :
         {std::pair{"within", &pairs.within}, std::pair{"across", &pairs.across}}) {
      json list = json::array();
      for (double r : *values) {
        if (std::isfinite(r)) list.push_back(rounded(r));
      }
      data["pairs"][kModels[m]][key] = std::move(list);
    }
  }
  data["gallery"] = gallery_json(test, models, grid, mode, seed);
  return data;
}

std::string render_report(const json& data) {
  std::string page(report_assets::template_html());
  replace_placeholder(
      page, "<!-- savant:style -->",
      "<style>\n" + escape_end_tag(report_assets::style_css(), "style") + "</style>");
  replace_placeholder(page, "<!-- savant:libraries -->", chart_library_scripts());
  replace_placeholder(page, "<!-- savant:data -->",
                      "<script type=\"application/json\" id=\"savant-data\">" +
                          json_script_text(data) + "</script>");
  replace_placeholder(
      page, "<!-- savant:script -->",
      "<script>\n" + escape_end_tag(report_assets::report_js(), "script") + "</script>");
  return page;
}

void write_report(const fs::path& run_dir, const fs::path& out, const fs::path& data_dir) {
  const std::string page = render_report(report_data(run_dir, data_dir));
  write_file_atomically(out, page);
}

}  // namespace savant
