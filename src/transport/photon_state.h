// One photon's state while it is tracked (OpenMC's Particle, for kiort's photons): where it is,
// where it goes, what it carries, the region it is in, how far it may still travel, and the
// cross sections of that region at its energy. The transport loop's steps (transport.cpp:
// calculate_xs, distance, advance_and_score, cross_boundary, collide) read and change it; it
// holds no tally and draws no random number itself.
#pragma once

#include <array>
#include <cstdint>

#include "core/vec3.h"
#include "geometry/geometry.h"
#include "physics/cross_sections.h"
#include "transport/scatter_grid.h"

namespace kiort {

// Cross sections of the photon's region at its energy. They change only with the medium, the
// density or the energy, so a step in the same medium reuses them; a new track starts empty.
struct XsCache {
  int medium = -2;  // -2: nothing cached yet (-1 is vacuum)
  double density_g_cm3 = -1, e_kev = -1;
  const MaterialXs* xs = nullptr;  // the region's medium, null in vacuum
  XsPoint pt;                      // e_kev located in xs's tables
  double mu_per_mm = 0;            // linear attenuation coefficient (0: no interaction)
  double mu_en_rho = 0;            // mass energy-absorption coefficient of the medium (cm^2/g)
  double water_mu_en_rho = 0;      // the same of water (dose to water in medium)
  ScatterGrid::MuEnCache scatter;  // the coarse scatter grid's mu_en/rho per entry
};

struct PhotonState {
  Vec3 r;      // position, the grid's local frame (mm)
  Vec3 u;      // unit direction
  Vec3 inv_u;  // 1 / u per axis, for the voxel traversal
  double e_kev = 0;
  double weight = 1;
  std::array<int, 3> ijk{};  // the voxel r is in
  Region region;             // the voxel's or solid's medium and density at r
  double n_mfp = 0;          // mean free paths left to the next collision
  bool primary = true;       // uncollided photon from the source
  std::uint64_t history = 0;
  int source_energy_bin = 0;  // the history's source-energy bin for the shell tally
  XsCache xs;
};

}  // namespace kiort
