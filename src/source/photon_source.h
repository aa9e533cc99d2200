// Photon sources for transport: what a source is (sample one primary photon) and the simple ones
// the engine is validated with (isotropic point source, monoenergetic or with a spectrum).
// The probe model (issue 5) implements the same interface.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/vec3.h"

namespace kiort {

class Spectrum;

struct Photon {
  Vec3 r;             // position, LPS mm
  Vec3 u;             // unit direction
  double e_kev = 0;   // energy
  double weight = 1;  // statistical weight
};

class PhotonSource {
 public:
  virtual ~PhotonSource() = default;
  virtual Photon sample(Philox& rng) const = 0;
  virtual double max_energy_kev() const = 0;
  virtual double mean_energy_kev() const = 0;
  // A point every primary starts from, when there is one (for the hybrid primary ray tracing).
  virtual bool is_point() const { return false; }
  virtual Vec3 position() const { return {}; }
  // For point sources: the energy spectrum and the relative intensity per steradian in
  // direction u (1 for isotropic emission), so that primary fluence can be computed exactly.
  virtual const Spectrum* spectrum_of_point() const { return nullptr; }
  virtual double relative_intensity(const Vec3& /*u*/) const { return 1.0; }
  virtual std::string describe() const = 0;
};

// A photon energy spectrum: relative fluence per keV, piecewise linear between the given points
// (E ascending, >= 2 points), or a single line. Sampling by inversion of the exact CDF.
class Spectrum {
 public:
  static Spectrum monoenergetic(double e_kev);
  // Two columns per line, "keV relative_fluence" (comma, tab or space separated; '#' comments).
  // Throws Error(bad input) naming file and line.
  static Spectrum load(const std::filesystem::path& file);
  Spectrum(std::vector<double> e_kev, std::vector<double> fluence, std::string name);

  double sample(Philox& rng) const;
  // Nodes (energy, fluence fraction; the fractions sum to 1) that integrate a function against
  // the spectrum: its range cut at `breaks` (keV: where the integrand jumps, e.g. absorption
  // edges) and in pieces of at most bin_kev, each by the 2-point Gauss rule for the spectrum's
  // own fluence as the weight (exact for a cubic times the piecewise-linear fluence, however
  // finely the spectrum is tabulated). A line gives itself with weight 1.
  std::vector<std::pair<double, double>> quadrature(double bin_kev,
                                                    const std::vector<double>& breaks) const;
  double max_energy_kev() const { return e_.back(); }
  double mean_energy_kev() const { return mean_; }
  // Fraction of photons with energy below e (exact for the piecewise-linear density).
  double cumulative(double e_kev) const;
  const std::string& name() const { return name_; }
  const std::vector<double>& energies() const { return e_; }
  const std::vector<double>& fluence() const { return f_; }

 private:
  std::vector<double> e_, f_, cdf_;  // cdf_ at points, trapezoidal areas
  double mean_ = 0;
  std::string name_;
};

class IsotropicPointSource : public PhotonSource {
 public:
  IsotropicPointSource(Vec3 position, Spectrum spectrum)
      : position_(position), spectrum_(std::move(spectrum)) {}
  Photon sample(Philox& rng) const override;
  double max_energy_kev() const override { return spectrum_.max_energy_kev(); }
  double mean_energy_kev() const override { return spectrum_.mean_energy_kev(); }
  bool is_point() const override { return true; }
  Vec3 position() const override { return position_; }
  const Spectrum* spectrum_of_point() const override { return &spectrum_; }
  std::string describe() const override;
  const Spectrum& spectrum() const { return spectrum_; }

 private:
  Vec3 position_;
  Spectrum spectrum_;
};

}  // namespace kiort
