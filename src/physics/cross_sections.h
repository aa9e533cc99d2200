// Photon cross sections of one material over 1-60 keV, tabulated once from xraylib on a log grid
// with every absorption edge of the material's elements resolved, plus the data the interaction
// samplers need (per-element shares, shell probabilities, fluorescence lines, form factors).
// mu_en/rho is derived from the same interaction model (not from xraylib's CS_Energy, which does
// not match NIST; see docs/physics.md) and is validated against NIST in tests/validation.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "physics/material.h"

namespace kiort {

inline constexpr double kMinEnergyKeV = 1.0;
inline constexpr double kMaxEnergyKeV = 60.0;
// hc in keV * Angstrom: x = sin(theta/2) / lambda = E sin(theta/2) / hc  [1/Angstrom].
inline constexpr double kHcKeVAngstrom = 12.398419843320026;
inline constexpr double kElectronRestKeV = 510.99895;

// Mass attenuation coefficients in cm^2/g at one energy.
struct MassXs {
  double total = 0, photo = 0, incoherent = 0, coherent = 0, energy_absorption = 0;
};

// Where an energy falls on the table: segment index and linear weight.
struct XsPoint {
  std::size_t i = 0;
  double f = 0;  // value = (1-f) * v[i] + f * v[i+1]
};

// One fluorescence line: energy and cumulative probability among the lines of its shell.
struct FluorescenceLine {
  double energy_kev = 0;
  double cumulative = 0;
};

// The shells kiort follows after photoabsorption; other shells deposit locally.
enum Shell : int { kShellK = 0, kShellL1, kShellL2, kShellL3, kShellCount };

struct ElementData {
  int z = 0;
  double mass_fraction = 0;
  std::array<double, kShellCount> edge_kev{};
  std::array<double, kShellCount> fluorescence_yield{};
  std::array<std::vector<FluorescenceLine>, kShellCount> lines;
  // Incoherent scattering function S(x, Z) on a uniform x grid (x in 1/Angstrom).
  std::vector<double> s_table;
  double s_dx = 0;
  double incoherent_s(double x) const;
};

struct TableOptions {
  // Points of the base log grid over 1-60 keV; edges are inserted on top.
  std::size_t base_points = 2000;
  // Fluorescence photons below this energy are deposited locally (docs/physics.md).
  double fluorescence_cutoff_kev = 1.0;
};

class MaterialXs {
 public:
  explicit MaterialXs(Material material, TableOptions options = {});

  const Material& material() const { return material_; }
  const TableOptions& options() const { return options_; }
  const std::vector<double>& energies_kev() const { return energy_; }
  const std::vector<ElementData>& elements() const { return elements_; }

  // Throws Error(bad input) outside 1-60 keV.
  XsPoint locate(double e_kev) const;
  MassXs at(double e_kev) const { return at(locate(e_kev)); }
  MassXs at(const XsPoint& p) const;
  // Linear attenuation coefficient in 1/mm for a mass density in g/cm^3.
  double mu_per_mm(const XsPoint& p, double density_g_cm3) const {
    return lerp(total_, p) * density_g_cm3 * 0.1;
  }
  double mu_en_rho(const XsPoint& p) const { return lerp(mu_en_, p); }

  // Per-element mass-fraction-weighted partial cross sections at a table point, cm^2/g.
  double element_photo(const XsPoint& p, std::size_t el) const {
    return lerp_el(el_photo_, p, el);
  }
  double element_incoherent(const XsPoint& p, std::size_t el) const {
    return lerp_el(el_incoh_, p, el);
  }
  // Probability that photoabsorption in element el happens in shell s (K, L1, L2, L3).
  double shell_probability(const XsPoint& p, std::size_t el, int s) const;

  // Mixture coherent form factor squared per unit mass, sum_i (w_i / A_i) F_i(x)^2, and its
  // cumulative integral over x^2, for sampling coherent angles.
  double coherent_cumulative(double x2) const;
  double coherent_x2_for_cumulative(double g) const;
  double coherent_f2(double x) const;

  // Direct evaluation from xraylib (no table), for tests and the `xs` command's cross-check.
  static MassXs direct(const Material& m, double e_kev);

 private:
  static double lerp(const std::vector<double>& v, const XsPoint& p) {
    return v[p.i] + p.f * (v[p.i + 1] - v[p.i]);
  }
  double lerp_el(const std::vector<double>& v, const XsPoint& p, std::size_t el) const {
    const std::size_t n = elements_.size();
    return v[p.i * n + el] + p.f * (v[(p.i + 1) * n + el] - v[p.i * n + el]);
  }
  void build_grid();
  void build_elements();
  void build_tables();
  void build_coherent();
  double compton_energy_transfer(const ElementData& el, double e_kev) const;
  double mean_fluorescence_kev(const ElementData& el, double e_kev) const;

  Material material_;
  TableOptions options_;
  std::vector<ElementData> elements_;
  std::vector<double> energy_;  // keV, ascending; each edge appears as (E_edge*(1-1e-7), E_edge)
  std::vector<std::size_t> bucket_;  // first grid index of each log bucket
  double log_min_ = 0, bucket_width_ = 0;
  std::vector<double> total_, photo_, incoh_, coh_, mu_en_;  // cm^2/g, per grid point
  std::vector<double> el_photo_, el_incoh_;                  // [grid][element], cm^2/g
  std::vector<double> shell_prob_;                           // [grid][element][shell]
  std::vector<double> coh_x2_, coh_cum_;                     // cumulative of F^2 over x^2
};

}  // namespace kiort
