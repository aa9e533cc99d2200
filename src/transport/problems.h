// The standard validation and benchmark problems: a point source at the centre of a homogeneous
// sphere (radial dose in shells) and of a voxelised cube. Shared by `kiort mc`, `kiort bench mc`
// and the tests, so all three run exactly the same geometry.
#pragma once

#include "geometry/geometry.h"

namespace kiort {

// A homogeneous sphere of `medium` (nominal density) of radius R around the LPS origin, in a
// single vacuum voxel just larger than the sphere. Throws Error(bad input) for R <= 0.
Geometry make_sphere_problem(const MaterialXs& medium, double radius_mm);

// A cube of side L mm centred on the LPS origin, voxels of V mm, filled with `medium` at its
// nominal density. Throws Error(bad input) for L <= 0, V <= 0 or V > L.
Geometry make_box_problem(const MaterialXs& medium, double size_mm, double voxel_mm);

}  // namespace kiort
