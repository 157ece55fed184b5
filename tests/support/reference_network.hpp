#pragma once
// The oracle for the fast path: forward and backward of a dense ReLU network with softmax
// cross-entropy, written as plain loops in double over the same flat parameter layout.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "savant/model/network.hpp"

namespace savant::testing {

struct ReferenceResult {
  double loss = 0;             // mean cross-entropy over the rows
  std::vector<double> grad;    // layout.total()
  std::vector<double> logits;  // (rows, classes)
};

inline ReferenceResult reference_forward_backward(const ParameterLayout& layout,
                                                  const std::vector<double>& params,
                                                  const std::vector<double>& x,
                                                  const std::vector<std::uint8_t>& labels,
                                                  std::size_t rows) {
  const std::size_t L = layout.layers();
  std::vector<std::vector<double>> act(L + 1);
  act[0] = x;
  for (std::size_t l = 0; l < L; ++l) {
    const std::size_t in = layout.in(l), out = layout.out(l);
    act[l + 1].assign(rows * out, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < out; ++j) {
        double z = params[layout.bias_offset(l) + j];
        for (std::size_t i = 0; i < in; ++i) {
          z += act[l][r * in + i] * params[layout.kernel_offset(l) + i * out + j];
        }
        act[l + 1][r * out + j] = (l + 1 < L) ? std::max(z, 0.0) : z;
      }
    }
  }
  ReferenceResult res;
  res.logits = act[L];
  res.grad.assign(layout.total(), 0.0);
  const std::size_t K = layout.out(L - 1);
  std::vector<double> delta(rows * K);
  for (std::size_t r = 0; r < rows; ++r) {
    double zmax = act[L][r * K];
    for (std::size_t k = 0; k < K; ++k) zmax = std::max(zmax, act[L][r * K + k]);
    double sum = 0;
    for (std::size_t k = 0; k < K; ++k) sum += std::exp(act[L][r * K + k] - zmax);
    res.loss += (std::log(sum) + zmax - act[L][r * K + labels[r]]) / static_cast<double>(rows);
    for (std::size_t k = 0; k < K; ++k) {
      const double p = std::exp(act[L][r * K + k] - zmax) / sum;
      delta[r * K + k] = (p - (k == labels[r] ? 1.0 : 0.0)) / static_cast<double>(rows);
    }
  }
  for (std::size_t l = L; l-- > 0;) {
    const std::size_t in = layout.in(l), out = layout.out(l);
    std::vector<double> prev(rows * in, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < out; ++j) {
        const double d = delta[r * out + j];
        res.grad[layout.bias_offset(l) + j] += d;
        for (std::size_t i = 0; i < in; ++i) {
          res.grad[layout.kernel_offset(l) + i * out + j] += act[l][r * in + i] * d;
          prev[r * in + i] += d * params[layout.kernel_offset(l) + i * out + j];
        }
      }
    }
    if (l > 0) {
      for (std::size_t n = 0; n < prev.size(); ++n) prev[n] = act[l][n] > 0 ? prev[n] : 0.0;
    }
    delta = std::move(prev);
  }
  return res;
}

}  // namespace savant::testing
