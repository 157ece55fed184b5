#include "savant/analysis/cka.hpp"

#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Core>

#include "savant/analysis/forward_parts.hpp"
#include "savant/core/error.hpp"

namespace savant {

HiddenActivations hidden_activations(const Network& net, const ImageSet& images, int threads) {
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
    dense_forward(h, x.data(), net.kernel(0).data(), net.bias(0).data(), rows, P, out.units, true);
    tail.classify(h, rows, out.predicted.data() + begin);
  });
  return out;
}

double linear_cka(std::span<const float> x, std::span<const float> y, std::size_t n, std::size_t dx,
                  std::size_t dy) {
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using FloatMap =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
  const auto rows = static_cast<Eigen::Index>(n);
  Matrix X = FloatMap(x.data(), rows, static_cast<Eigen::Index>(dx)).cast<double>();
  Matrix Y = FloatMap(y.data(), rows, static_cast<Eigen::Index>(dy)).cast<double>();
  X.rowwise() -= X.colwise().mean();
  Y.rowwise() -= Y.colwise().mean();
  const Matrix xx = X.transpose() * X, yy = Y.transpose() * Y, yx = Y.transpose() * X;
  const double denominator = xx.norm() * yy.norm();
  if (!(denominator > 0)) return std::numeric_limits<double>::quiet_NaN();
  return yx.squaredNorm() / denominator;
}

ModelComparison compare_models(const HiddenActivations& a, const HiddenActivations& b) {
  if (a.images != b.images) {
    throw Error("compare_models: the two models' activations come from different image sets (" +
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
