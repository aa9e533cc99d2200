// Monte Carlo photon transport for 1-60 keV in a voxel phantom with analytic solids.
// One history reads as the physics does: sample a photon from the source; until it dies, find the
// distance to the next interaction and to the next boundary, score the track, then either cross
// or interact (photoabsorption with fluorescence, incoherent, coherent). Electrons deposit locally
// (kerma approximation, valid: a 50 keV electron's CSDA range in water is about 0.04 mm).
// Scoring: track-length estimator of collision kerma per voxel (dose to medium, Gy per history),
// optional dose to water in medium and an analog energy-deposition tally, spherical-shell tallies,
// and an energy balance; every value with its history-by-history standard error.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/collective.h"
#include "core/progress.h"
#include "geometry/geometry.h"
#include "source/photon_source.h"
#include "transport/score_array.h"

namespace kiort {

// Gy per (keV/g): 1 keV = 1.602176634e-16 J, 1 g = 1e-3 kg (CODATA 2018 exact eV).
inline constexpr double kGyPerKeVPerGram = 1.602176634e-13;

struct StopRules {
  std::uint64_t histories = 0;      // 0: no limit from the count
  double target_sigma_rel = 0;      // 0: none; else relative sigma to reach
  // LPS point for the sigma target: the trilinear mean of the relative sigma over the 8 voxel
  // centres around it (as a plan reports a point's sigma); else the mean over voxels above 50 %
  // of the maximum dose.
  std::optional<Vec3> sigma_point;
  double time_limit_s = 0;          // 0: none
};

struct TransportOptions {
  double cutoff_kev = 1.0;     // photons below are deposited locally
  bool primary_only = false;   // score only uncollided photons (validation)
  bool dose_to_water = false;  // also score Dw,m with water's mu_en/rho
  bool analog = false;         // also score analog energy deposition per voxel
  std::uint64_t seed = 1;
  unsigned threads = 0;  // 0: all cores
  // Scoring box in voxel indices [lo, hi) (default: whole grid); empty box: no voxel scoring.
  std::optional<std::array<std::array<int, 3>, 2>> scoring_box;
  // Spherical tally around a centre (LPS): radial boundaries (mm, ascending, first may be 0),
  // polar bins about `shell_axis` (cos(theta) edges ascending in [-1, 1]; default: whole
  // shells), and optional source-energy tagging: with energy edges (keV), each history's score
  // goes to the bin of its primary photon's energy, so that one run with a broad spectrum gives a
  // spectral basis from which the dose of any spectrum follows by reweighting.
  std::vector<double> shell_radii_mm;
  Vec3 shell_center;
  Vec3 shell_axis{0, 0, 1};
  std::vector<double> shell_cos_edges{-1.0, 1.0};
  std::vector<double> shell_energy_edges_kev;
  const MaterialXs* water = nullptr;  // needed with dose_to_water
  // Hybrid: primary (uncollided) kerma by exact ray tracing from a point source to every scoring
  // voxel at least `hybrid_near_voxels` voxel widths away (noise-free; averaged over 3^3 or 5^3
  // sub-points within 6 voxel widths of the source and where the
  // estimated curvature bias of the centre value exceeds 1e-4), Monte Carlo for everything
  // else (scatter, fluorescence, the near voxels' primary).
  bool hybrid = false;
  double hybrid_near_voxels = 2.0;
  double hybrid_spectrum_bin_kev = 0.5;
  // Hybrid only (issue 21): the scattered photons' kerma on coarse cells of this many voxels per
  // side, mapped back to each voxel by its own medium's mu_en/rho (transport/scatter_grid.h);
  // voxels within `scatter_fine_voxels` voxel widths of the source (0: three cell sides, where the
  // interpolation's bias was measured below 0.2 % in water), near interfaces of strongly
  // attenuating media and near solids keep fine scoring. 0/1: off.
  int scatter_cell_voxels = 0;
  double scatter_fine_voxels = 0.0;
  // A voxel keeps fine scoring where the cells' interpolation misses its analytic primary by
  // more than this (relative): the primary as the probe of the field's roughness.
  double scatter_tolerance = 0.02;
  // Hybrid only: a source photon's first scatter (incoherent or coherent) leaves as this many
  // photons, each of 1/n of its weight, each sampled from that interaction anew (unbiased: each is
  // a sample of the same distribution). More scattered tracks per source photon where the
  // scatter is what carries the noise. 1: off; at most 64. Ignored without hybrid.
  int first_scatter_split = 1;
  ProgressMode progress = ProgressMode::kQuiet;
  // The processes of a distributed run (MPI): each runs its share of every round's batches with
  // `threads` threads, and the tallies are summed exactly, so every process returns the result a
  // single process would, bit for bit. Null: one process.
  const Collective* world = nullptr;
};

struct ShellResult {
  double r_inner_mm = 0, r_outer_mm = 0;
  double cos_lo = -1, cos_hi = 1;  // polar bin about shell_axis
  int energy_bin = -1;             // source-energy bin (-1: no tagging)
  double dose_gy_per_history = 0, sigma_rel = 0;
};

// A scored quantity on the scoring box: value per history and relative standard error.
struct ScoredGrid {
  std::optional<Grid3> grid;  // the scoring box as its own grid (absent when nothing was scored)
  std::vector<double> value;  // Gy per history
  std::vector<double> sigma_rel;
};

struct EnergyBalance {  // keV per history, with standard errors
  double emitted = 0, deposited_voxels = 0, deposited_solids = 0, cutoff = 0, escaped = 0;
  double sigma_emitted = 0, sigma_deposited = 0, sigma_escaped = 0, sigma_cutoff = 0;
};

struct TransportResult {
  std::uint64_t histories = 0;
  double seconds = 0;
  ScoredGrid dose;                  // track-length kerma, dose to medium
  ScoredGrid dose_water;            // with options.dose_to_water
  ScoredGrid analog_dose;           // with options.analog: energy deposited / voxel mass
  std::vector<ShellResult> shells;  // energy-major, then radius, then polar bin
  EnergyBalance balance;
  double achieved_sigma_rel = 0;          // at the sigma point or mean over voxels > 50 % max
  double primary_seconds = 0;             // hybrid: time spent ray tracing the primary
  std::size_t scatter_coarse_voxels = 0;  // voxels whose scatter came from the coarse grid
  std::string stopped_by;                 // "histories", "sigma", "time"
};

// Validates the problem (source inside the grid, media known, stop rules present, energies in
// range) and throws Error(bad input) with the field named; then runs.
TransportResult run_transport(const Geometry& geometry, const PhotonSource& source,
                              const StopRules& stop, const TransportOptions& options);

}  // namespace kiort
