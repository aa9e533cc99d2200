// Interaction samplers for photons of 1-60 keV: incoherent (Klein-Nishina x S(x, Z)), coherent
// (Thomson x F^2 of the mixture, independent-atom approximation) and photoabsorption with K/L
// fluorescence. Header templates so that transport inlines them; Rng is any type with
// `double uniform()` returning a number in (0, 1). Samplers never allocate or throw.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>

#include "core/vec3.h"
#include "physics/cross_sections.h"

namespace kiort {

struct ScatterResult {
  double energy_kev = 0;  // photon energy after the interaction
  double cos_theta = 1;   // polar scattering angle relative to the incoming direction
};

struct PhotoResult {
  double local_kev = 0;         // energy deposited at the site (photoelectron, Auger, low lines)
  double fluorescence_kev = 0;  // energy of an emitted fluorescence photon (0: none), isotropic
};

// Picks an element with probability proportional to partial(p, el).
template <class Rng, class Partial>
std::size_t choose_element(const MaterialXs& xs, Rng& rng, Partial partial) {
  const std::size_t n = xs.elements().size();
  if (n == 1) return 0;
  double total = 0;
  for (std::size_t el = 0; el < n; ++el) total += partial(el);
  double r = rng.uniform() * total;
  for (std::size_t el = 0; el + 1 < n; ++el) {
    r -= partial(el);
    if (r < 0) return el;
  }
  return n - 1;
}

// Incoherent scattering: Klein-Nishina sampled by the composition-rejection method of Butcher &
// Messel (1960) as used in EGS4/Geant4 (mixture of 1/eps and eps over [eps0, 1], rejection with
// 1 - eps sin^2 / (1 + eps^2)), then rejection with S(x, Z) / Z for the atom's binding.
template <class Rng>
ScatterResult sample_incoherent(const MaterialXs& xs, const XsPoint& p, double e_kev, Rng& rng) {
  const std::size_t el_index =
      choose_element(xs, rng, [&](std::size_t el) { return xs.element_incoherent(p, el); });
  const ElementData& el = xs.elements()[el_index];
  const double k = e_kev / kElectronRestKeV;
  const double eps0 = 1.0 / (1.0 + 2.0 * k);
  const double eps0_sq = eps0 * eps0;
  const double a1 = -std::log(eps0);
  const double a2 = a1 + 0.5 * (1.0 - eps0_sq);
  const double inv_z = 1.0 / double(el.z);
  for (;;) {
    double eps, eps_sq;
    if (a1 > a2 * rng.uniform()) {
      eps = std::exp(-a1 * rng.uniform());
      eps_sq = eps * eps;
    } else {
      eps_sq = eps0_sq + (1.0 - eps0_sq) * rng.uniform();
      eps = std::sqrt(eps_sq);
    }
    const double one_minus_cos = (1.0 - eps) / (eps * k);
    const double sin_sq = one_minus_cos * (2.0 - one_minus_cos);
    if (1.0 - eps * sin_sq / (1.0 + eps_sq) < rng.uniform()) continue;
    const double cos_theta = 1.0 - one_minus_cos;
    const double x = e_kev / kHcKeVAngstrom * std::sqrt(0.5 * one_minus_cos);
    if (el.incoherent_s(x) * inv_z < rng.uniform()) continue;
    return {eps * e_kev, cos_theta};
  }
}

// Coherent scattering: x^2 sampled from the mixture's F^2 (its cumulative over x^2 tabulated),
// then rejection with the Thomson factor (1 + cos^2) / 2.
template <class Rng>
double sample_coherent_cos(const MaterialXs& xs, double e_kev, Rng& rng) {
  const double x2_max = (e_kev / kHcKeVAngstrom) * (e_kev / kHcKeVAngstrom);
  const double g_max = xs.coherent_cumulative(x2_max);
  for (;;) {
    const double x2 = xs.coherent_x2_for_cumulative(rng.uniform() * g_max);
    const double cos_theta = std::max(-1.0, 1.0 - 2.0 * x2 / x2_max);
    if (2.0 * rng.uniform() <= 1.0 + cos_theta * cos_theta) return cos_theta;
  }
}

// Photoabsorption: element by partial cross section, shell by subshell cross section; a K or L
// vacancy emits a fluorescence photon with the shell's yield, line by radiative rate. Lines below
// the cut-off, outer shells, Auger electrons and the photoelectron deposit locally.
template <class Rng>
PhotoResult sample_photoelectric(const MaterialXs& xs, const XsPoint& p, double e_kev, Rng& rng) {
  const std::size_t el_index =
      choose_element(xs, rng, [&](std::size_t el) { return xs.element_photo(p, el); });
  const ElementData& el = xs.elements()[el_index];
  double r = rng.uniform();
  for (int s = 0; s < kShellCount; ++s) {
    r -= xs.shell_probability(p, el_index, s);
    if (r >= 0) continue;
    if (rng.uniform() >= el.fluorescence_yield[s]) break;
    const double u = rng.uniform();
    for (const FluorescenceLine& line : el.lines[s]) {
      if (u > line.cumulative) continue;
      if (line.energy_kev < xs.options().fluorescence_cutoff_kev || line.energy_kev >= e_kev)
        break;
      return {e_kev - line.energy_kev, line.energy_kev};
    }
    break;
  }
  return {e_kev, 0.0};
}

template <class Rng>
Vec3 sample_isotropic(Rng& rng) {
  const double c = 2.0 * rng.uniform() - 1.0;
  const double s = std::sqrt(std::max(0.0, 1.0 - c * c));
  const double phi = 2.0 * std::numbers::pi * rng.uniform();
  return {s * std::cos(phi), s * std::sin(phi), c};
}

// Turns unit direction u by polar angle theta (given as cos) and azimuth phi.
inline Vec3 rotate_direction(const Vec3& u, double cos_theta, double phi) {
  const double sin_theta = std::sqrt(std::max(0.0, 1.0 - cos_theta * cos_theta));
  const double cp = std::cos(phi), sp = std::sin(phi);
  const double perp = std::sqrt(u.x * u.x + u.y * u.y);
  if (perp < 1e-10) {  // u along z
    const double sign = u.z >= 0 ? 1.0 : -1.0;
    return {sin_theta * cp, sin_theta * sp, sign * cos_theta};
  }
  return {u.x * cos_theta + sin_theta * (u.x * u.z * cp - u.y * sp) / perp,
          u.y * cos_theta + sin_theta * (u.y * u.z * cp + u.x * sp) / perp,
          u.z * cos_theta - sin_theta * perp * cp};
}

}  // namespace kiort
