#include "savant/analysis/cka.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "savant/analysis/forward_parts.hpp"
#include "savant/core/error.hpp"
#include "savant/kernels/dense.hpp"
#include "savant/model/arch_train.hpp"
#include "savant/model/evaluate.hpp"

namespace savant {

HiddenActivations hidden_activations(const Network& net, const ImageSet& images, int threads) {
  check_analysis_inputs(net, images);
  HiddenActivations out;
  out.images = images.count;
  out.units = net.layout.out(0);
  out.values.resize(images.count * out.units);
  out.predicted.resize(images.count);
  const std::size_t P = images.pixels_per_image();
  for_each_chunk(images.count, threads, [&](std::size_t begin, std::size_t end) {
    const std::size_t rows = end - begin;
    std::vector<float> x(rows * P);
    NetworkTail tail(net, rows);
    float* h = out.values.data() + begin * out.units;
    scale_images(images, begin, rows, x.data());
    dense_forward_fast(h, x.data(), net.kernel(0).data(), net.bias(0).data(), rows, P, out.units,
                       true);
    tail.classify(h, rows, out.predicted.data() + begin);
  });
  return out;
}

HiddenActivations hidden_activations(const ArchNetwork& net, const ImageSet& images, int threads) {
  HiddenActivations out;
  out.images = images.count;
  const std::vector<float> logits = arch_predict(net, images, threads, &out.values, &out.units);
  const std::size_t K = net.layout.classes;
  out.predicted.resize(images.count);
  for (std::size_t k = 0; k < images.count; ++k) {
    out.predicted[k] = static_cast<std::uint8_t>(best_class(logits.data() + k * K, K));
  }
  return out;
}

double linear_cka(std::span<const float> x, std::span<const float> y, std::size_t n, std::size_t dx,
                  std::size_t dy) {
  if ((dx != 0 && n > x.size() / dx) || n * dx != x.size() || (dy != 0 && n > y.size() / dy) ||
      n * dy != y.size()) {
    throw InputError(
        fmt::format("linear_cka: ({}, {}) and ({}, {}) matrices given {} and {} values", n, dx, n,
                    dy, x.size(), y.size()));
  }
  // Column means in double; the centred rows in float, multiplied by the fast kernel
  // (kernels/dense.hpp, inp^T dout) chunk by chunk, each chunk's products added up in double.
  auto means = [n](std::span<const float> m, std::size_t d) {
    std::vector<double> mean(d, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < d; ++j) mean[j] += m[i * d + j];
    }
    for (double& v : mean) v /= static_cast<double>(std::max<std::size_t>(n, 1));
    return mean;
  };
  const std::vector<double> mx = means(x, dx), my = means(y, dy);
  auto squared_norm = [](const std::vector<double>& m) {
    double s = 0;
    for (double v : m) s += v * v;
    return s;
  };
  std::vector<float> product;
  auto accumulate = [&product](std::vector<double>& sum, const float* a, const float* b,
                               std::size_t rows, std::size_t da, std::size_t db) {
    product.resize(da * db);
    dense_dkernel_fast(product.data(), a, b, rows, da, db);
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += product[i];
  };
  // Wide layers (more units than examples): the same number from the examples' Gram matrices,
  // ||y^T x||^2 = <x x^T, y y^T> and ||x^T x|| = ||x x^T||, so that the memory is n^2, not
  // units^2 (65,536 units would need 96 GiB of unit-by-unit products).
  if (2 * n < dx + dy) {
    auto gram = [&](std::span<const float> m, std::size_t d, const std::vector<double>& mean) {
      std::vector<double> k(n * n, 0.0);
      std::vector<float> columns(kAnalysisChunk * n);  // (features of the chunk, n), centred
      for (std::size_t begin = 0; begin < d; begin += kAnalysisChunk) {
        const std::size_t count = std::min(kAnalysisChunk, d - begin);
        for (std::size_t j = 0; j < count; ++j) {
          for (std::size_t i = 0; i < n; ++i) {
            columns[j * n + i] = static_cast<float>(m[i * d + begin + j] - mean[begin + j]);
          }
        }
        accumulate(k, columns.data(), columns.data(), count, n, n);
      }
      return k;
    };
    const std::vector<double> kx = gram(x, dx, mx), ky = gram(y, dy, my);
    double inner = 0;
    for (std::size_t i = 0; i < kx.size(); ++i) inner += kx[i] * ky[i];
    const double denominator = std::sqrt(squared_norm(kx)) * std::sqrt(squared_norm(ky));
    if (!(denominator > 0)) return std::numeric_limits<double>::quiet_NaN();
    return inner / denominator;
  }
  std::vector<double> xx(dx * dx, 0.0), yy(dy * dy, 0.0), yx(dx * dy, 0.0);
  std::vector<float> cx(kAnalysisChunk * dx), cy(kAnalysisChunk * dy);
  for (std::size_t begin = 0; begin < n; begin += kAnalysisChunk) {
    const std::size_t rows = std::min(kAnalysisChunk, n - begin);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < dx; ++j) {
        cx[r * dx + j] = static_cast<float>(x[(begin + r) * dx + j] - mx[j]);
      }
      for (std::size_t j = 0; j < dy; ++j) {
        cy[r * dy + j] = static_cast<float>(y[(begin + r) * dy + j] - my[j]);
      }
    }
    accumulate(xx, cx.data(), cx.data(), rows, dx, dx);
    accumulate(yy, cy.data(), cy.data(), rows, dy, dy);
    accumulate(yx, cx.data(), cy.data(), rows, dx, dy);  // x^T y, the transpose of y^T x
  }
  const double denominator = std::sqrt(squared_norm(xx)) * std::sqrt(squared_norm(yy));
  if (!(denominator > 0)) return std::numeric_limits<double>::quiet_NaN();
  return squared_norm(yx) / denominator;
}

ModelComparison compare_models(const HiddenActivations& a, const HiddenActivations& b) {
  if (a.images != b.images || a.predicted.size() != a.images || b.predicted.size() != b.images) {
    throw InputError(
        "compare_models: the two models' activations come from different image sets (" +
        std::to_string(a.images) + " and " + std::to_string(b.images) + " images)");
  }
  ModelComparison out;
  out.cka = linear_cka(a.values, b.values, a.images, a.units, b.units);
  std::size_t same = 0;
  for (std::size_t k = 0; k < a.images; ++k) same += a.predicted[k] == b.predicted[k];
  out.agreement = a.images > 0 ? static_cast<double>(same) / static_cast<double>(a.images) : 0.0;
  return out;
}

}  // namespace savant
