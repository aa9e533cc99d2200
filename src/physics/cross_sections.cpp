#include "physics/cross_sections.h"

#include <xraylib/xraylib.h>

#include <algorithm>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

#include "core/error.h"

namespace kiort {
namespace {

constexpr int kXrlShells[kShellCount] = {K_SHELL, L1_SHELL, L2_SHELL, L3_SHELL};

// Radiative transitions that fill a vacancy in each followed shell (xraylib line macros).
// Lines not listed are weak (< 1 % of the shell's radiative rate for Z <= 92).
const std::vector<int> kShellLines[kShellCount] = {
    {KL2_LINE, KL3_LINE, KM2_LINE, KM3_LINE, KN2_LINE, KN3_LINE},
    {L1M2_LINE, L1M3_LINE, L1N2_LINE, L1N3_LINE},
    {L2M1_LINE, L2M4_LINE, L2N1_LINE, L2N4_LINE},
    {L3M1_LINE, L3M4_LINE, L3M5_LINE, L3N1_LINE, L3N4_LINE, L3N5_LINE},
};

// Every shell whose edge we resolve on the energy grid (K to M5).
constexpr int kGridShells[] = {K_SHELL,  L1_SHELL, L2_SHELL, L3_SHELL, M1_SHELL,
                               M2_SHELL, M3_SHELL, M4_SHELL, M5_SHELL};

constexpr double kEdgeGap = 1e-7;        // relative half-gap of the two grid points at an edge
constexpr double kMaxX = 5.0;            // 1/Angstrom; x at 60 keV and 180 degrees is 4.84
constexpr std::size_t kSPoints = 4001;   // S(x, Z) table points
constexpr std::size_t kCohPoints = 4000;

// Where xraylib's CS_Photo of element z actually jumps near the nominal edge energy: its
// photoionisation tables place some edges a little above EdgeEnergy() (Zr K: 17.9976 keV nominal,
// jump between 17.9976 and 18.0012 keV). Bisection on the discontinuity, to 1e-12 relative.
double photo_jump_kev(int z, double nominal_kev) {
  double lo = nominal_kev * (1 - 2e-3), hi = nominal_kev * (1 + 2e-3);
  const double f_lo = CS_Photo(z, lo, nullptr), f_hi = CS_Photo(z, hi, nullptr);
  if (!(f_hi > 1.01 * f_lo)) return nominal_kev;  // no visible jump: keep the nominal energy
  const double threshold = std::sqrt(f_lo * f_hi);
  while (hi - lo > 1e-12 * nominal_kev) {
    const double mid = 0.5 * (lo + hi);
    (CS_Photo(z, mid, nullptr) > threshold ? hi : lo) = mid;
  }
  return 0.5 * (lo + hi);
}

double x_of(double e_kev, double cos_theta) {
  return e_kev / kHcKeVAngstrom * std::sqrt(std::max(0.0, 0.5 * (1.0 - cos_theta)));
}

}  // namespace

double ElementData::incoherent_s(double x) const {
  const double t = x / s_dx;
  const auto i = static_cast<std::size_t>(t);
  if (i + 1 >= s_table.size()) return s_table.back();
  const double f = t - double(i);
  return s_table[i] + f * (s_table[i + 1] - s_table[i]);
}

MaterialXs::MaterialXs(Material material, TableOptions options)
    : material_(std::move(material)), options_(options) {
  if (material_.composition.empty())
    throw Error::bad_input("material has no composition").seen(material_.name);
  build_elements();
  build_grid();
  build_tables();
  build_coherent();
}

void MaterialXs::build_elements() {
  for (const ElementFraction& ef : material_.composition) {
    ElementData el;
    el.z = ef.z;
    el.mass_fraction = ef.mass_fraction;
    for (int s = 0; s < kShellCount; ++s) {
      el.edge_kev[s] = EdgeEnergy(el.z, kXrlShells[s], nullptr);
      el.fluorescence_yield[s] = FluorYield(el.z, kXrlShells[s], nullptr);
      double total_rate = 0;
      for (int line : kShellLines[s]) total_rate += std::max(0.0, RadRate(el.z, line, nullptr));
      double cum = 0;
      for (int line : kShellLines[s]) {
        const double rate = std::max(0.0, RadRate(el.z, line, nullptr));
        const double e = LineEnergy(el.z, line, nullptr);
        if (rate <= 0 || e <= 0 || total_rate <= 0) continue;
        cum += rate / total_rate;
        el.lines[s].push_back({e, cum});
      }
      if (!el.lines[s].empty()) el.lines[s].back().cumulative = 1.0;
      else el.fluorescence_yield[s] = 0;  // no radiative data: treat the vacancy as local
    }
    el.s_dx = kMaxX / double(kSPoints - 1);
    el.s_table.resize(kSPoints);
    el.s_table[0] = 0;
    for (std::size_t i = 1; i < kSPoints; ++i)
      el.s_table[i] = SF_Compt(el.z, double(i) * el.s_dx, nullptr);
    elements_.push_back(std::move(el));
  }
}

void MaterialXs::build_grid() {
  const std::size_t n = std::max<std::size_t>(options_.base_points, 16);
  log_min_ = std::log(kMinEnergyKeV);
  const double log_max = std::log(kMaxEnergyKeV);
  bucket_width_ = (log_max - log_min_) / double(n - 1);
  std::vector<double> e;
  for (std::size_t i = 0; i < n; ++i) e.push_back(std::exp(log_min_ + double(i) * bucket_width_));
  e.front() = kMinEnergyKeV;
  e.back() = kMaxEnergyKeV;
  for (const ElementData& el : elements_)
    for (int shell : kGridShells) {
      const double nominal = EdgeEnergy(el.z, shell, nullptr);
      if (!(nominal > kMinEnergyKeV && nominal < kMaxEnergyKeV)) continue;
      const double edge = photo_jump_kev(el.z, nominal);
      if (edge * (1 - kEdgeGap) <= kMinEnergyKeV || edge * (1 + kEdgeGap) >= kMaxEnergyKeV) continue;
      // Drop base points inside the gap so that no segment straddles the edge.
      std::erase_if(e, [&](double x) {
        return x > edge * (1 - 2 * kEdgeGap) && x < edge * (1 + 2 * kEdgeGap);
      });
      e.push_back(edge * (1 - kEdgeGap));
      e.push_back(edge * (1 + kEdgeGap));
    }
  std::sort(e.begin(), e.end());
  e.erase(std::unique(e.begin(), e.end()), e.end());
  energy_ = std::move(e);
  bucket_.resize(n);
  std::size_t i = 0;
  for (std::size_t b = 0; b < n; ++b) {
    const double lo = std::exp(log_min_ + double(b) * bucket_width_);
    while (i + 2 < energy_.size() && energy_[i + 1] <= lo) ++i;
    bucket_[b] = i;
  }
}

XsPoint MaterialXs::locate(double e_kev) const {
  if (!(e_kev >= kMinEnergyKeV && e_kev <= kMaxEnergyKeV)) {
    std::ostringstream s;
    s << e_kev;
    throw Error::bad_input("photon energy outside the tabulated range")
        .field("energy_kev")
        .seen(s.str())
        .expected("1 to 60 keV");
  }
  auto b = static_cast<std::size_t>((std::log(e_kev) - log_min_) / bucket_width_);
  b = std::min(b, bucket_.size() - 1);
  std::size_t i = bucket_[b];
  while (i + 2 < energy_.size() && energy_[i + 1] <= e_kev) ++i;
  return {i, (e_kev - energy_[i]) / (energy_[i + 1] - energy_[i])};
}

MassXs MaterialXs::at(const XsPoint& p) const {
  return {lerp(total_, p), lerp(photo_, p), lerp(incoh_, p), lerp(coh_, p), lerp(mu_en_, p)};
}

double MaterialXs::shell_probability(const XsPoint& p, std::size_t el, int s) const {
  const std::size_t n = elements_.size();
  const std::size_t a = (p.i * n + el) * kShellCount + s;
  const std::size_t b = ((p.i + 1) * n + el) * kShellCount + s;
  return shell_prob_[a] + p.f * (shell_prob_[b] - shell_prob_[a]);
}

// Fraction of the incoherent cross section's photon energy given to the electron, times
// sigma_incoh: integral of KN(theta) S(x, Z) (1 - E'/E) dOmega over integral of KN S dOmega.
double MaterialXs::compton_energy_transfer(const ElementData& el, double e_kev) const {
  const double k = e_kev / kElectronRestKeV;
  auto kn_s = [&](double c, bool transfer) {
    const double ratio = 1.0 / (1.0 + k * (1.0 - c));  // E'/E
    const double kn = ratio * ratio * (ratio + 1.0 / ratio - (1.0 - c * c));
    const double w = kn * el.incoherent_s(x_of(e_kev, c));
    return transfer ? w * (1.0 - ratio) : w;
  };
  using Q = boost::math::quadrature::gauss_kronrod<double, 31>;
  const double num = Q::integrate([&](double c) { return kn_s(c, true); }, -1.0, 1.0, 8, 1e-9);
  const double den = Q::integrate([&](double c) { return kn_s(c, false); }, -1.0, 1.0, 8, 1e-9);
  return den > 0 ? num / den : 0.0;
}

double MaterialXs::mean_fluorescence_kev(const ElementData& el, double e_kev) const {
  const double photo = CS_Photo(el.z, e_kev, nullptr);
  if (photo <= 0) return 0;
  double mean = 0;
  for (int s = 0; s < kShellCount; ++s) {
    if (e_kev <= el.edge_kev[s] || el.lines[s].empty()) continue;
    const double p_shell = CS_Photo_Partial(el.z, kXrlShells[s], e_kev, nullptr) / photo;
    double prev = 0, line_mean = 0;
    for (const FluorescenceLine& l : el.lines[s]) {
      if (l.energy_kev >= options_.fluorescence_cutoff_kev)
        line_mean += (l.cumulative - prev) * l.energy_kev;
      prev = l.cumulative;
    }
    mean += p_shell * el.fluorescence_yield[s] * line_mean;
  }
  return mean;
}

void MaterialXs::build_tables() {
  const std::size_t n = energy_.size(), ne = elements_.size();
  total_.assign(n, 0);
  photo_.assign(n, 0);
  incoh_.assign(n, 0);
  coh_.assign(n, 0);
  mu_en_.assign(n, 0);
  el_photo_.assign(n * ne, 0);
  el_incoh_.assign(n * ne, 0);
  shell_prob_.assign(n * ne * kShellCount, 0);
  // The Compton energy-transfer fraction is smooth in E (S(x, Z) has no edges): integrate it on a
  // coarse log grid per element and interpolate linearly in log E (mu_en agrees with per-point
  // integration to five significant digits at the NIST energies of water and cortical bone).
  constexpr std::size_t kTransferPoints = 120;
  const double log_span = std::log(kMaxEnergyKeV / kMinEnergyKeV);
  // It depends on the element alone (its S(x, Z)): each element's table is integrated once per
  // process and shared by every material that holds the element (a plan on a CT builds a dozen
  // media of the same ten elements; the integrals were most of their cost).
  static std::mutex cache_mutex;
  static std::map<int, std::vector<double>> cache;
  std::vector<std::vector<double>> transfer(ne);
  for (std::size_t j = 0; j < ne; ++j) {
    {
      const std::lock_guard lock(cache_mutex);
      if (const auto it = cache.find(elements_[j].z); it != cache.end()) transfer[j] = it->second;
    }
    if (!transfer[j].empty()) continue;
    transfer[j].resize(kTransferPoints);
    for (std::size_t t = 0; t < kTransferPoints; ++t)
      transfer[j][t] = compton_energy_transfer(
          elements_[j], kMinEnergyKeV * std::exp(log_span * double(t) / double(kTransferPoints - 1)));
    const std::lock_guard lock(cache_mutex);
    cache.emplace(elements_[j].z, transfer[j]);
  }
  auto transfer_at = [&](std::size_t j, double e) {
    const double u = std::log(e / kMinEnergyKeV) / log_span * double(kTransferPoints - 1);
    const auto t = std::min(static_cast<std::size_t>(u), kTransferPoints - 2);
    const double f = u - double(t);
    return transfer[j][t] + f * (transfer[j][t + 1] - transfer[j][t]);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const double e = energy_[i];
    for (std::size_t j = 0; j < ne; ++j) {
      const ElementData& el = elements_[j];
      const double w = el.mass_fraction;
      const double tau = CS_Photo(el.z, e, nullptr);
      const double inc = CS_Compt(el.z, e, nullptr);
      const double coh = CS_Rayl(el.z, e, nullptr);
      el_photo_[i * ne + j] = w * tau;
      el_incoh_[i * ne + j] = w * inc;
      photo_[i] += w * tau;
      incoh_[i] += w * inc;
      coh_[i] += w * coh;
      double sum = 0;
      for (int s = 0; s < kShellCount; ++s) {
        double p = 0;
        if (tau > 0 && e > el.edge_kev[s])
          p = std::max(0.0, CS_Photo_Partial(el.z, kXrlShells[s], e, nullptr) / tau);
        p = std::min(p, 1.0 - sum);
        shell_prob_[(i * ne + j) * kShellCount + s] = p;
        sum += p;
      }
      mu_en_[i] += w * (tau * (1.0 - mean_fluorescence_kev(el, e) / e) +
                        inc * transfer_at(j, e));
    }
    total_[i] = photo_[i] + incoh_[i] + coh_[i];
  }
}

double MaterialXs::coherent_f2(double x) const {
  double f2 = 0;
  for (const ElementData& el : elements_) {
    const double f = x > 0 ? FF_Rayl(el.z, x, nullptr) : double(el.z);
    f2 += el.mass_fraction / AtomicWeight(el.z, nullptr) * f * f;
  }
  return f2;
}

void MaterialXs::build_coherent() {
  const double x2_max = kMaxX * kMaxX;
  coh_x2_.resize(kCohPoints);
  coh_cum_.resize(kCohPoints);
  coh_x2_[0] = 0;
  const double lo = std::log(1e-6), hi = std::log(x2_max);
  for (std::size_t i = 1; i < kCohPoints; ++i)
    coh_x2_[i] = std::exp(lo + (hi - lo) * double(i - 1) / double(kCohPoints - 2));
  coh_cum_[0] = 0;
  double prev_f2 = coherent_f2(0);
  for (std::size_t i = 1; i < kCohPoints; ++i) {
    const double f2 = coherent_f2(std::sqrt(coh_x2_[i]));
    coh_cum_[i] = coh_cum_[i - 1] + 0.5 * (f2 + prev_f2) * (coh_x2_[i] - coh_x2_[i - 1]);
    prev_f2 = f2;
  }
}

double MaterialXs::coherent_cumulative(double x2) const {
  auto it = std::upper_bound(coh_x2_.begin(), coh_x2_.end(), x2);
  if (it == coh_x2_.end()) return coh_cum_.back();
  const std::size_t i = static_cast<std::size_t>(it - coh_x2_.begin()) - 1;
  const double f = (x2 - coh_x2_[i]) / (coh_x2_[i + 1] - coh_x2_[i]);
  return coh_cum_[i] + f * (coh_cum_[i + 1] - coh_cum_[i]);
}

double MaterialXs::coherent_x2_for_cumulative(double g) const {
  auto it = std::upper_bound(coh_cum_.begin(), coh_cum_.end(), g);
  if (it == coh_cum_.end()) return coh_x2_.back();
  const std::size_t i = static_cast<std::size_t>(it - coh_cum_.begin()) - 1;
  const double d = coh_cum_[i + 1] - coh_cum_[i];
  const double f = d > 0 ? (g - coh_cum_[i]) / d : 0.0;
  return coh_x2_[i] + f * (coh_x2_[i + 1] - coh_x2_[i]);
}

MassXs MaterialXs::direct(const Material& m, double e_kev) {
  MassXs out;
  for (const ElementFraction& ef : m.composition) {
    out.photo += ef.mass_fraction * CS_Photo(ef.z, e_kev, nullptr);
    out.incoherent += ef.mass_fraction * CS_Compt(ef.z, e_kev, nullptr);
    out.coherent += ef.mass_fraction * CS_Rayl(ef.z, e_kev, nullptr);
  }
  out.total = out.photo + out.incoherent + out.coherent;
  return out;
}

}  // namespace kiort
