#pragma once
// Summary statistics of repeated runs: mean, sample standard deviation and the two-sided 95%
// confidence interval of the mean from Student's t distribution.

#include <cstddef>
#include <span>

namespace savant {

// I_x(a, b), the regularised incomplete beta function, for a, b > 0 and x in [0, 1]; by the
// continued fraction of Numerical Recipes (section 6.4), evaluated with the modified Lentz method.
double regularized_incomplete_beta(double a, double b, double x);

// P(T <= t) for Student's t with `df` > 0 degrees of freedom:
// 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0, and by symmetry below.
double student_t_cdf(double t, double df);

// The p-quantile of Student's t (0 < p < 1): the CDF inverted by bisection on a bracket, to
// double precision. student_t_quantile(0.975, 4) = 2.776445105...
double student_t_quantile(double p, double df);

struct Summary {
  std::size_t n = 0;
  double mean = 0;  // NaN when n = 0
  double std = 0;   // sample standard deviation (n - 1 in the denominator); NaN when n < 2
  double ci95_low = 0, ci95_high = 0;  // mean -+ t(0.975, n - 1) std / sqrt(n); NaN when n < 2
};

// NaN values are left out (an undefined signature, say) and not counted in n.
Summary summarize(std::span<const double> values);

}  // namespace savant
