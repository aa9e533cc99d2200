// History-by-history scoring with exact, order-independent sums.
// Each bin keeps the current history's running value (lazily folded when another history scores
// there, as EGSnrc's EGS_ScoringArray does) and the sums of per-history values and their squares.
// Sums are fixed-point 128-bit integers, so merging workers in any order gives bit-identical
// results: the same seed and history count give the same dose for any number of threads or
// processes.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/collective.h"
#include "core/huge_pages.h"

namespace kiort {

class ScoreArray {
 public:
  // One fixed-point unit is 2^-24 of the scored quantity's unit.
  static constexpr double kScale = 16777216.0;

  explicit ScoreArray(std::size_t bins = 0) : bins_(bins) {}

  std::size_t size() const { return bins_.size(); }

  void score(std::size_t bin, double x, std::uint64_t history) {
    Bin& b = bins_[bin];
    if (b.last != history) {
      fold(b);
      b.last = history;
    }
    b.cur += x;
  }

  // A hint that `bin` is scored soon (a prefetch for writing); changes nothing.
  void prefetch(std::size_t bin) const { __builtin_prefetch(&bins_[bin], 1, 3); }

  // Folds every pending per-history value into the sums (call before reading or merging).
  void flush() {
    for (Bin& b : bins_) fold(b);
  }

  // Folds one bin's pending value (a check of one bin between rounds need not pass over all).
  void flush_bin(std::size_t bin) { fold(bins_[bin]); }
  // Adds another array's (flushed) bin `from` into this array's bin `to`: exact.
  void merge_bin(const ScoreArray& o, std::size_t from, std::size_t to) {
    bins_[to].sum += o.bins_[from].sum;
    bins_[to].sum2 += o.bins_[from].sum2;
  }

  // Adds another (flushed) array's sums: exact and commutative.
  void merge(const ScoreArray& o) {
    for (std::size_t i = 0; i < bins_.size(); ++i) {
      bins_[i].sum += o.bins_[i].sum;
      bins_[i].sum2 += o.bins_[i].sum2;
    }
  }

  // Replaces the (flushed) sums by their sums over all processes: exact, so every process then
  // holds the same tally, bit for bit, whatever the number of processes.
  void sum_over(const Collective& world) {
    if (world.size() <= 1) return;
    std::vector<Int128> packed(2 * bins_.size());
    for (std::size_t i = 0; i < bins_.size(); ++i) {
      packed[2 * i] = bins_[i].sum;
      packed[2 * i + 1] = bins_[i].sum2;
    }
    world.sum(packed);
    for (std::size_t i = 0; i < bins_.size(); ++i) {
      bins_[i].sum = packed[2 * i];
      bins_[i].sum2 = packed[2 * i + 1];
    }
  }

  // Mean per history and the standard error of that mean, over n histories.
  double mean(std::size_t bin, std::uint64_t n) const {
    return n ? double(bins_[bin].sum) / kScale / double(n) : 0.0;
  }
  double sigma(std::size_t bin, std::uint64_t n) const {
    if (n < 2) return 0.0;
    const double m = double(bins_[bin].sum) / kScale / double(n);
    const double m2 = double(bins_[bin].sum2) / (kScale * kScale) / double(n);
    return std::sqrt(std::max(0.0, (m2 - m * m) / double(n - 1)));
  }
  // Raw sums in fixed-point units (for tests of exactness).
  Int128 raw_sum(std::size_t bin) const { return bins_[bin].sum; }

 private:
  static constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

  // One bin's state in one place: a new history touching a voxel costs one cache miss, not four.
  struct Bin {
    double cur = 0.0;
    std::uint64_t last = kNone;
    Int128 sum = 0, sum2 = 0;
  };

  static void fold(Bin& b) {
    if (b.cur == 0.0) return;
    const auto q = static_cast<Int128>(std::llround(b.cur * kScale));
    b.sum += q;
    b.sum2 += q * q;
    b.cur = 0.0;
  }

  std::vector<Bin, HugePageAllocator<Bin>> bins_;
};

}  // namespace kiort
