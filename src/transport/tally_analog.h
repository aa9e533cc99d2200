// The analog estimator of dose: the energy deposited locally at each interaction (electrons, the
// kerma approximation) and by photons below the cut-off, per scoring-box voxel, over the voxel's
// mass. Noisier than the track-length tally; an independent check of it (validation, --analog).
// One object per worker; workers and processes are summed exactly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/collective.h"
#include "geometry/geometry.h"
#include "transport/score_array.h"
#include "transport/scoring_box.h"
#include "transport/transport.h"

namespace kiort {

class AnalogTally {
 public:
  AnalogTally() = default;
  explicit AnalogTally(std::size_t box_voxels) : deposit_(box_voxels) {}

  // kev deposited in box voxel b.
  void score(std::size_t b, double kev, std::uint64_t h) { deposit_.score(b, kev, h); }

  void flush() { deposit_.flush(); }
  void merge(const AnalogTally& o) { deposit_.merge(o.deposit_); }
  void sum_over(const Collective& world) { deposit_.sum_over(world); }

  // Energy deposited over each voxel's mass (Gy per history; 0 in vacuum) over n histories.
  ScoredGrid dose(std::uint64_t n, const ScoringBox& box, const Geometry& g) const;

 private:
  ScoreArray deposit_;  // keV
};

}  // namespace kiort
