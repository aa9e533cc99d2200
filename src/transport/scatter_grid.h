// The coarse scatter grid (issue 21): in hybrid mode the scattered photons' track-length kerma is
// scored on cells of k^3 box voxels instead of on every voxel (k^3 more counts per bin, a tally
// that stays in cache), and mapped back to each fine voxel by its own medium's mu_en/rho.
// Each cell keeps, for every medium of the scoring box (and water, for Dw,m), the kerma "as if the
// cell were that medium" weighted by r^2 (r: distance to the point source), G = r^2 K, which is
// smooth near a point source where K ~ 1/r is not; a fine voxel's scatter is G interpolated
// trilinearly between cell centres (held constant beyond the outermost ones) times the
// voxel average of 1/r^2. It must never replace the fine tally where its assumptions fail, so
// these voxels stay on the fine grid: those near the source (the interpolation's curvature bias
// grows as (cell / r)^2: within three cell sides by default), touching a solid, outside the
// media, with a Monte Carlo primary, whose interpolation would use a cell with a voxel that is
// not scored (a solid, nothing), and those where the field is rough on the scale of a cell. The
// last is judged with the hybrid's noise-free primary as the probe (keep_fine_where_rough): where
// the cells' interpolation of r^2 K_p misses a voxel's own primary by more than a tolerance, the
// voxel keeps its fine scatter. The primary is rougher than the scatter it stands for (strong
// attenuation, interfaces, shadows show in it first), so the test is conservative: in cortical
// bone at 30 keV (mu = 0.26 /mm) 3 mm cells were 4 % high at a bone-water interface without it,
// within 0.2 % of the fine grid with it (docs/validation.md).
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "geometry/geometry.h"
#include "transport/score_array.h"

namespace kiort {

struct ScatterGridSetup {
  int cell_voxels = 2;          // k: cells of k x k x k voxels
  double fine_radius_mm = 9.0;  // voxels whose centre is closer to the source stay fine
  std::array<int, 3> box_lo{}, box_dims{};
  const std::vector<std::uint8_t>* deterministic = nullptr;  // hybrid: primary computed there
  const MaterialXs* water = nullptr;  // also a water entry (dose to water in medium)
  Vec3 source_local;                  // the point source in the grid's local frame (mm)
};

class ScatterGrid {
 public:
  // At most this many entries (media of the box, plus water); beyond it the grid is not used.
  static constexpr int kMaxEntries = 8;

  ScatterGrid(const Geometry& g, const ScatterGridSetup& s);

  bool usable() const { return usable_; }
  // Bins of the tally: one per (cell, entry it holds); fixed once keep_fine_where_rough ran.
  std::size_t bins() const { return bins_; }
  int entries() const { return entries_; }
  // 1: the voxel's scatter comes from the cells (the fine tally scores no scatter there).
  bool coarse(std::size_t box_voxel) const { return coarse_[box_voxel] != 0; }
  std::size_t coarse_voxels() const { return coarse_count_; }

  // The test of smoothness, with the hybrid's noise-free primary kerma (Gy per history per box
  // voxel) as the probe: a voxel keeps fine scoring where the cells' interpolation of r^2 K_p,
  // mapped back as the scatter would be, misses its primary by more than `tolerance` (relative).
  // The primary carries what makes a field rough on the scale of a cell: strong attenuation
  // (bone, soft spectra), interfaces of media, shadows. Returns the voxels turned back to fine.
  std::size_t keep_fine_where_rough(const std::vector<double>& primary, double tolerance);

  // mu_en/rho (cm^2/g) per entry at the energy it was last asked for: a photon's cache, filled
  // lazily for the entries the cells it crosses hold (most hold one or two of the box's media).
  struct MuEnCache {
    std::array<double, kMaxEntries> e_kev{-1, -1, -1, -1, -1, -1, -1, -1};
    std::array<double, kMaxEntries> mu_en_rho{};
  };

  // Scores a scattered photon's step of length `step` (mm) from r along u inside box voxel b:
  // the integral of r^2 along it x ew (energy e_kev x weight) x mu_en/rho of each entry the
  // voxel's cell holds (the media of the voxels whose interpolation uses the cell, and water for
  // Dw,m).
  // `ijk`: the voxel's index in the geometry's grid (inside the box). The cell follows from it
  // by three small per-axis tables, not from a table per voxel (no cache miss per step).
  void score(const std::array<int, 3>& ijk, const Vec3& r, const Vec3& u, double step, double e_kev,
             double ew, MuEnCache& mu_en, std::uint64_t h, ScoreArray& a) const {
    const std::size_t c = cell_at(ijk[0] - box_lo_[0], ijk[1] - box_lo_[1], ijk[2] - box_lo_[2]);
    // Cells no coarse voxel reads hold no entry (among them every cell with a voxel that is not
    // scored: a solid's, nothing's).
    unsigned mask = mask_[c];
    if (mask == 0) return;
    const Vec3 d = r - source_;
    const double r2_len = step * (dot(d, d) + step * dot(d, u) + step * step / 3.0);
    const double x = r2_len * ew;
    std::size_t bin = base_[c];
    for (std::size_t m = 0; mask != 0; ++m, mask >>= 1) {
      if (!(mask & 1u)) continue;
      if (mu_en.e_kev[m] != e_kev) {
        mu_en.mu_en_rho[m] = xs_[m]->mu_en_rho(xs_[m]->locate(e_kev));
        mu_en.e_kev[m] = e_kev;
      }
      a.score(bin++, x * mu_en.mu_en_rho[m], h);
    }
  }

  // The interpolated scatter kerma (Gy per history) and its conservative standard error at a
  // coarse box voxel, for its own medium (water = false) or water, from the merged tally.
  std::pair<double, double> at(std::size_t box_voxel, bool water, const ScoreArray& merged,
                               std::uint64_t n) const;

  // Adds the interpolated scatter to every coarse voxel of a grid of Gy per history.
  void add_to(std::vector<double>& value, std::vector<double>& sigma_rel, bool water,
              const ScoreArray& merged, std::uint64_t n) const;

 private:
  struct Axis {  // per fine index along one axis: the two cells and the weight of the second
    std::vector<int> c0, c1;
    std::vector<double> t;
  };

  Vec3 voxel_centre(std::size_t box_voxel) const;  // grid-local (mm)
  // The cells' entries and bins from the coarse voxels (after any change of coarse_).
  void assign_bins();
  std::size_t bin_of(std::size_t cell, int entry) const;
  std::size_t cell_of_voxel(std::size_t box_voxel) const;
  // The cell of the box voxel (i, j, k), from the per-axis tables.
  std::size_t cell_at(int i, int j, int k) const {
    return std::size_t(cell_along_[0][std::size_t(i)]) +
           std::size_t(cells_[0]) *
               (std::size_t(cell_along_[1][std::size_t(j)]) +
                std::size_t(cells_[1]) * std::size_t(cell_along_[2][std::size_t(k)]));
  }
  // The cell and trilinear weight of one of the 8 corners of a box voxel's interpolation.
  std::pair<std::size_t, double> corner_of(const std::size_t (&ix)[3], int corner) const;

  bool usable_ = false;
  int k_ = 2, entries_ = 0, water_entry_ = -1;
  std::array<int, 3> dims_{}, box_lo_{}, cells_{};
  std::size_t cell_count_ = 0;
  Vec3 source_, spacing_;
  std::vector<std::uint32_t> scored_;  // per cell: its scored voxels
  std::vector<std::uint8_t> mask_;     // per cell: the entries it holds (bit per entry)
  std::array<std::vector<std::int32_t>, 3> cell_along_;  // per axis: box index -> cell index
  std::vector<std::uint32_t> base_;                      // per cell: its first bin
  std::size_t bins_ = 0;
  std::vector<const MaterialXs*> xs_;         // per entry
  std::vector<std::int8_t> entry_of_medium_;  // geometry medium id -> entry
  std::vector<std::int8_t> voxel_entry_;      // per box voxel: its medium's entry
  std::vector<std::int32_t> cell_of_;         // per box voxel: its cell, -1 when not scored
  std::vector<std::uint8_t> coarse_;
  std::size_t coarse_count_ = 0;
  std::vector<double> gy_per_unit_;  // per cell: tally unit -> Gy mm^2 (1/its scored volume)
  std::vector<double> inv_r2_;       // per box voxel (coarse ones): voxel average of 1/r^2
  std::array<Axis, 3> axes_;
};

}  // namespace kiort
