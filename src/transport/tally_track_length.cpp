#include "transport/tally_track_length.h"

#include <algorithm>
#include <limits>

#include "transport/scoring_box.h"

namespace kiort {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

void TrackLengthTally::add_dose_to(ScoreArray& into, std::int64_t bin) {
  if (bin >= 0) {
    dose_.flush_bin(std::size_t(bin));
    into.merge_bin(dose_, std::size_t(bin), 0);
  } else {
    dose_.flush();
    into.merge(dose_);
  }
}

ScoredGrid TrackLengthTally::dose(std::uint64_t n, const Grid3& box) const {
  const double to_gy = gy_per_unit(box);
  return to_grid(dose_, n, box, [&](std::size_t) { return to_gy; });
}

ScoredGrid TrackLengthTally::dose_water(std::uint64_t n, const Grid3& box) const {
  const double to_gy = gy_per_unit(box);
  return to_grid(water_, n, box, [&](std::size_t) { return to_gy; });
}

double sigma_rel_of(const ScoreArray& dose, std::uint64_t n, std::int64_t point_bin,
                    const std::vector<double>* primary, double to_gy) {
  auto total = [&](std::size_t i) {
    return dose.mean(i, n) * to_gy + (primary ? (*primary)[i] : 0.0);
  };
  if (point_bin >= 0) {
    const double m = total(std::size_t(point_bin));
    return m > 0 ? dose.sigma(std::size_t(point_bin), n) * to_gy / m : kInf;
  }
  double max = 0;
  for (std::size_t i = 0; i < dose.size(); ++i) max = std::max(max, total(i));
  if (!(max > 0)) return kInf;
  double sum = 0;
  int count = 0;
  for (std::size_t i = 0; i < dose.size(); ++i) {
    const double m = total(i);
    if (m > 0.5 * max) {
      sum += dose.sigma(i, n) * to_gy / m;
      ++count;
    }
  }
  return count ? sum / count : kInf;
}

double sigma_rel_of(const ScoredGrid& g, std::int64_t point_bin) {
  if (point_bin >= 0) return g.sigma_rel[std::size_t(point_bin)];
  const double max = g.value.empty() ? 0 : *std::max_element(g.value.begin(), g.value.end());
  double sum = 0;
  int count = 0;
  for (std::size_t i = 0; i < g.value.size(); ++i)
    if (g.value[i] > 0.5 * max) {
      sum += g.sigma_rel[i];
      ++count;
    }
  return count ? sum / count : kInf;
}

void add_primary(ScoredGrid& g, const std::vector<double>& primary) {
  for (std::size_t i = 0; i < g.value.size(); ++i) {
    const double sigma_abs = g.value[i] * g.sigma_rel[i];
    g.value[i] += primary[i];
    g.sigma_rel[i] = g.value[i] > 0 ? sigma_abs / g.value[i] : 0.0;
  }
}

}  // namespace kiort
