// Planar polygons <-> masks on one slice of a grid, in continuous index coordinates (voxel
// centres at integers). Rasterising uses the even-odd rule over all polygons of a slice, so a
// contour inside another is a hole (as RTSTRUCT CLOSED_PLANAR contours are meant); tracing a mask
// gives polygons along voxel edges that rasterise back to exactly the same mask.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace kiort {

using Point2 = std::array<double, 2>;  // (i, j) continuous index in the slice
using Polygon2 = std::vector<Point2>;  // closed: the last point joins the first

// Sets (XOR) slice[i + nx*j] for every voxel centre (i, j) inside the polygons by the even-odd
// rule. slice must hold nx*ny bytes; voxels already set are toggled, so call once per slice with
// all its polygons, on a zeroed slice.
void rasterise_even_odd(const std::vector<Polygon2>& polygons, int nx, int ny, std::uint8_t* slice);

// The boundary loops of a slice mask along voxel edges (corners at half-integers), collinear
// points merged. Rasterising them with rasterise_even_odd gives the mask back exactly.
std::vector<Polygon2> trace_mask_boundaries(const std::uint8_t* slice, int nx, int ny);

}  // namespace kiort
