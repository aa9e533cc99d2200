#include "transport/problems.h"

#include <cmath>

#include "core/error.h"

namespace kiort {

Geometry make_sphere_problem(const MaterialXs& medium, double radius_mm) {
  if (!(radius_mm > 0) || !std::isfinite(radius_mm))
    throw Error::bad_input("sphere radius must be positive")
        .field("radius_mm")
        .seen(std::to_string(radius_mm))
        .expected("> 0 mm");
  const double side = 2.0 * radius_mm * 1.001;
  Grid3 grid({1, 1, 1}, {side, side, side}, {0, 0, 0});
  Geometry g(grid, {&medium}, {-1}, {0.0f});
  g.add_solid(LayeredCapsule("sphere", {0, 0, 0}, {0, 0, 0},
                             {{radius_mm, 0, medium.material().density_g_cm3}}));
  return g;
}

Geometry make_box_problem(const MaterialXs& medium, double size_mm, double voxel_mm) {
  if (!(size_mm > 0) || !(voxel_mm > 0) || voxel_mm > size_mm)
    throw Error::bad_input("box size and voxel size must be positive, voxel <= size")
        .field("size_mm/voxel_mm")
        .seen(std::to_string(size_mm) + "/" + std::to_string(voxel_mm));
  const int n = std::max(1, static_cast<int>(std::lround(size_mm / voxel_mm)));
  const double o = -0.5 * (n - 1) * voxel_mm;
  Grid3 grid({n, n, n}, {voxel_mm, voxel_mm, voxel_mm}, {o, o, o});
  const std::size_t count = grid.voxel_count();
  return Geometry(grid, {&medium}, std::vector<std::int16_t>(count, 0),
                  std::vector<float>(count, static_cast<float>(medium.material().density_g_cm3)));
}

}  // namespace kiort
