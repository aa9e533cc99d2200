// The track-length estimator of collision kerma per scoring-box voxel (the primary dose tally):
// each step scores E w mu_en/rho x its length, as dose to medium (Dm,m) and, optionally, as dose
// to water in medium (Dw,m, AAPM TG-186) from the same tracks with water's mu_en/rho. One object
// per worker; workers and processes are summed exactly (ScoreArray). It decides nothing about
// where to score: the transport loop leaves out solids, coarse scatter-grid voxels and the hybrid
// mode's ray-traced primary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/collective.h"
#include "core/grid3.h"
#include "transport/score_array.h"
#include "transport/transport.h"

namespace kiort {

class TrackLengthTally {
 public:
  TrackLengthTally() = default;
  TrackLengthTally(std::size_t box_voxels, bool dose_to_water)
      : dose_(box_voxels), water_(dose_to_water ? box_voxels : 0), dose_to_water_(dose_to_water) {}

  // keV mm cm^2/g per history -> Gy on `grid`'s voxels: x 100 mm^2/cm^2 / V [mm^3] x Gy per keV/g.
  static double gy_per_unit(const Grid3& grid) {
    return 100.0 / grid.voxel_volume_mm3() * kGyPerKeVPerGram;
  }

  // A hint that box voxel b is scored soon; changes nothing.
  void prefetch(std::size_t b) const {
    dose_.prefetch(b);
    if (dose_to_water_) water_.prefetch(b);
  }
  // A step of step_mm in box voxel b: medium_per_mm = E w mu_en/rho of the medium (keV cm^2/g),
  // ew = E w (keV) for water's mu_en/rho (cm^2/g).
  void score(std::size_t b, double medium_per_mm, double ew, double water_mu_en_rho, double step_mm,
             std::uint64_t h) {
    dose_.score(b, medium_per_mm * step_mm, h);
    if (dose_to_water_) water_.score(b, ew * water_mu_en_rho * step_mm, h);
  }

  void flush() {
    dose_.flush();
    water_.flush();
  }
  void merge(const TrackLengthTally& o) {
    dose_.merge(o.dose_);
    water_.merge(o.water_);
  }
  void sum_over(const Collective& world) {
    dose_.sum_over(world);
    water_.sum_over(world);
  }
  // Between rounds (a sigma stop): folds this worker's dose to medium and adds it to `into`,
  // bin `bin` into bin 0 (one voxel decides), or every bin (bin < 0).
  void add_dose_to(ScoreArray& into, std::int64_t bin);

  // Dose to medium and dose to water in medium (Gy per history) over n histories.
  ScoredGrid dose(std::uint64_t n, const Grid3& box) const;
  ScoredGrid dose_water(std::uint64_t n, const Grid3& box) const;

 private:
  ScoreArray dose_, water_;
  bool dose_to_water_ = false;
};

// Relative sigma of a dose tally (units of to_gy) at box voxel point_bin (else the mean over
// voxels above half the maximum). In hybrid mode the tally holds the scatter only; its absolute
// sigma is relative to the total dose, scatter plus the noise-free primary (Gy per history).
double sigma_rel_of(const ScoreArray& dose, std::uint64_t n, std::int64_t point_bin,
                    const std::vector<double>* primary, double to_gy);
// The same on a finished grid (after the hybrid primary or the coarse scatter was added).
double sigma_rel_of(const ScoredGrid& g, std::int64_t point_bin);
// Adds a deterministic primary (no variance, Gy per history) to a Monte Carlo grid.
void add_primary(ScoredGrid& g, const std::vector<double>& primary);

}  // namespace kiort
