#include "plan/dvh.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace kiort {

double DoseStats::max() const {
  return sorted_desc.empty() ? 0.0 : sorted_desc.front();
}

double DoseStats::mean() const {
  if (sorted_desc.empty()) return 0.0;
  return std::accumulate(sorted_desc.begin(), sorted_desc.end(), 0.0) / double(count());
}

double DoseStats::d_pct(double pct) const {
  if (sorted_desc.empty()) return 0.0;
  const auto n = static_cast<std::size_t>(std::ceil(pct / 100.0 * double(count()) - 1e-9));
  return sorted_desc[std::clamp<std::size_t>(n, 1, count()) - 1];
}

double DoseStats::d_cc(double cc) const {
  if (sorted_desc.empty()) return 0.0;
  const auto n = static_cast<std::size_t>(std::ceil(cc / voxel_cc - 1e-9));
  return sorted_desc[std::clamp<std::size_t>(n, 1, count()) - 1];
}

double DoseStats::v_gy(double dose_gy) const {
  if (sorted_desc.empty()) return 0.0;
  const auto end = std::partition_point(sorted_desc.begin(), sorted_desc.end(),
                                        [dose_gy](double d) { return d >= dose_gy; });
  return double(end - sorted_desc.begin()) / double(count());
}

DoseStats dose_stats(const std::vector<double>& doses, double voxel_cc) {
  DoseStats s;
  s.sorted_desc = doses;
  std::sort(s.sorted_desc.begin(), s.sorted_desc.end(), std::greater<>());
  s.voxel_cc = voxel_cc;
  return s;
}

DvhCurve cumulative_dvh(const std::string& structure, const DoseStats& s, double bin_gy,
                        double max_gy) {
  DvhCurve c;
  c.structure = structure;
  c.volume_cc = s.volume_cc();
  for (double d = 0; d <= max_gy + 1e-9; d += bin_gy) {
    c.dose_gy.push_back(d);
    c.volume_fraction.push_back(s.v_gy(d));
  }
  return c;
}

DvhCurve cumulative_dvh_to_max(const std::string& structure, const DoseStats& s, double bin_gy,
                               double fine_gy) {
  DvhCurve c;
  c.structure = structure;
  c.volume_cc = s.volume_cc();
  const double top = s.max();
  double d = 0;
  for (int i = 0;; ++i) {
    c.dose_gy.push_back(d);
    c.volume_fraction.push_back(s.v_gy(d));
    if (d > top) break;
    d = d + 1e-9 < fine_gy ? (i + 1) * bin_gy : std::max(d * 1.01, d + bin_gy);
  }
  return c;
}

}  // namespace kiort
