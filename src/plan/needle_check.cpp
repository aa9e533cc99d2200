#include "plan/needle_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <set>

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
  const auto [e1, e2] = perpendiculars(ax);
  // Concentric surfaces about the needle (the capsule of radius rho: a cylinder from the entry
  // to the tip and a hemisphere beyond the tip), 0.1 mm apart up to radius + margin, then 0.25 mm
  // apart out to the clearance search; each sampled every 0.5 mm along and around. A sample
  // fails when it lies in a voxel of the structure: the voxel, not its centre, is what the
  // applicator must not touch (on a 3 mm CT a voxel's centre may lie 2.6 mm beyond its face).
  std::vector<double> shells;
  for (double rho = 0; rho <= reach + 1e-9; rho += kShellStepMm) shells.push_back(rho);
  if (shells.back() < reach - 1e-9) shells.push_back(reach);
  for (double rho = reach + kOuterShellStepMm; rho <= search + 1e-9; rho += kOuterShellStepMm)
    shells.push_back(rho);
  const double two_pi = 2 * std::numbers::pi;
  std::vector<const Structure*> seen;
  for (const Structure* s : avoid) {
    if (!s || std::find(seen.begin(), seen.end(), s) != seen.end()) continue;
    seen.push_back(s);
    NeedleHit h;
    h.structure = s->name;
    std::set<std::size_t> voxels;
    double r_first = -1;  // the smallest shell radius with a sample in the structure
    auto visit = [&](double rho, const Vec3& x, const Vec3& off, double from_tip) {
      const auto ix = p.grid.voxel_at(x);
      if (!ix || !s->mask[p.grid.linear(*ix)]) return false;
      if (r_first < 0) {
        r_first = rho;
        h.deepest_mm = reach - rho;
        h.deepest_from_tip_mm = from_tip;
        h.deepest_lps = x;
        h.side = lps_side(off);
      }
      if (rho <= reach + 1e-9) {
        if (voxels.empty()) h.from_tip_min_mm = h.from_tip_max_mm = from_tip;
        voxels.insert(p.grid.linear(*ix));
        h.from_tip_min_mm = std::min(h.from_tip_min_mm, from_tip);
        h.from_tip_max_mm = std::max(h.from_tip_max_mm, from_tip);
      }
      return true;
    };
    for (double rho : shells) {
      bool any = false;
      const int n_around = rho > 0 ? std::max(8, int(std::ceil(two_pi * rho / kSampleStepMm))) : 1;
      for (double t = 0; t <= len + 1e-9; t += kSampleStepMm)
        for (int a = 0; a < n_around; ++a) {
          const double th = two_pi * a / n_around;
          const Vec3 off = (e1 * std::cos(th) + e2 * std::sin(th)) * rho;
          any = visit(rho, entry + ax * t + off, off, len - t) || any;
        }
      // The round end: polar angle phi from the axis beyond the tip.
      if (rho > 0) {
        const int n_polar =
            std::max(2, int(std::ceil(0.5 * std::numbers::pi * rho / kSampleStepMm)));
        for (int k = 0; k < n_polar; ++k) {
          const double phi = 0.5 * std::numbers::pi * k / n_polar;  // phi = 90 deg is the cylinder
          const double ring = rho * std::sin(phi);
          const int n_ring =
              ring > 0 ? std::max(8, int(std::ceil(two_pi * ring / kSampleStepMm))) : 1;
          for (int a = 0; a < n_ring; ++a) {
            const double th = two_pi * a / n_ring;
            const Vec3 off =
                ax * (rho * std::cos(phi)) + (e1 * std::cos(th) + e2 * std::sin(th)) * ring;
            any = visit(rho, tip + off, off, -rho * std::cos(phi)) || any;
          }
        }
      }
      if (any) {
        const double c = rho - radius_mm;
        out.clearance_mm = std::isnan(out.clearance_mm) ? c : std::min(out.clearance_mm, c);
        if (rho > reach + 1e-9) break;  // clear of the margin: the clearance is all we need
      }
    }
    h.voxels = voxels.size();
    if (h.voxels > 0) out.hits.push_back(h);
  }
  return out;
}

std::string NeedleCheck::describe() const {
  std::string out;
  char buf[512];
  for (const NeedleHit& h : hits) {
    std::snprintf(
        buf, sizeof buf,
        "%sthe needle's surface (radius %.1f mm + %.1f mm margin) enters %s over %.1f to "
        "%.1f mm from the tip, %s (%zu voxels; deepest %.1f mm inside at "
        "%.1f mm from the tip, %.1f,%.1f,%.1f mm LPS)",
        out.empty() ? "" : "; ", radius_mm, margin_mm, h.structure.c_str(), h.from_tip_min_mm,
        h.from_tip_max_mm,
        (h.side == "on the axis" ? std::string("through its axis") : "on its " + h.side + " side")
            .c_str(),
        h.voxels, h.deepest_mm, h.deepest_from_tip_mm, h.deepest_lps.x, h.deepest_lps.y,
        h.deepest_lps.z);
    out += buf;
  }
  return out;
}

}  // namespace kiort
