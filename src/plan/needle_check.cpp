#include "plan/needle_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kiort {

std::string lps_side(const Vec3& d) {
  const double len = norm(d);
  if (!(len > 0)) return "on the axis";
  struct Part {
    double v;
    const char* pos;
    const char* neg;
  };
  Part parts[3] = {
      {d.x, "left", "right"}, {d.y, "posterior", "anterior"}, {d.z, "superior", "inferior"}};
  std::sort(std::begin(parts), std::end(parts),
            [](const Part& a, const Part& b) { return std::abs(a.v) > std::abs(b.v); });
  std::string out;
  for (const Part& p : parts)
    if (std::abs(p.v) >= 0.3 * len || out.empty())
      out += (out.empty() ? "" : ", ") + std::string(p.v > 0 ? p.pos : p.neg);
    else
      break;
  return out;
}

NeedleCheck check_needle(const PatientModel& p, const Vec3& entry, const Vec3& tip,
                         double radius_mm, double margin_mm,
                         const std::vector<const Structure*>& avoid) {
  NeedleCheck out;
  out.radius_mm = radius_mm;
  out.margin_mm = margin_mm;
  const double reach = radius_mm + margin_mm;
  const double search = radius_mm + std::max(margin_mm, kNeedleClearanceSearchMm);
  const Vec3 seg = tip - entry;
  const double len = norm(seg);
  const Vec3 ax = len > 0 ? seg * (1.0 / len) : Vec3{0, 0, 1};
  // The capsule's bounding box in index space: the continuous indices of its box's corners.
  const auto& dims = p.grid.dims();
  std::array<int, 3> lo{dims[0], dims[1], dims[2]}, hi{-1, -1, -1};
  for (int c = 0; c < 8; ++c) {
    const Vec3 q{(c & 1 ? std::max(entry.x, tip.x) + search : std::min(entry.x, tip.x) - search),
                 (c & 2 ? std::max(entry.y, tip.y) + search : std::min(entry.y, tip.y) - search),
                 (c & 4 ? std::max(entry.z, tip.z) + search : std::min(entry.z, tip.z) - search)};
    const Vec3 ci = p.grid.continuous_index(q);
    for (int a = 0; a < 3; ++a) {
      lo[std::size_t(a)] = std::min(lo[std::size_t(a)], int(std::floor(ci[a])));
      hi[std::size_t(a)] = std::max(hi[std::size_t(a)], int(std::ceil(ci[a])));
    }
  }
  for (int a = 0; a < 3; ++a) {
    lo[std::size_t(a)] = std::max(lo[std::size_t(a)], 0);
    hi[std::size_t(a)] = std::min(hi[std::size_t(a)], dims[std::size_t(a)] - 1);
  }
  std::vector<const Structure*> seen;
  for (const Structure* s : avoid) {
    if (!s || std::find(seen.begin(), seen.end(), s) != seen.end()) continue;
    seen.push_back(s);
    NeedleHit h;
    h.structure = s->name;
    double deepest = -1;
    for (int k = lo[2]; k <= hi[2]; ++k)
      for (int j = lo[1]; j <= hi[1]; ++j)
        for (int i = lo[0]; i <= hi[0]; ++i) {
          const Index3 ix{i, j, k};
          if (!s->mask[p.grid.linear(ix)]) continue;
          const Vec3 x = p.grid.position(ix);
          const double t = std::clamp(dot(x - entry, ax), 0.0, len);
          const Vec3 off = x - (entry + ax * t);
          const double d = norm(off);
          if (d < search)
            out.clearance_mm = std::isnan(out.clearance_mm)
                                   ? d - radius_mm
                                   : std::min(out.clearance_mm, d - radius_mm);
          if (d >= reach) continue;
          // Along the axis back from the tip; beyond the tip (the round end) it is negative.
          const double from_tip = len - dot(x - entry, ax);
          if (h.voxels == 0) h.from_tip_min_mm = h.from_tip_max_mm = from_tip;
          h.from_tip_min_mm = std::min(h.from_tip_min_mm, from_tip);
          h.from_tip_max_mm = std::max(h.from_tip_max_mm, from_tip);
          ++h.voxels;
          if (reach - d > deepest) {
            deepest = reach - d;
            h.deepest_mm = deepest;
            h.deepest_from_tip_mm = from_tip;
            h.deepest_lps = x;
            h.side = lps_side(off);
          }
        }
    if (h.voxels > 0) out.hits.push_back(h);
  }
  return out;
}

std::string NeedleCheck::describe() const {
  std::string out;
  char buf[512];
  for (const NeedleHit& h : hits) {
    std::snprintf(buf, sizeof buf,
                  "%sthe needle's surface (radius %.1f mm + %.1f mm margin) enters %s over %.1f to "
                  "%.1f mm from the tip, on its %s side (%zu voxels; deepest %.1f mm inside at "
                  "%.1f mm from the tip, %.1f,%.1f,%.1f mm LPS)",
                  out.empty() ? "" : "; ", radius_mm, margin_mm, h.structure.c_str(),
                  h.from_tip_min_mm, h.from_tip_max_mm, h.side.c_str(), h.voxels, h.deepest_mm,
                  h.deepest_from_tip_mm, h.deepest_lps.x, h.deepest_lps.y, h.deepest_lps.z);
    out += buf;
  }
  return out;
}

}  // namespace kiort
