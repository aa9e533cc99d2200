#include "plan/applicator_volume.h"

#include <algorithm>
#include <cmath>

namespace kiort {

namespace {

double distance_to_segment(const Access& access, const Vec3& x) {
  const Vec3 seg = access.tip_lps - access.entry_lps;
  const double len2 = dot(seg, seg);
  const double t = len2 > 0 ? std::clamp(dot(x - access.entry_lps, seg) / len2, 0.0, 1.0) : 0.0;
  return norm(x - (access.entry_lps + seg * t));
}

}  // namespace

bool inside_applicator(const Access& access, double radius_mm, const Vec3& x) {
  return distance_to_segment(access, x) < radius_mm;
}

std::vector<float> applicator_fraction(const Grid3& grid, const Access& access, double radius_mm) {
  std::vector<float> f(grid.voxel_count(), 0.0f);
  const auto inside = [&](const Vec3& x) { return inside_applicator(access, radius_mm, x); };
  const Vec3 sp = grid.spacing();
  const double half_diagonal = 0.5 * norm(sp);
  const auto& d = grid.dims();
  for (int k = 0; k < d[2]; ++k)
    for (int j = 0; j < d[1]; ++j)
      for (int i = 0; i < d[0]; ++i) {
        if (distance_to_segment(access, grid.position(Index3{i, j, k})) >=
            radius_mm + half_diagonal)
          continue;
        int n = 0;
        for (int a = 0; a < 4; ++a)
          for (int b = 0; b < 4; ++b)
            for (int e = 0; e < 4; ++e)
              n += inside(
                  grid.position(Vec3{i + (a - 1.5) / 4, j + (b - 1.5) / 4, k + (e - 1.5) / 4}));
        double frac = n / 64.0;
        if (n == 0)
          for (int corner = 0; corner < 8 && frac == 0; ++corner)
            if (inside(grid.position(Vec3{i + ((corner & 1) ? 0.5 : -0.5),
                                          j + ((corner & 2) ? 0.5 : -0.5),
                                          k + ((corner & 4) ? 0.5 : -0.5)})))
              frac = 1.0 / 128;
        f[grid.linear(Index3{i, j, k})] = float(frac);
      }
  return f;
}

std::vector<std::uint8_t> applicator_touched(const Grid3& grid, const std::vector<Access>& accesses,
                                             double radius_mm) {
  std::vector<std::uint8_t> m(grid.voxel_count(), 0);
  for (const Access& a : accesses) {
    const auto f = applicator_fraction(grid, a, radius_mm);
    for (std::size_t v = 0; v < m.size(); ++v)
      if (f[v] > 0) m[v] = 1;
  }
  return m;
}

}  // namespace kiort
