#include "transport/scoring_box.h"

#include <algorithm>

namespace kiort {

ScoringBox::ScoringBox(const Grid3& grid,
                       const std::optional<std::array<std::array<int, 3>, 2>>& box) {
  const auto& d = grid.dims();
  lo_ = {0, 0, 0};
  hi_ = d;
  if (box) {
    lo_ = (*box)[0];
    hi_ = (*box)[1];
  }
  for (int a = 0; a < 3; ++a) {
    lo_[a] = std::clamp(lo_[a], 0, d[a]);
    hi_[a] = std::clamp(hi_[a], lo_[a], d[a]);
    dims_[a] = hi_[a] - lo_[a];
  }
  voxels_ = std::size_t(dims_[0]) * std::size_t(dims_[1]) * std::size_t(dims_[2]);
  if (voxels_ > 0)
    grid_.emplace(dims_, grid.spacing(), grid.position(Index3{lo_[0], lo_[1], lo_[2]}),
                  grid.direction());
}

ScoredGrid to_grid(const ScoreArray& a, std::uint64_t n, const Grid3& box,
                   const std::function<double(std::size_t)>& to_gy) {
  ScoredGrid g;
  g.grid = box;
  g.value.resize(a.size());
  g.sigma_rel.resize(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double m = a.mean(i, n);
    g.value[i] = m * to_gy(i);
    g.sigma_rel[i] = m > 0 ? a.sigma(i, n) / m : 0.0;
  }
  return g;
}

}  // namespace kiort
