#include "savant/analysis/weight_correlation.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <Eigen/Core>

#include "savant/core/error.hpp"
#include "savant/data/grid.hpp"

namespace savant {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Throws Error unless R holds (rows x cols)^2 values, products checked for wrapping around.
void check_correlation(std::span<const double> R, std::size_t rows, std::size_t cols) {
  const std::size_t pixels = rows * cols;
  if (rows == 0 || cols == 0 || pixels / cols != rows || pixels > R.size() / pixels ||
      pixels * pixels != R.size()) {
    throw InputError(fmt::format("R must hold ({0}x{1})^2 values for {0}x{1} images; it holds {2}",
                                 rows, cols, R.size()));
  }
}

}  // namespace

std::vector<double> weight_correlation(std::span<const float> kernel, std::size_t pixels,
                                       std::size_t hidden) {
  if (pixels == 0 || hidden == 0 || pixels > kernel.size() / hidden ||
      pixels * hidden != kernel.size()) {
    throw InputError(fmt::format("a first kernel of {} pixels by {} hidden units given {} weights",
                                 pixels, hidden, kernel.size()));
  }
  if (pixels > std::numeric_limits<std::size_t>::max() / sizeof(double) / pixels) {
    throw ResourceError(fmt::format("R of {0} x {0} pixels does not fit in memory", pixels));
  }
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto P = static_cast<Eigen::Index>(pixels), H = static_cast<Eigen::Index>(hidden);
  Matrix z =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          kernel.data(), P, H)
          .cast<double>();
  std::vector<bool> defined(pixels);
  for (Eigen::Index p = 0; p < P; ++p) {
    z.row(p).array() -= z.row(p).mean();
    const double norm = z.row(p).norm();
    defined[static_cast<std::size_t>(p)] = norm > 0.0;
    if (norm > 0.0) z.row(p) /= norm;
  }
  // R = z z^T, symmetric: Eigen's rank update computes the upper triangle alone, with the same
  // kernel and blocking as the full product (the same bits, tests/analysis), in about 60% of its
  // time; the lower triangle is its mirror.
  std::vector<double> R(pixels * pixels);
  Eigen::Map<Matrix> out(R.data(), P, P);
  out.selfadjointView<Eigen::Upper>().rankUpdate(z);
  out.triangularView<Eigen::StrictlyLower>() = out.transpose();
  for (std::size_t p = 0; p < pixels; ++p) {
    for (std::size_t q = 0; q < pixels; ++q) {
      if (!defined[p] || !defined[q]) R[p * pixels + q] = kNaN;
    }
    if (defined[p]) R[p * pixels + p] = 1.0;
  }
  return R;
}

std::vector<double> adjacent_correlation(std::span<const double> R, std::size_t rows,
                                         std::size_t cols) {
  check_correlation(R, rows, cols);
  const std::size_t pixels = rows * cols;
  std::vector<double> A(pixels, kNaN);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t p = r * cols + c;
      double sum = 0;
      int n = 0;
      if (c + 1 < cols && !std::isnan(R[p * pixels + p + 1])) sum += R[p * pixels + p + 1], ++n;
      if (r + 1 < rows && !std::isnan(R[p * pixels + p + cols]))
        sum += R[p * pixels + p + cols], ++n;
      if (n > 0) A[p] = sum / n;
    }
  }
  return A;
}

AdjacentPairs adjacent_pairs(std::span<const double> R, std::size_t rows, std::size_t cols,
                             int grid) {
  check_correlation(R, rows, cols);
  const std::size_t pixels = rows * cols;
  const Grid geometry(grid, rows, cols);
  AdjacentPairs pairs;
  auto add = [&](std::size_t p, std::size_t q, bool same_block) {
    const double value = R[p * pixels + q];
    if (std::isnan(value)) return;
    (same_block ? pairs.within : pairs.across).push_back(value);
  };
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t p = r * cols + c;
      if (c + 1 < cols) add(p, p + 1, geometry.same_block(r, c, r, c + 1));
      if (r + 1 < rows) add(p, p + cols, geometry.same_block(r, c, r + 1, c));
    }
  }
  return pairs;
}

GridSignature grid_signature(std::span<const double> R, std::size_t rows, std::size_t cols,
                             int grid) {
  const AdjacentPairs pairs = adjacent_pairs(R, rows, cols, grid);
  auto mean = [](const std::vector<double>& v) {
    if (v.empty()) return kNaN;
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
  };
  GridSignature s;
  s.within = mean(pairs.within);
  s.across = mean(pairs.across);
  s.contrast = s.within - s.across;
  s.within_pairs = pairs.within.size();
  s.across_pairs = pairs.across.size();
  return s;
}

}  // namespace savant
