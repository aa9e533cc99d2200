// The spherical-shell tally: a track-length estimator of dose in shells about a centre, each
// optionally split in polar bins about an axis and tagged by the source photon's energy (one run
// with a broad spectrum then gives a spectral basis). A step is cut where it crosses a sphere or
// a polar-bin cone and each piece scores in the bin of its midpoint. Stateless: the scores go to
// the caller's ScoreArray, so that every worker keeps its own.
#pragma once

#include <cstdint>
#include <vector>

#include "geometry/geometry.h"
#include "transport/score_array.h"
#include "transport/transport.h"

namespace kiort {

class ShellTally {
 public:
  // The tally `o` asks for (shell_radii_mm, shell_center, shell_axis, shell_cos_edges,
  // shell_energy_edges_kev), in the geometry's local frame. Validated by validate_transport.
  ShellTally(const Geometry& g, const TransportOptions& o);

  std::size_t bins() const { return n_energy_ * n_radii_ * n_cos_; }  // 0: no shells
  // The source-energy bin of a history whose primary photon has e_kev (-1: outside the edges,
  // the history scores nothing here; 0 without energy tagging).
  int energy_bin(double e_kev) const;
  // Scores the step [r, r + u len] (local frame, mm) with per_mm = E w mu_en/rho (keV cm2/g).
  // `cuts` is scratch space.
  void score(const Vec3& r, const Vec3& u, double len, double per_mm, int energy_bin,
             std::uint64_t h, ScoreArray& a, std::vector<double>& cuts) const;
  // Dose (Gy per history) and relative sigma of each bin: energy-major, then radius, then polar
  // bin, over n histories.
  std::vector<ShellResult> results(const ScoreArray& a, std::uint64_t n) const;

 private:
  std::vector<double> radii_, cos_edges_, energy_edges_;
  Vec3 center_, axis_;
  std::size_t n_radii_ = 0, n_cos_ = 1, n_energy_ = 1;
};

}  // namespace kiort
