// Shared helpers for the physics tests: a seeded uniform generator and a chi-square test.
#pragma once

#include <boost/math/distributions/chi_squared.hpp>
#include <cstdint>
#include <random>
#include <vector>

namespace kiort::test {

struct TestRng {
  explicit TestRng(std::uint64_t seed) : gen(seed) {}
  double uniform() {
    double u;
    do u = std::uniform_real_distribution<double>(0.0, 1.0)(gen);
    while (u <= 0.0);
    return u;
  }
  std::mt19937_64 gen;
};

// Pearson chi-square p-value of observed counts against expected probabilities (bins whose
// expected count is below 5 are merged into their neighbour).
inline double chi_square_p(const std::vector<double>& observed, const std::vector<double>& prob,
                           double n) {
  double chi2 = 0, o_acc = 0, e_acc = 0;
  int dof = -1;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    o_acc += observed[i];
    e_acc += prob[i] * n;
    if (e_acc >= 5 || i + 1 == observed.size()) {
      chi2 += (o_acc - e_acc) * (o_acc - e_acc) / e_acc;
      ++dof;
      o_acc = e_acc = 0;
    }
  }
  boost::math::chi_squared dist(dof);
  return boost::math::cdf(boost::math::complement(dist, chi2));
}

}  // namespace kiort::test
