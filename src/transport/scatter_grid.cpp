#include "transport/scatter_grid.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "transport/transport.h"

namespace kiort {
namespace {

// Voxel average of 1/|x - s|^2 over a voxel of spacing h centred at distance d from the source:
// 8^3 midpoints within 6 voxel widths, else the second-order Taylor term
// (sum over axes of h_a^2 / 24 x d^2/dx_a^2 of 1/r^2 = -2/r^4 + 8 x_a^2 / r^6).
double inv_r2_average(const Vec3& d, const Vec3& h) {
  const double r2 = dot(d, d);
  const double hmax = std::max({h.x, h.y, h.z});
  if (r2 >= 36.0 * hmax * hmax) {
    const double r4 = r2 * r2, r6 = r4 * r2;
    double c = 0;
    for (int a = 0; a < 3; ++a) c += h[a] * h[a] / 24.0 * (-2.0 / r4 + 8.0 * d[a] * d[a] / r6);
    return 1.0 / r2 + c;
  }
  constexpr int kN = 8;
  double sum = 0;
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j)
      for (int k = 0; k < kN; ++k) {
        const Vec3 p{d.x + ((i + 0.5) / kN - 0.5) * h.x, d.y + ((j + 0.5) / kN - 0.5) * h.y,
                     d.z + ((k + 0.5) / kN - 0.5) * h.z};
        sum += 1.0 / dot(p, p);
      }
  return sum / (kN * kN * kN);
}

}  // namespace

ScatterGrid::ScatterGrid(const Geometry& g, const ScatterGridSetup& s)
    : k_(std::max(1, s.cell_voxels)),
      dims_(s.box_dims),
      box_lo_(s.box_lo),
      source_(s.source_local),
      spacing_(g.grid().spacing()) {
  const Vec3& sp = g.grid().spacing();
  const std::size_t nx = std::size_t(dims_[0]), ny = std::size_t(dims_[1]);
  const std::size_t voxels = nx * ny * std::size_t(dims_[2]);
  for (int a = 0; a < 3; ++a) {
    cells_[a] = (dims_[a] + k_ - 1) / k_;
    for (int i = 0; i < dims_[a]; ++i) cell_along_[std::size_t(a)].push_back(i / k_);
  }
  cell_count_ = std::size_t(cells_[0]) * std::size_t(cells_[1]) * std::size_t(cells_[2]);
  if (voxels == 0) return;
  auto global = [&](std::size_t b) {
    return g.grid().linear({s.box_lo[0] + int(b % nx), s.box_lo[1] + int((b / nx) % ny),
                            s.box_lo[2] + int(b / (nx * ny))});
  };
  // The entries: every medium of a scored voxel, then water.
  entry_of_medium_.assign(g.media().size(), -1);
  std::vector<std::uint8_t> eligible(voxels, 0);
  for (std::size_t b = 0; b < voxels; ++b) {
    const std::size_t v = global(b);
    const int m = g.voxel_medium(v);
    if (m < 0 || !(g.voxel_density(v) > 0) || g.voxel_touches_solid(v)) continue;
    eligible[b] = 1;
    if (entry_of_medium_[std::size_t(m)] < 0) {
      if (int(xs_.size()) >= kMaxEntries) return;  // too many media: not usable
      entry_of_medium_[std::size_t(m)] = std::int8_t(xs_.size());
      xs_.push_back(g.media()[std::size_t(m)]);
    }
  }
  if (s.water) {
    if (int(xs_.size()) >= kMaxEntries) return;
    water_entry_ = int(xs_.size());
    xs_.push_back(s.water);
  }
  entries_ = int(xs_.size());
  if (entries_ == 0) return;
  usable_ = true;

  // Trilinear weights per axis between cell centres (a last, shorter cell has its own centre),
  // held constant beyond the outermost centres (never a negative weight, so never a negative
  // dose from noisy cells).
  for (int a = 0; a < 3; ++a) {
    std::vector<double> centre(static_cast<std::size_t>(cells_[a]));
    for (int c = 0; c < cells_[a]; ++c)
      centre[std::size_t(c)] = 0.5 * (c * k_ + std::min((c + 1) * k_, dims_[a]));
    Axis& ax = axes_[std::size_t(a)];
    for (int i = 0; i < dims_[a]; ++i) {
      const double x = i + 0.5;
      int c0 = 0, c1 = 0;
      double t = 0;
      if (cells_[a] > 1) {
        const auto above = std::upper_bound(centre.begin(), centre.end(), x) - centre.begin();
        c0 = std::clamp(int(above) - 1, 0, cells_[a] - 2);
        c1 = c0 + 1;
        // Held constant beyond the outermost centres: a linear extrapolation (negative weights)
        // gave negative doses from noisy face cells in plans (e2e.rtexport).
        t = std::clamp(
            (x - centre[std::size_t(c0)]) / (centre[std::size_t(c1)] - centre[std::size_t(c0)]),
            0.0, 1.0);
      }
      ax.c0.push_back(c0);
      ax.c1.push_back(c1);
      ax.t.push_back(t);
    }
  }

  // The cells that may be used: every voxel of theirs scored (no solid, nothing, outside media).
  std::vector<std::uint8_t> good(cell_count_, 1);
  for (std::size_t b = 0; b < voxels; ++b)
    if (!eligible[b]) good[cell_of_voxel(b)] = 0;

  // Which voxels score into a cell, the cells' scored volume, and which voxels take their
  // scatter from the cells: all corners of their interpolation good.
  cell_of_.assign(voxels, -1);
  voxel_entry_.assign(voxels, -1);
  coarse_.assign(voxels, 0);
  inv_r2_.assign(voxels, 0.0);
  scored_.assign(cell_count_, 0);
  const double fine_r2 = s.fine_radius_mm * s.fine_radius_mm;
  for (std::size_t b = 0; b < voxels; ++b) {
    if (!eligible[b]) continue;
    const std::size_t c = cell_of_voxel(b);
    voxel_entry_[b] = entry_of_medium_[std::size_t(g.voxel_medium(global(b)))];
    if (!good[c]) continue;
    cell_of_[b] = std::int32_t(c);
    ++scored_[c];
  }
  for (std::size_t b = 0; b < voxels; ++b) {
    if (cell_of_[b] < 0 || !s.deterministic || !(*s.deterministic)[b]) continue;
    const std::size_t ix[3] = {b % nx, (b / nx) % ny, b / (nx * ny)};
    const Vec3 d = voxel_centre(b) - source_;
    if (dot(d, d) < fine_r2) continue;
    bool corners_good = true;
    for (int corner = 0; corner < 8 && corners_good; ++corner) {
      const auto [cell, w] = corner_of(ix, corner);
      if (w != 0 && !good[cell]) corners_good = false;
    }
    if (!corners_good) continue;
    coarse_[b] = 1;
    ++coarse_count_;
    inv_r2_[b] = inv_r2_average(d, sp);
  }
  // keV x cm^2/g x mm^3 per history -> Gy mm^2: x 100 mm^2/cm^2 / scored volume x Gy per keV/g.
  gy_per_unit_.assign(cell_count_, 0.0);
  for (std::size_t c = 0; c < cell_count_; ++c)
    if (scored_[c])
      gy_per_unit_[c] =
          100.0 / (double(scored_[c]) * g.grid().voxel_volume_mm3()) * kGyPerKeVPerGram;
  assign_bins();
}

Vec3 ScatterGrid::voxel_centre(std::size_t b) const {
  const std::size_t nx = std::size_t(dims_[0]), ny = std::size_t(dims_[1]);
  return {(box_lo_[0] + int(b % nx) + 0.5) * spacing_.x,
          (box_lo_[1] + int((b / nx) % ny) + 0.5) * spacing_.y,
          (box_lo_[2] + int(b / (nx * ny)) + 0.5) * spacing_.z};
}

std::size_t ScatterGrid::cell_of_voxel(std::size_t b) const {
  const std::size_t nx = std::size_t(dims_[0]), ny = std::size_t(dims_[1]);
  return cell_at(int(b % nx), int((b / nx) % ny), int(b / (nx * ny)));
}

std::size_t ScatterGrid::keep_fine_where_rough(const std::vector<double>& primary,
                                               double tolerance) {
  if (primary.size() != coarse_.size()) return 0;
  const std::size_t nx = std::size_t(dims_[0]), ny = std::size_t(dims_[1]);
  // The primary as the cells would hold it: cell means of r^2 K_p over their scored voxels (a
  // cell with a voxel that has no analytic primary cannot be judged and is not used).
  std::vector<double> cell_g(cell_count_, 0.0);
  std::vector<std::uint8_t> known(cell_count_, 1);
  for (std::size_t b = 0; b < coarse_.size(); ++b) {
    if (cell_of_[b] < 0) continue;
    const std::size_t c = std::size_t(cell_of_[b]);
    if (!(primary[b] > 0)) known[c] = 0;
    // The voxel's r^2 K_p as the scatter's mapping reads it back: K / (voxel average of 1/r^2),
    // so that a pure 1/r^2 field is interpolated exactly and only the roughness of r^2 K counts.
    // (a coarse voxel has its average already)
    const double inv_r2 =
        coarse_[b] ? inv_r2_[b] : inv_r2_average(voxel_centre(b) - source_, spacing_);
    cell_g[c] += primary[b] / inv_r2;
  }
  for (std::size_t c = 0; c < cell_count_; ++c)
    if (scored_[c]) cell_g[c] /= double(scored_[c]);
  std::size_t dropped = 0;
  for (std::size_t b = 0; b < coarse_.size(); ++b) {
    if (!coarse_[b]) continue;
    const std::size_t ix[3] = {b % nx, (b / nx) % ny, b / (nx * ny)};
    double g = 0;
    bool ok = primary[b] > 0;
    for (int corner = 0; corner < 8 && ok; ++corner) {
      const auto [cell, w] = corner_of(ix, corner);
      if (w == 0) continue;
      ok = known[cell] != 0;
      g += w * cell_g[cell];
    }
    if (ok && std::abs(g * inv_r2_[b] / primary[b] - 1.0) <= tolerance) continue;
    coarse_[b] = 0;
    ++dropped;
  }
  coarse_count_ -= dropped;
  assign_bins();
  return dropped;
}

std::pair<std::size_t, double> ScatterGrid::corner_of(const std::size_t (&ix)[3],
                                                      int corner) const {
  double w = 1;
  std::size_t cell = 0, stride = 1;
  for (int a = 0; a < 3; ++a) {
    const Axis& ax = axes_[std::size_t(a)];
    const bool hi = (corner >> a) & 1;
    const double t = ax.t[ix[a]];
    w *= hi ? t : 1.0 - t;
    cell += stride * std::size_t(hi ? ax.c1[ix[a]] : ax.c0[ix[a]]);
    stride *= std::size_t(cells_[a]);
  }
  return {cell, w};
}

void ScatterGrid::assign_bins() {
  const std::size_t nx = std::size_t(dims_[0]), ny = std::size_t(dims_[1]);
  mask_.assign(cell_count_, 0);
  for (std::size_t b = 0; b < coarse_.size(); ++b) {
    if (!coarse_[b]) continue;
    unsigned need = 1u << voxel_entry_[b];
    if (water_entry_ >= 0) need |= 1u << water_entry_;
    const std::size_t ix[3] = {b % nx, (b / nx) % ny, b / (nx * ny)};
    for (int corner = 0; corner < 8; ++corner)
      if (const auto [cell, w] = corner_of(ix, corner); w != 0) mask_[cell] |= std::uint8_t(need);
  }
  base_.assign(cell_count_, 0);
  bins_ = 0;
  for (std::size_t c = 0; c < cell_count_; ++c) {
    base_[c] = std::uint32_t(bins_);
    bins_ += std::size_t(std::popcount(unsigned(mask_[c])));
  }
}

std::size_t ScatterGrid::bin_of(std::size_t cell, int entry) const {
  const unsigned below = unsigned(mask_[cell]) & ((1u << entry) - 1u);
  return base_[cell] + std::size_t(std::popcount(below));
}

std::pair<double, double> ScatterGrid::at(std::size_t b, bool water, const ScoreArray& merged,
                                          std::uint64_t n) const {
  if (!coarse_[b]) return {0.0, 0.0};
  const int entry = water ? water_entry_ : voxel_entry_[b];
  if (entry < 0) return {0.0, 0.0};
  const std::size_t nx = std::size_t(dims_[0]), ny = std::size_t(dims_[1]);
  const std::size_t ix[3] = {b % nx, (b / nx) % ny, b / (nx * ny)};
  double value = 0, sigma = 0;
  for (int corner = 0; corner < 8; ++corner) {
    const auto [cell, w] = corner_of(ix, corner);
    if (w == 0) continue;
    const std::size_t bin = bin_of(cell, entry);
    value += w * merged.mean(bin, n) * gy_per_unit_[cell];
    // sum |w_c| sigma_c bounds the standard error of sum w_c G_c under any correlation of the
    // cells (the triangle inequality for standard deviations): conservative, never low.
    sigma += std::abs(w) * merged.sigma(bin, n) * gy_per_unit_[cell];
  }
  return {value * inv_r2_[b], sigma * inv_r2_[b]};
}
void ScatterGrid::add_to(std::vector<double>& value, std::vector<double>& sigma_rel, bool water,
                         const ScoreArray& merged, std::uint64_t n) const {
  for (std::size_t b = 0; b < value.size() && b < coarse_.size(); ++b) {
    if (!coarse_[b]) continue;
    const auto [v, s] = at(b, water, merged, n);
    // The fine tally there holds nothing of the coarse part: the errors add linearly (bound).
    const double sigma_abs = value[b] * sigma_rel[b] + s;
    value[b] += v;
    sigma_rel[b] = value[b] > 0 ? sigma_abs / value[b] : 0.0;
  }
}

}  // namespace kiort
