#include "support/result_files.hpp"
#include <algorithm>
#include <string_view>

#include <array>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string_view>

#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"
#include "savant/formats/model_file.hpp"

namespace savant::testing {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::string result_file_problem(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  const std::string bytes = read_all(path);
  if (ext == ".json") {
    const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return "not a complete JSON object";
    return {};
  }
  if (ext == ".png") {
    static constexpr std::array<unsigned char, 8> kSignature = {0x89, 'P',  'N',  'G',
                                                                '\r', '\n', 0x1a, '\n'};
    // The last chunk of every PNG: length 0, "IEND", its CRC.
    static constexpr std::array<unsigned char, 12> kEnd = {0,   0,   0,    0,    'I',  'E',
                                                           'N', 'D', 0xae, 0x42, 0x60, 0x82};
    if (bytes.size() < kSignature.size() + kEnd.size()) return "too short for a PNG";
    if (bytes.compare(0, 8, std::string(kSignature.begin(), kSignature.end())) != 0) {
      return "no PNG signature";
    }
    if (bytes.compare(bytes.size() - 12, 12, std::string(kEnd.begin(), kEnd.end())) != 0) {
      return "does not end with the IEND chunk (truncated)";
    }
    return {};
  }
  if (ext == ".safetensors") {
    try {
      (void)load_model(path);
      for (const Tensor& t : read_safetensors(path).tensors) {
        for (float w : t.values) {
          if (!std::isfinite(w)) return "tensor " + t.name + " holds a NaN or infinite weight";
        }
      }
    } catch (const savant::Error& e) {
      return e.what();
    }
    return {};
  }
  if (ext == ".html") {
    const auto end = bytes.find_last_not_of(" \n");
    if (end == std::string::npos || bytes.compare(0, 2, "<!") != 0 || end < 6 ||
        bytes.compare(end - 6, 7, "</html>") != 0) {
      return "not a complete HTML page (no closing </html>)";
    }
    return {};
  }
  if (ext == ".svg") {
    if (bytes.compare(0, 5, "<?xml") != 0 && bytes.compare(0, 4, "<svg") != 0)
      return "no SVG header";
    if (bytes.find("</svg>") == std::string::npos) return "no closing </svg> (truncated)";
    return {};
  }
  if (ext == ".pdf") {
    if (bytes.compare(0, 5, "%PDF-") != 0) return "no %PDF- header";
    if (bytes.find("%%EOF") == std::string::npos) return "no %%EOF (truncated)";
    return {};
  }
  if (ext == ".csv") {
    // predictions.csv: a header and rows of as many fields, the last row ended.
    if (bytes.empty() || bytes.back() != '\n') return "empty or its last line is cut";
    const auto fields = [](std::string_view line) {
      return std::count(line.begin(), line.end(), ',');
    };
    const std::size_t header_end = bytes.find('\n');
    const auto expected = fields(std::string_view(bytes).substr(0, header_end));
    for (std::size_t at = header_end + 1; at < bytes.size();) {
      const std::size_t end = bytes.find('\n', at);
      if (fields(std::string_view(bytes).substr(at, end - at)) != expected) {
        return "a row with another number of fields than the header";
      }
      at = end + 1;
    }
    return {};
  }
  return "not a file savant writes";
}

std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

bool is_atomic_temporary(const std::filesystem::path& path) {
  return path.filename().string().find(".tmp.") != std::string::npos;
}

}  // namespace savant::testing
