#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "savant/core/statistics.hpp"

namespace savant {
namespace {

TEST(IncompleteBeta, MatchesClosedForms) {
  // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b.
  EXPECT_NEAR(regularized_incomplete_beta(1, 1, 0.3), 0.3, 1e-14);
  EXPECT_NEAR(regularized_incomplete_beta(3, 1, 0.4), std::pow(0.4, 3), 1e-14);
  EXPECT_NEAR(regularized_incomplete_beta(1, 2.5, 0.7), 1 - std::pow(0.3, 2.5), 1e-14);
  // Symmetry: I_x(a, b) = 1 - I_{1-x}(b, a).
  EXPECT_NEAR(regularized_incomplete_beta(2.5, 0.5, 0.9),
              1 - regularized_incomplete_beta(0.5, 2.5, 0.1), 1e-14);
}

TEST(StudentT, CdfOfCauchyIsArctangent) {
  // One degree of freedom is the Cauchy distribution: F(t) = 1/2 + atan(t) / pi.
  for (double t : {-3.0, -0.5, 0.0, 0.7, 2.0, 40.0}) {
    EXPECT_NEAR(student_t_cdf(t, 1), 0.5 + std::atan(t) / M_PI, 1e-13) << t;
  }
}

TEST(StudentT, QuantilesMatchPublishedTables) {
  // t(0.975, df), from R's qt(0.975, df) to 12 digits.
  const std::vector<std::pair<double, double>> known = {
      {1, 12.7062047361747},   {2, 4.30265272974946},  {3, 3.18244630528371},
      {4, 2.77644510519779},   {5, 2.57058183563631},  {9, 2.26215716279820},
      {10, 2.22813885198627},  {30, 2.04227245630124}, {100, 1.98397151852355},
      {1000, 1.96233908082861}};
  for (auto [df, t] : known) EXPECT_NEAR(student_t_quantile(0.975, df), t, 1e-9) << df;
  EXPECT_NEAR(student_t_quantile(0.95, 4), 2.13184678632665, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.025, 4), -2.77644510519779, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.5, 7), 0.0, 1e-12);
}

TEST(Summarize, MeanStdAndConfidenceInterval) {
  const std::vector<double> x = {0.61, 0.63, 0.62, 0.66, 0.64};
  const Summary s = summarize(x);
  EXPECT_EQ(s.n, 5u);
  EXPECT_NEAR(s.mean, 0.632, 1e-12);
  EXPECT_NEAR(s.std, std::sqrt(0.00148 / 4), 1e-12);
  const double half = 2.77644510519779 * s.std / std::sqrt(5.0);
  EXPECT_NEAR(s.ci95_low, 0.632 - half, 1e-9);
  EXPECT_NEAR(s.ci95_high, 0.632 + half, 1e-9);
}

TEST(Summarize, NaNIsLeftOutAndSmallSamplesHaveNoInterval) {
  const std::vector<double> one = {0.5, std::nan("")};
  const Summary s = summarize(one);
  EXPECT_EQ(s.n, 1u);
  EXPECT_EQ(s.mean, 0.5);
  EXPECT_TRUE(std::isnan(s.std));
  EXPECT_TRUE(std::isnan(s.ci95_low));
  EXPECT_TRUE(std::isnan(summarize(std::vector<double>{}).mean));
}

}  // namespace
}  // namespace savant
