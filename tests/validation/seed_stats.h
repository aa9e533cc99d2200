// The mean of per-seed values and its standard error from their spread (the validation tests'
// paired and seed-by-seed comparisons).
#pragma once

#include <cmath>
#include <vector>

namespace kiort {

struct MeanSe {
  double mean = 0, se = 0;
};

inline MeanSe mean_and_se(const std::vector<double>& x) {
  const double n = double(x.size());
  double m = 0, q = 0;
  for (double v : x) m += v;
  m /= n;
  for (double v : x) q += (v - m) * (v - m);
  return {m, std::sqrt(q / (n - 1) / n)};
}

}  // namespace kiort
