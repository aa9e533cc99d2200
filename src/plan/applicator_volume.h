// The applicator's share of each voxel: the needle (outer radius around the segment entry -> tip,
// rounded ends) holds no tissue while the probe irradiates, and a voxel it cuts is scored by the
// Monte Carlo only in its tissue part but divided by its full mass. kiort therefore leaves every
// voxel the applicator touches out of DVHs and metrics (docs/planning.md, "Applicator voxels").
#pragma once

#include <cstdint>
#include <vector>

#include "core/grid3.h"
#include "plan/plan.h"

namespace kiort {

// Whether x lies inside the applicator of `access` (within radius_mm of the segment entry -> tip).
bool inside_applicator(const Access& access, double radius_mm, const Vec3& x);

// Fraction (0..1) of each voxel of `grid` inside the applicator of `access`, from 4 x 4 x 4
// sub-points per voxel (resolution 1/64); a voxel with a corner inside but no sub-point counts
// 1/128, so that every voxel the applicator reaches is > 0.
std::vector<float> applicator_fraction(const Grid3& grid, const Access& access, double radius_mm);

// Voxels of `grid` any access's applicator touches (fraction > 0): 1, else 0.
std::vector<std::uint8_t> applicator_touched(const Grid3& grid, const std::vector<Access>& accesses,
                                             double radius_mm);

}  // namespace kiort
