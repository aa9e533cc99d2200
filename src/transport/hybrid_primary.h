// The hybrid mode's primary: the uncollided collision kerma from a point source at each scoring
// voxel, by exact ray tracing through the geometry (noise-free), averaged over the voxel. The
// Monte Carlo then scores only what this does not (scatter, fluorescence, the near voxels).
// It must never cost more than a fraction of the Monte Carlo it saves: one ray per voxel, with
// the voxel average from an analytic second-order correction; sub-points only where that
// correction is large (near the source, strongly attenuating voxels).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/collective.h"
#include "geometry/geometry.h"
#include "source/photon_source.h"

namespace kiort {

struct PrimaryRequest {
  std::array<int, 3> box_lo{}, box_dims{};                   // the scoring box in voxel indices
  const std::vector<std::uint8_t>* deterministic = nullptr;  // per box voxel: 1 = computed here
  double spectrum_bin_kev = 0.5;      // the point source's spectrum in bins of this width
  const MaterialXs* water = nullptr;  // also the kerma to water in medium (TG-186 Dw,m)
  unsigned threads = 0;
  // Sub-points are used where the one-ray average's estimated residual (0.3 x the second-order
  // correction^2, weighted by each energy bin's kerma) exceeds this; within `near_voxels` of the
  // source always 5^3.
  double max_residual = 1e-4;
  double near_voxels = 6.0;
  // A distributed run: each process computes its share (blocks of 4096 voxels, every size-th)
  // and the values are combined exactly (each voxel's double comes from one process).
  const Collective* world = nullptr;
};

struct PrimaryKerma {
  std::vector<double> medium, water;  // Gy per history per box voxel (0 where not computed)
};

// Mass thickness (g/cm3 x mm) per medium along the straight path from a to b (the grid's local
// frame), through voxels and solids.
void mass_thickness(const Geometry& g, const Vec3& a, const Vec3& b, std::vector<double>& out);

// Throws Error(internal) when the source is not a point with a spectrum.
PrimaryKerma hybrid_primary_kerma(const Geometry& g, const PhotonSource& source,
                                  const PrimaryRequest& request);

}  // namespace kiort
