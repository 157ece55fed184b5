#include "savant/analysis/units.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/data/grid.hpp"

namespace savant {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mean_of_finite(std::span<const double> values) {
  double sum = 0;
  std::size_t n = 0;
  for (double v : values) {
    if (std::isfinite(v)) sum += v, ++n;
  }
  return n > 0 ? sum / static_cast<double>(n) : kNaN;
}

// Throws Error unless the kernel holds (rows x cols) x hidden weights, products checked for
// wrapping around.
void check_kernel(std::span<const double> kernel, std::size_t rows, std::size_t cols,
                  std::size_t hidden) {
  const std::size_t pixels = rows * cols;
  if (rows == 0 || cols == 0 || hidden == 0 || pixels / cols != rows ||
      pixels > kernel.size() / hidden || pixels * hidden != kernel.size()) {
    throw InputError(
        fmt::format("a first kernel for {}x{} images and {} hidden units given {} weights", rows,
                    cols, hidden, kernel.size()));
  }
}

}  // namespace

std::vector<double> first_layer_weights(const Network& net) {
  std::span<const float> w = net.kernel(0);
  return {w.begin(), w.end()};
}

std::vector<double> first_layer_change(const Network& trained, std::uint64_t seed) {
  Network start(trained.layout);
  glorot_uniform_init(start, seed);
  std::span<const float> w = trained.kernel(0), w0 = start.kernel(0);
  std::vector<double> delta(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    delta[i] = static_cast<double>(w[i]) - static_cast<double>(w0[i]);
  }
  return delta;
}

BlockSpecialisation block_specialisation(std::span<const double> kernel, std::size_t rows,
                                         std::size_t cols, std::size_t hidden, int grid) {
  check_kernel(kernel, rows, cols, hidden);
  const Grid geometry(grid, rows, cols);
  BlockSpecialisation out;
  out.units = hidden;
  out.blocks = geometry.blocks();
  out.shares.assign(hidden * out.blocks, 0.0);
  // Row by row of the kernel (pixel by pixel), adding each weight's square to its unit's block.
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t b = geometry.block_of(r, c);
      const double* w = kernel.data() + (r * cols + c) * hidden;
      for (std::size_t j = 0; j < hidden; ++j) out.shares[j * out.blocks + b] += w[j] * w[j];
    }
  }
  out.specialisation.assign(hidden, kNaN);
  out.home.assign(hidden, 0);
  out.owned.assign(out.blocks, 0);
  for (std::size_t j = 0; j < hidden; ++j) {
    double* s = out.shares.data() + j * out.blocks;
    double total = 0;
    for (std::size_t b = 0; b < out.blocks; ++b) total += s[b];
    if (!(total > 0)) {
      std::fill(s, s + out.blocks, kNaN);
      continue;
    }
    for (std::size_t b = 0; b < out.blocks; ++b) s[b] /= total;
    const std::size_t best = static_cast<std::size_t>(std::max_element(s, s + out.blocks) - s);
    out.home[j] = best;
    out.specialisation[j] = s[best];
    ++out.owned[best];
  }
  out.mean = mean_of_finite(out.specialisation);
  return out;
}

std::vector<std::size_t> units_by_home_block(const BlockSpecialisation& s) {
  std::vector<std::size_t> order(s.units);
  for (std::size_t j = 0; j < s.units; ++j) order[j] = j;
  auto key = [&](std::size_t j) {
    const bool defined = !std::isnan(s.specialisation[j]);
    return std::tuple(!defined, defined ? s.home[j] : 0, defined ? -s.specialisation[j] : 0.0, j);
  };
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  return order;
}

BorderDiscontinuity border_discontinuity(std::span<const double> kernel, std::size_t rows,
                                         std::size_t cols, std::size_t hidden, int grid) {
  check_kernel(kernel, rows, cols, hidden);
  const Grid geometry(grid, rows, cols);
  if (geometry.blocks() < 2 || geometry.block_rows() * geometry.block_cols() < 2) {
    throw InvalidSetting("grid", std::to_string(grid),
                         "the border discontinuity needs pairs inside blocks and across borders");
  }
  std::vector<double> within(hidden, 0.0), across(hidden, 0.0);
  std::size_t within_pairs = 0, across_pairs = 0;
  auto add_pair = [&](std::size_t r1, std::size_t c1, std::size_t r2, std::size_t c2) {
    const double* a = kernel.data() + (r1 * cols + c1) * hidden;
    const double* b = kernel.data() + (r2 * cols + c2) * hidden;
    const bool same = geometry.same_block(r1, c1, r2, c2);
    std::vector<double>& sum = same ? within : across;
    ++(same ? within_pairs : across_pairs);
    for (std::size_t j = 0; j < hidden; ++j) sum[j] += std::abs(a[j] - b[j]);
  };
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      if (c + 1 < cols) add_pair(r, c, r, c + 1);
      if (r + 1 < rows) add_pair(r, c, r + 1, c);
    }
  }
  BorderDiscontinuity out;
  out.ratio.resize(hidden);
  for (std::size_t j = 0; j < hidden; ++j) {
    const double in = within[j] / static_cast<double>(within_pairs),
                 cross = across[j] / static_cast<double>(across_pairs);
    out.ratio[j] =
        in > 0 ? cross / in : (cross > 0 ? std::numeric_limits<double>::infinity() : kNaN);
  }
  out.mean = mean_of_finite(out.ratio);
  std::vector<double> finite;
  for (double v : out.ratio) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  if (finite.empty()) {
    out.median = kNaN;
  } else {
    const std::size_t mid = finite.size() / 2;
    std::nth_element(finite.begin(), finite.begin() + static_cast<std::ptrdiff_t>(mid),
                     finite.end());
    out.median = finite[mid];
    if (finite.size() % 2 == 0) {
      out.median =
          (out.median +
           *std::max_element(finite.begin(), finite.begin() + static_cast<std::ptrdiff_t>(mid))) /
          2;
    }
  }
  return out;
}

}  // namespace savant
