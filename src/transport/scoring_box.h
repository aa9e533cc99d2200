// The scoring box: the voxels [lo, hi) of the geometry's grid where the voxel tallies score
// (default the whole grid), indexed i fastest, and the same box as a Grid3 of its own for the
// results. It only maps indices; it holds no score.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "core/grid3.h"
#include "transport/score_array.h"
#include "transport/transport.h"

namespace kiort {

class ScoringBox {
 public:
  // `box`: voxel indices [lo, hi), clamped to the grid; none: the whole grid.
  ScoringBox(const Grid3& grid, const std::optional<std::array<std::array<int, 3>, 2>>& box);

  std::size_t voxels() const { return voxels_; }
  const std::array<int, 3>& lo() const { return lo_; }
  const std::array<int, 3>& dims() const { return dims_; }
  // The box as its own grid (absent when it holds no voxel).
  const std::optional<Grid3>& grid() const { return grid_; }

  // Index of grid voxel ijk in the box, or -1 outside it.
  std::int64_t index(const std::array<int, 3>& ijk) const {
    for (int a = 0; a < 3; ++a)
      if (ijk[a] < lo_[a] || ijk[a] >= hi_[a]) return -1;
    return (ijk[0] - lo_[0]) + std::int64_t(dims_[0]) *
                                   ((ijk[1] - lo_[1]) + std::int64_t(dims_[1]) * (ijk[2] - lo_[2]));
  }
  // The grid voxel of box index b.
  std::array<int, 3> ijk(std::size_t b) const {
    const std::size_t nx = std::size_t(dims_[0]), ny = std::size_t(dims_[1]);
    return {lo_[0] + int(b % nx), lo_[1] + int((b / nx) % ny), lo_[2] + int(b / (nx * ny))};
  }

 private:
  std::array<int, 3> lo_{}, hi_{}, dims_{};
  std::size_t voxels_ = 0;
  std::optional<Grid3> grid_;
};

// A box tally's mean per history (n histories) times to_gy(bin), with its relative sigma.
ScoredGrid to_grid(const ScoreArray& a, std::uint64_t n, const Grid3& box,
                   const std::function<double(std::size_t)>& to_gy);

}  // namespace kiort
