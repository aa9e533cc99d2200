// History-by-history scoring with exact, order-independent sums.
// Each bin keeps the current history's running value (lazily folded when another history scores
// there, as EGSnrc's EGS_ScoringArray does) and the sums of per-history values and their squares.
// Sums are fixed-point 128-bit integers, so merging workers in any order gives bit-identical
// results: the same seed and history count give the same dose for any number of threads.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace kiort {

__extension__ typedef __int128 Int128;

class ScoreArray {
 public:
  // One fixed-point unit is 2^-24 of the scored quantity's unit.
  static constexpr double kScale = 16777216.0;

  explicit ScoreArray(std::size_t bins = 0)
      : cur_(bins, 0.0), last_(bins, kNone), sum_(bins, 0), sum2_(bins, 0) {}

  std::size_t size() const { return cur_.size(); }

  void score(std::size_t bin, double x, std::uint64_t history) {
    if (last_[bin] != history) {
      fold(bin);
      last_[bin] = history;
    }
    cur_[bin] += x;
  }

  // Folds every pending per-history value into the sums (call before reading or merging).
  void flush() {
    for (std::size_t b = 0; b < cur_.size(); ++b) fold(b);
  }

  // Adds another (flushed) array's sums: exact and commutative.
  void merge(const ScoreArray& o) {
    for (std::size_t b = 0; b < sum_.size(); ++b) {
      sum_[b] += o.sum_[b];
      sum2_[b] += o.sum2_[b];
    }
  }

  // Mean per history and the standard error of that mean, over n histories.
  double mean(std::size_t bin, std::uint64_t n) const {
    return n ? double(sum_[bin]) / kScale / double(n) : 0.0;
  }
  double sigma(std::size_t bin, std::uint64_t n) const {
    if (n < 2) return 0.0;
    const double m = double(sum_[bin]) / kScale / double(n);
    const double m2 = double(sum2_[bin]) / (kScale * kScale) / double(n);
    return std::sqrt(std::max(0.0, (m2 - m * m) / double(n - 1)));
  }
  // Raw sums in fixed-point units (for tests of exactness).
  Int128 raw_sum(std::size_t bin) const { return sum_[bin]; }

 private:
  static constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

  void fold(std::size_t b) {
    if (cur_[b] == 0.0) return;
    const auto q = static_cast<Int128>(std::llround(cur_[b] * kScale));
    sum_[b] += q;
    sum2_[b] += q * q;
    cur_[b] = 0.0;
  }

  std::vector<double> cur_;
  std::vector<std::uint64_t> last_;
  std::vector<Int128> sum_, sum2_;
};

}  // namespace kiort
