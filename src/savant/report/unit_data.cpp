#include "savant/report/unit_data.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "savant/analysis/units.hpp"
#include "savant/experiment/unit_analysis.hpp"
#include "savant/report/page_encoding.hpp"

namespace savant {
namespace {

using nlohmann::json;

json rounded_list(const std::vector<double>& values) {
  json out = json::array();
  for (double v : values) {
    out.push_back(std::isfinite(v) ? json(std::round(v * 1e4) / 1e4) : json(nullptr));
  }
  return out;
}

}  // namespace

json unit_page_json(const Network& net, std::size_t rows, std::size_t cols, int grid,
                    std::uint64_t seed) {
  const std::size_t P = rows * cols, N = net.layout.out(0);
  const std::vector<double> W = first_layer_weights(net);
  const std::vector<double> change = first_layer_change(net, seed);
  const BlockSpecialisation trained = block_specialisation(W, rows, cols, N, grid);
  const BlockSpecialisation added = block_specialisation(change, rows, cols, N, grid);

  std::vector<std::uint8_t> weights(N * P, 128);
  std::vector<double> scale(N, 0.0);
  for (std::size_t j = 0; j < N; ++j) {
    for (std::size_t p = 0; p < P; ++p) scale[j] = std::max(scale[j], std::abs(W[p * N + j]));
    if (!(scale[j] > 0)) continue;
    for (std::size_t p = 0; p < P; ++p) {
      weights[j * P + p] =
          static_cast<std::uint8_t>(std::lround(128 + 127 * W[p * N + j] / scale[j]));
    }
  }
  std::vector<std::uint8_t> shares(trained.shares.size(), 0);
  for (std::size_t i = 0; i < shares.size(); ++i) {
    const double s = trained.shares[i];
    shares[i] = std::isfinite(s) ? static_cast<std::uint8_t>(std::lround(255 * s)) : 0;
  }
  json home = json::array();
  for (std::size_t j = 0; j < N; ++j) {
    home.push_back(std::isfinite(trained.specialisation[j]) ? json(trained.home[j])
                                                            : json(nullptr));
  }

  json out = {{"order", units_by_home_block(trained)},
              {"weights", base64_encode(weights)},
              {"scale", rounded_list(scale)},
              {"home", std::move(home)},
              {"specialisation", rounded_list(trained.specialisation)},
              {"specialisation_change", rounded_list(added.specialisation)},
              {"shares", base64_encode(shares)},
              {"discontinuity", nullptr},
              {"discontinuity_change", nullptr},
              {"outgoing", nullptr}};
  if (has_border_pairs(grid, rows, cols)) {
    out["discontinuity"] = rounded_list(border_discontinuity(W, rows, cols, N, grid).ratio);
    out["discontinuity_change"] =
        rounded_list(border_discontinuity(change, rows, cols, N, grid).ratio);
  }
  if (net.layout.layers() == 2) {
    const std::size_t C = net.layout.out(1);
    const std::span<const float> V = net.kernel(1);  // (N, C)
    json outgoing = json::array();
    for (std::size_t j = 0; j < N; ++j) {
      outgoing.push_back(
          rounded_list(std::vector<double>(V.begin() + static_cast<std::ptrdiff_t>(j * C),
                                           V.begin() + static_cast<std::ptrdiff_t>(j * C + C))));
    }
    out["outgoing"] = std::move(outgoing);
  }
  return out;
}

}  // namespace savant
