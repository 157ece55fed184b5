#include <gtest/gtest.h>

#include <cmath>

#include "savant/analysis/cka.hpp"
#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/model/evaluate.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

std::vector<float> random_matrix(std::size_t n, std::size_t d, std::uint64_t seed) {
  CounterRng rng(seed, Stream::kInit, 0);
  std::vector<float> m(n * d);
  for (float& v : m) v = rng.uniform_float() - 0.5f;
  return m;
}

TEST(Cka, OfActivationsWithThemselvesIsOne) {
  const std::vector<float> x = random_matrix(300, 20, 1);
  EXPECT_NEAR(linear_cka(x, x, 300, 20, 20), 1.0, 1e-12);
}

TEST(Cka, InvariantToPermutingUnitsAndIsotropicScaling) {
  const std::size_t n = 1300, d = 20;  // three chunks of 500
  const std::vector<float> x = random_matrix(n, d, 1), other = random_matrix(n, 12, 2);
  std::vector<float> permuted(n * d), scaled(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j) {
      permuted[i * d + j] = x[i * d + (j * 7 + 3) % d];  // 7 is coprime with 20
      scaled[i * d + j] = 2.5f * x[i * d + j];           // rounded to float
    }
  }
  EXPECT_NEAR(linear_cka(x, permuted, n, d, d), 1.0, 1e-6);
  EXPECT_NEAR(linear_cka(x, scaled, n, d, d), 1.0, 1e-6);
  // Against another matrix, permuting and scaling one side changes nothing either.
  const double base = linear_cka(x, other, n, d, 12);
  EXPECT_NEAR(linear_cka(permuted, other, n, d, 12), base, 1e-6);
  EXPECT_NEAR(linear_cka(scaled, other, n, d, 12), base, 1e-6);
  // Independent activations are far from identical.
  EXPECT_LT(base, 0.3);
}

// linear_cka against its definition in double, for n examples of dx and dy features.
void expect_definition(std::size_t n, std::size_t dx, std::size_t dy) {
  std::vector<float> x = random_matrix(n, dx, 5), y = random_matrix(n, dy, 6);
  for (std::size_t i = 0; i < n; ++i) y[i * dy] += 2 * x[i * dx];  // something shared
  auto centred = [n](const std::vector<float>& m, std::size_t d) {
    std::vector<double> c(m.begin(), m.end());
    for (std::size_t j = 0; j < d; ++j) {
      double mean = 0;
      for (std::size_t i = 0; i < n; ++i) mean += c[i * d + j] / static_cast<double>(n);
      for (std::size_t i = 0; i < n; ++i) c[i * d + j] -= mean;
    }
    return c;
  };
  const std::vector<double> cx = centred(x, dx), cy = centred(y, dy);
  // ||A^T B||_F^2 for centred A (n, da), B (n, db).
  auto cross = [n](const std::vector<double>& a, std::size_t da, const std::vector<double>& b,
                   std::size_t db) {
    double sum = 0;
    for (std::size_t i = 0; i < da; ++i) {
      for (std::size_t j = 0; j < db; ++j) {
        double dot = 0;
        for (std::size_t k = 0; k < n; ++k) dot += a[k * da + i] * b[k * db + j];
        sum += dot * dot;
      }
    }
    return sum;
  };
  const double expected =
      cross(cy, dy, cx, dx) / std::sqrt(cross(cx, dx, cx, dx) * cross(cy, dy, cy, dy));
  EXPECT_GT(expected, 0.1);
  EXPECT_NEAR(linear_cka(x, y, n, dx, dy), expected, 1e-6)
      << n << " x (" << dx << ", " << dy << ")";
}

TEST(Cka, MatchesTheDefinitionInDouble) {
  expect_definition(1100, 7, 5);
}

// More units than examples: the Gram-matrix path, over more than one chunk of units.
TEST(Cka, WideLayersMatchTheDefinitionInDouble) {
  expect_definition(40, 700, 530);
  expect_definition(40, 3, 90);
}

TEST(Cka, OfOneFeatureEachIsTheSquaredCorrelation) {
  // With one unit each, CKA = cov(x, y)^2 / (var x var y) = Pearson's r squared.
  const std::vector<float> x = {1, 2, 3, 4, 6}, y = {2, 1, 4, 3, 5};
  // Centred: x - 3.2 = {-2.2, -1.2, -0.2, 0.8, 2.8}, y - 3 = {-1, -2, 1, 0, 2};
  // sum xy = 2.2 + 2.4 - 0.2 + 0 + 5.6 = 10, sum x^2 = 14.8, sum y^2 = 10.
  EXPECT_NEAR(linear_cka(x, y, 5, 1, 1), 100.0 / (14.8 * 10.0), 1e-6);
  // Constant activations: undefined.
  const std::vector<float> flat = {3, 3, 3, 3, 3};
  EXPECT_TRUE(std::isnan(linear_cka(x, flat, 5, 1, 1)));
}

TEST(Cka, HiddenActivationsAreTheForwardPasss) {
  const Split data = testing::random_split(1100, 28, 28, 10, 4);
  Network net(dense_layout(784, 24, 1, 10));
  glorot_uniform_init(net, 3);
  const HiddenActivations h = hidden_activations(net, data.images, 3);
  ASSERT_EQ(h.values.size(), 1100u * 24u);
  const std::vector<Prediction> p = predict(net, data.images);
  for (std::size_t k = 0; k < 1100; ++k) EXPECT_EQ(h.predicted[k], p[k].label) << k;
  // Image 1050's hidden layer, computed here in double.
  const std::size_t k = 1050;
  for (std::size_t j = 0; j < 24; ++j) {
    double z = net.bias(0)[j];
    for (std::size_t q = 0; q < 784; ++q) {
      z += data.images.image(k)[q] / 255.0 * net.kernel(0)[q * 24 + j];
    }
    EXPECT_NEAR(h.values[k * 24 + j], std::max(z, 0.0), 1e-5) << j;
  }
}

TEST(Cka, ComparingAModelWithItselfAndWithAnother) {
  const Split data = testing::random_split(600, 28, 28, 10, 4);
  Network a(dense_layout(784, 24, 1, 10)), b(dense_layout(784, 24, 1, 10));
  glorot_uniform_init(a, 3);
  glorot_uniform_init(b, 4);
  const HiddenActivations ha = hidden_activations(a, data.images),
                          hb = hidden_activations(b, data.images);
  const ModelComparison same = compare_models(ha, ha);
  EXPECT_NEAR(same.cka, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(same.agreement, 1.0);
  const ModelComparison other = compare_models(ha, hb);
  EXPECT_LT(other.cka, 0.999);
  EXPECT_LT(other.agreement, 1.0);
  const HiddenActivations fewer =
      hidden_activations(a, testing::random_split(5, 28, 28, 10, 4).images);
  EXPECT_THROW(compare_models(ha, fewer), Error);
}

TEST(Cka, MatricesOfAnotherSizeAreAnError) {
  const std::vector<float> x = random_matrix(10, 3, 1);
  EXPECT_THROW(linear_cka(x, x, 10, 3, 4), Error);
  EXPECT_THROW(linear_cka(x, x, 11, 3, 3), Error);
  EXPECT_THROW(linear_cka({}, {}, std::size_t{1} << 62, 4, 4), Error);
}

// A network without a hidden layer, or of another input size, is refused before any thread
// starts: thrown on a worker thread, the error would end the program.
TEST(Cka, NetworkWithoutHiddenLayerOrOfAnotherSizeIsAnError) {
  const Split data = testing::random_split(1100, 4, 4, 10, 4);
  Network no_hidden(ParameterLayout({16, 10}));
  EXPECT_THROW(hidden_activations(no_hidden, data.images, 3), Error);
  Network wider(dense_layout(25, 4, 1, 10));
  EXPECT_THROW(hidden_activations(wider, data.images, 3), Error);
}
}  // namespace
}  // namespace savant
