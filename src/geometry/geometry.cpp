#include "geometry/geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace kiort {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

Geometry::Geometry(Grid3 grid, std::vector<const MaterialXs*> media,
                   std::vector<std::int16_t> medium, std::vector<float> density)
    : grid_(std::move(grid)), media_(std::move(media)) {
  const std::size_t n = grid_.voxel_count();
  if (medium.size() != n || density.size() != n)
    throw Error::bad_input("phantom arrays do not match the grid")
        .field("medium/density")
        .seen(std::to_string(medium.size()) + "/" + std::to_string(density.size()))
        .expected(std::to_string(n) + " voxels");
  for (std::size_t v = 0; v < n; ++v) {
    if (medium[v] < -1 || medium[v] >= static_cast<int>(media_.size()))
      throw Error::bad_input("voxel refers to an unknown medium")
          .field("medium[" + std::to_string(v) + "]")
          .seen(std::to_string(medium[v]))
          .expected("-1 (vacuum) to " + std::to_string(media_.size() - 1));
    if (!(density[v] >= 0) || !std::isfinite(density[v]))
      throw Error::bad_input("voxel density must be finite and >= 0")
          .field("density[" + std::to_string(v) + "]")
          .seen(std::to_string(density[v]))
          .expected(">= 0 g/cm3");
  }
  voxels_.resize(n);
  for (std::size_t v = 0; v < n; ++v) {
    voxels_[v].density = density[v];
    voxels_[v].medium = medium[v];
  }
  to_local_rot_ = grid_.direction().transposed();
  const Vec3& s = grid_.spacing();
  extent_ = {s.x * grid_.dims()[0], s.y * grid_.dims()[1], s.z * grid_.dims()[2]};
}

Vec3 Geometry::to_local(const Vec3& p) const {
  return to_local_rot_ * (p - grid_.origin()) + grid_.spacing() * 0.5;
}

Vec3 Geometry::to_lps(const Vec3& q) const {
  return grid_.origin() + grid_.direction() * (q - grid_.spacing() * 0.5);
}

void Geometry::add_solid(const LayeredCapsule& solid_lps) {
  if (solids_.size() >= 8) throw Error::bad_input("at most 8 solids").field(solid_lps.name());
  for (const SolidLayer& l : solid_lps.layers())
    if (l.medium < -1 || l.medium >= static_cast<int>(media_.size()) || !(l.density_g_cm3 >= 0))
      throw Error::bad_input("solid layer has an unknown medium or a negative density")
          .field(solid_lps.name());
  // local = R (p - origin) + s/2 = R (p - (origin - R^T s/2))
  const Vec3 shift = grid_.origin() - grid_.direction() * (grid_.spacing() * 0.5);
  solids_.push_back(solid_lps.transformed(to_local_rot_, shift));
  const LayeredCapsule& sol = solids_.back();
  const double r = sol.outer_radius();
  int lo[3], hi[3];
  for (int a = 0; a < 3; ++a) {
    const double mn = std::min(sol.a()[a], sol.b()[a]) - r,
                 mx = std::max(sol.a()[a], sol.b()[a]) + r;
    lo[a] = std::max(0, static_cast<int>(std::floor(mn / grid_.spacing()[a])));
    hi[a] = std::min(grid_.dims()[a] - 1, static_cast<int>(std::floor(mx / grid_.spacing()[a])));
  }
  const auto bit = static_cast<std::uint8_t>(1u << (solids_.size() - 1));
  for (int k = lo[2]; k <= hi[2]; ++k)
    for (int j = lo[1]; j <= hi[1]; ++j)
      for (int i = lo[0]; i <= hi[0]; ++i) voxels_[grid_.linear({i, j, k})].solids |= bit;
}

std::array<int, 3> Geometry::voxel_ijk(const Vec3& p) const {
  std::array<int, 3> ijk;
  for (int a = 0; a < 3; ++a)
    ijk[a] = std::clamp(static_cast<int>(p[a] / grid_.spacing()[a]), 0, grid_.dims()[a] - 1);
  return ijk;
}

Region Geometry::locate(const Vec3& p) const {
  if (!inside_box(p)) return {};
  return locate(p, voxel_ijk(p));
}

Region Geometry::locate(const Vec3& p, const std::array<int, 3>& ijk) const {
  Region r;
  r.voxel = static_cast<std::int64_t>(grid_.linear({ijk[0], ijk[1], ijk[2]}));
  if (voxel_touches_solid(static_cast<std::size_t>(r.voxel))) {
    for (std::size_t s = 0; s < solids_.size(); ++s)
      if (auto layer = solids_[s].layer_at(p)) {
        const SolidLayer& l = solids_[s].layers()[*layer];
        r.solid = static_cast<int>(s);
        r.layer = static_cast<int>(*layer);
        r.medium = l.medium;
        r.density = l.density_g_cm3;
        return r;
      }
  }
  const Voxel& vx = voxels_[static_cast<std::size_t>(r.voxel)];
  r.medium = vx.medium;
  r.density = vx.density;
  return r;
}

double Geometry::distance_to_boundary(const Vec3& p, const Vec3& u, const Vec3& inv_u,
                                      const Region& r, const std::array<int, 3>& ijk,
                                      int& axis) const {
  double best = kInf;
  axis = -1;
  for (int a = 0; a < 3; ++a) {
    if (u[a] == 0) continue;
    const double wall = (ijk[a] + (u[a] > 0 ? 1 : 0)) * grid_.spacing()[a];
    const double t = std::max(0.0, (wall - p[a]) * inv_u[a]);
    if (t < best) {
      best = t;
      axis = a;
    }
  }
  if (r.solid >= 0) {
    const double t = solids_[static_cast<std::size_t>(r.solid)].distance_to_surface(p, u);
    if (t < best) {
      best = t;
      axis = -1;
    }
  } else if (voxel_touches_solid(static_cast<std::size_t>(r.voxel))) {
    for (const LayeredCapsule& s : solids_) {
      const double t = s.distance_to_enter(p, u);
      if (t < best) {
        best = t;
        axis = -1;
      }
    }
  }
  return best;
}

}  // namespace kiort
