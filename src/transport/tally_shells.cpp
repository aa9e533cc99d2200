#include "transport/tally_shells.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kiort {

ShellTally::ShellTally(const Geometry& g, const TransportOptions& o)
    : radii_(o.shell_radii_mm),
      cos_edges_(o.shell_cos_edges),
      energy_edges_(o.shell_energy_edges_kev),
      center_(g.to_local(o.shell_center)),
      axis_(normalized(g.direction_to_local(o.shell_axis))) {
  n_radii_ = radii_.size() > 1 ? radii_.size() - 1 : 0;
  n_cos_ = cos_edges_.size() > 1 ? cos_edges_.size() - 1 : 1;
  n_energy_ = energy_edges_.size() > 1 ? energy_edges_.size() - 1 : 1;
}

int ShellTally::energy_bin(double e_kev) const {
  if (energy_edges_.size() < 2) return 0;
  const auto it = std::upper_bound(energy_edges_.begin(), energy_edges_.end(), e_kev);
  return (it == energy_edges_.begin() || it == energy_edges_.end())
             ? -1
             : int(it - energy_edges_.begin()) - 1;
}

void ShellTally::score(const Vec3& r, const Vec3& u, double len, double per_mm, int energy_bin,
                       std::uint64_t h, ScoreArray& a, std::vector<double>& cuts) const {
  if (energy_bin < 0) return;
  const auto& radii = radii_;
  const auto& cos_edges = cos_edges_;
  const Vec3 o = r - center_;
  const double b = dot(o, u), c2 = dot(o, o);
  const double oa = dot(o, axis_), ua = dot(u, axis_);
  // Only the spheres whose radius lies between the step's nearest and farthest distance from
  // the centre can be crossed: the search keeps the cost per step independent of the shell
  // count (a 150 mm phantom in 1 mm shells has 151 radii).
  cuts.clear();
  auto cut = [&](double t) {
    if (t > 0 && t < len) cuts.push_back(t);
  };
  cuts.push_back(0);
  const double t_near = std::clamp(-b, 0.0, len);
  const double r_near = std::sqrt(std::max(0.0, t_near * t_near + 2 * b * t_near + c2));
  const double r_far = std::sqrt(std::max(c2, len * len + 2 * b * len + c2));
  for (auto it = std::lower_bound(radii.begin(), radii.end(), r_near);
       it != radii.end() && *it <= r_far; ++it) {
    const double rad = *it;
    const double disc = b * b - c2 + rad * rad;
    if (disc <= 0) continue;
    const double sq = std::sqrt(disc);
    cut(-b - sq);
    cut(-b + sq);
  }
  for (std::size_t k = 1; k + 1 < cos_edges.size(); ++k) {
    const double c = cos_edges[k];
    if (c == 0) {  // the plane perpendicular to the axis
      if (ua != 0) cut(-oa / ua);
      continue;
    }
    // ((o + t u).a)^2 = c^2 |o + t u|^2 on the nappe where (o + t u).a has the sign of c.
    const double qa = ua * ua - c * c, qb = 2 * (oa * ua - c * c * b), qc = oa * oa - c * c * c2;
    auto keep = [&](double t) {
      if ((oa + t * ua) * c > 0) cut(t);
    };
    if (std::abs(qa) < 1e-14) {
      if (qb != 0) keep(-qc / qb);
      continue;
    }
    const double disc = qb * qb - 4 * qa * qc;
    if (disc < 0) continue;
    const double sq = std::sqrt(disc);
    keep((-qb - sq) / (2 * qa));
    keep((-qb + sq) / (2 * qa));
  }
  cuts.push_back(len);
  std::sort(cuts.begin(), cuts.end());
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const double l = cuts[i + 1] - cuts[i];
    if (l <= 0) continue;
    const double tm = 0.5 * (cuts[i] + cuts[i + 1]);
    const double rm = std::sqrt(std::max(0.0, tm * tm + 2 * b * tm + c2));
    const auto it = std::upper_bound(radii.begin(), radii.end(), rm);
    if (it == radii.begin() || it == radii.end()) continue;
    const std::size_t ri = std::size_t(it - radii.begin() - 1);
    std::size_t ci = 0;
    if (n_cos_ > 1 && rm > 0) {
      const double cm = std::clamp((oa + tm * ua) / rm, -1.0, 1.0);
      const auto ct = std::upper_bound(cos_edges.begin(), cos_edges.end(), cm);
      ci = std::min(n_cos_ - 1,
                    std::size_t(std::max<std::ptrdiff_t>(1, ct - cos_edges.begin()) - 1));
    }
    a.score((std::size_t(energy_bin) * n_radii_ + ri) * n_cos_ + ci, per_mm * l, h);
  }
}

std::vector<ShellResult> ShellTally::results(const ScoreArray& a, std::uint64_t n) const {
  std::vector<ShellResult> out;
  const auto& ce = cos_edges_;
  for (std::size_t e = 0; e < n_energy_ && n_radii_; ++e)
    for (std::size_t s = 0; s < n_radii_; ++s)
      for (std::size_t c = 0; c < n_cos_; ++c) {
        const double lo = radii_[s], hi = radii_[s + 1];
        // Volume of a spherical shell sector: 2 pi / 3 (hi^3 - lo^3) (cos_hi - cos_lo).
        const double v =
            2.0 / 3.0 * std::numbers::pi * (hi * hi * hi - lo * lo * lo) * (ce[c + 1] - ce[c]);
        const std::size_t bin = (e * n_radii_ + s) * n_cos_ + c;
        const double m = a.mean(bin, n);
        out.push_back({lo, hi, ce[c], ce[c + 1], energy_edges_.size() > 1 ? int(e) : -1,
                       m * 100.0 / v * kGyPerKeVPerGram, m > 0 ? a.sigma(bin, n) / m : 0.0});
      }
  return out;
}

}  // namespace kiort
