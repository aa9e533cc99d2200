// The transport geometry: a voxel phantom (Grid3 of medium index + mass density) with analytic
// solids overlaid, which take precedence over voxels. Photons are tracked in the grid's own frame
// (mm along the i, j, k axes, voxel (i,j,k) spanning [i, i+1) * spacing), so oblique CT grids need
// no special case. Exact voxel traversal (Amanatides & Woo 1987); a photon that leaves the grid's
// box escapes. Contract in the spirit of egs++: where am I, how far to the next boundary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/grid3.h"
#include "core/huge_pages.h"
#include "geometry/solids.h"
#include "physics/cross_sections.h"

namespace kiort {

// A region: a voxel (solid < 0) or a layer of a solid.
struct Region {
  std::int64_t voxel = -1;  // linear voxel index, -1 outside the grid
  int solid = -1;           // solid index, -1 in the voxel medium
  int layer = -1;
  int medium = -1;     // -1: vacuum
  double density = 0;  // g/cm3
};

class Geometry {
 public:
  // media: the materials voxels and solids refer to by index. medium per voxel (-1: vacuum),
  // density per voxel (g/cm3). Throws Error(bad input) on sizes that do not match the grid,
  // unknown medium indices, and negative or non-finite densities (naming the voxel).
  Geometry(Grid3 grid, std::vector<const MaterialXs*> media, std::vector<std::int16_t> medium,
           std::vector<float> density);

  // Adds a solid given in LPS coordinates; later solids do not override earlier ones.
  void add_solid(const LayeredCapsule& solid_lps);

  const Grid3& grid() const { return grid_; }
  const std::vector<const MaterialXs*>& media() const { return media_; }
  const std::vector<LayeredCapsule>& solids_local() const { return solids_; }
  std::int16_t voxel_medium(std::size_t v) const { return voxels_[v].medium; }
  float voxel_density(std::size_t v) const { return voxels_[v].density; }

  // Frame changes: LPS point/direction <-> the grid's local frame.
  Vec3 to_local(const Vec3& p_lps) const;
  Vec3 direction_to_local(const Vec3& u_lps) const { return to_local_rot_ * u_lps; }
  Vec3 to_lps(const Vec3& p_local) const;
  // Local box [0, extent].
  const Vec3& extent() const { return extent_; }
  bool inside_box(const Vec3& p) const {
    return p.x >= 0 && p.y >= 0 && p.z >= 0 && p.x < extent_.x && p.y < extent_.y &&
           p.z < extent_.z;
  }

  // The region at local point p (outside the box: voxel = -1, medium = -1).
  Region locate(const Vec3& p) const;
  // The region at local point p whose voxel is known to be ijk (after an exact wall crossing).
  Region locate(const Vec3& p, const std::array<int, 3>& ijk) const;
  // Voxel index of a local point known to be inside the box.
  std::array<int, 3> voxel_ijk(const Vec3& p) const;
  // Distance along u from p (in region r, voxel ijk) to the next region boundary; `axis` returns
  // the voxel axis crossed (0..2) or -1 for a solid surface.
  double distance_to_boundary(const Vec3& p, const Vec3& u, const Vec3& inv_u, const Region& r,
                              const std::array<int, 3>& ijk, int& axis) const;
  // True when any solid's bounding box overlaps voxel v (solids can only be met there).
  bool voxel_touches_solid(std::size_t v) const { return voxels_[v].solids != 0; }
  // A hint that locate() will soon read voxel ijk (in range). Changes nothing.
  void prefetch_voxel(const std::array<int, 3>& ijk) const {
    __builtin_prefetch(&voxels_[grid_.linear({ijk[0], ijk[1], ijk[2]})]);
  }

 private:
  Grid3 grid_;
  std::vector<const MaterialXs*> media_;
  // What locate() reads of a voxel, in one place (one cache line, 8 bytes a voxel): density
  // (g/cm3), medium (-1 vacuum) and a bit per solid whose bounding box overlaps it.
  struct Voxel {
    float density = 0;
    std::int16_t medium = -1;
    std::uint8_t solids = 0;
  };
  std::vector<Voxel, HugePageAllocator<Voxel>> voxels_;
  std::vector<LayeredCapsule> solids_;  // local frame
  Mat3 to_local_rot_;
  Vec3 extent_;
};

}  // namespace kiort
