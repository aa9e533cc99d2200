#include "transport/tally_analog.h"

namespace kiort {

ScoredGrid AnalogTally::dose(std::uint64_t n, const ScoringBox& box, const Geometry& g) const {
  const Grid3& grid = g.grid();
  const Grid3& b = *box.grid();
  const auto& lo = box.lo();
  return to_grid(deposit_, n, b, [&](std::size_t i) {
    const Index3 ix = b.index3(i);
    const double rho = g.voxel_density(grid.linear({ix.i + lo[0], ix.j + lo[1], ix.k + lo[2]}));
    // keV per history / (rho [g/cm3] * V [mm3] * 1e-3 cm3/mm3) -> Gy
    return rho > 0 ? kGyPerKeVPerGram / (rho * grid.voxel_volume_mm3() * 1e-3) : 0.0;
  });
}

}  // namespace kiort
