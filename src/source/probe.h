// The miniature X-ray probe (INTRABEAM type) as a virtual source: photons leave the target at the
// tip with a spectrum S(E) (thick-target bremsstrahlung continuum after Kramers plus gold L lines,
// through an effective filtration that commissioning fits) and an emission F(theta) about the probe
// axis. The probe shaft, the tip wall and the needle applicator are analytic solids in transport,
// so the backward shadow of the shaft and the filtration by the applicator come from transport.
// Electrons in the target are never simulated at planning time.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "geometry/geometry.h"
#include "source/photon_source.h"

namespace kiort {

struct CharacteristicLine {
  std::string name;  // IUPAC, e.g. "L3M5" (Au L-alpha1)
  double energy_kev = 0;
  double relative = 0;  // relative photon yield among the lines
};

struct ProbeModel {
  std::string name, description, source;  // source: citations and stated assumptions
  double kv = 50;                         // tube potential; electrons hit the target at kv keV
  double min_energy_kev = 1.0;            // lower end of the continuum
  double line_fraction = 0;               // fraction of emitted photons in characteristic lines
  std::vector<CharacteristicLine> lines;
  std::string filter_material = "water";  // effective filtration (commissioned)
  double filter_mm = 0;
  double forward_anisotropy = 0;  // F(theta) = 1 + a cos(theta) about the axis
  // Probe: a tube of outer radius probe_radius_mm ending in a hemisphere whose centre is the
  // source point; the tip (hemisphere) wall and the shaft wall have their own materials.
  double probe_radius_mm = 1.6;
  double tip_wall_mm = 0.5;
  std::string tip_material = "beryllium";
  double shaft_wall_mm = 0.2;
  std::string shaft_material = "stainless-steel";
  double shaft_length_mm = 100;
  // Needle applicator: a closed tube around the probe, its hemispherical end concentric with
  // the tip. Outer radius 0 means a bare probe.
  double applicator_outer_radius_mm = 0;
  double applicator_wall_mm = 0;
  std::string applicator_material = "peek";

  // Photon spectrum at the target after the effective filtration (relative photons per keV).
  Spectrum spectrum(const MaterialLibrary& lib, double filter_mm_override = -1) const;
  // The same without filtration: what commissioning samples from.
  Spectrum unfiltered_spectrum() const;
  double surface_radius_mm() const {
    return applicator_outer_radius_mm > 0 ? applicator_outer_radius_mm : probe_radius_mm;
  }
};

// Reads a probe model (data/sources/*.json); throws Error(bad input) naming file and field.
ProbeModel load_probe_model(const std::filesystem::path& file);
// The same from parsed JSON (`where` names the file in errors), and back.
ProbeModel probe_model_from_json(const nlohmann::json& j, const std::string& where);
nlohmann::json probe_model_to_json(const ProbeModel& m);

// A probe placed in the patient: source point (the tip centre) and unit axis pointing from the
// shaft towards the tip (the forward direction).
class ProbeSource : public PhotonSource {
 public:
  ProbeSource(Vec3 tip_lps, Vec3 axis_lps, Spectrum spectrum, double forward_anisotropy);
  Photon sample(Philox& rng) const override;
  double max_energy_kev() const override { return spectrum_.max_energy_kev(); }
  double mean_energy_kev() const override { return spectrum_.mean_energy_kev(); }
  bool is_point() const override { return true; }
  Vec3 position() const override { return tip_; }
  const Spectrum* spectrum_of_point() const override { return &spectrum_; }
  double relative_intensity(const Vec3& u) const override;
  std::string describe() const override;

 private:
  Vec3 tip_, axis_;
  Perpendiculars frame_;  // about axis_, for sampling directions
  Spectrum spectrum_;
  double anisotropy_;
};

// Adds the probe's solids (tip, shaft, applicator) to a geometry, in precedence order, before any
// other solid. `media` lookup: the geometry's media must include the named materials; their
// indices are found by material name.
void add_probe_solids(Geometry& geometry, const ProbeModel& model, const Vec3& tip_lps,
                      const Vec3& axis_lps);

}  // namespace kiort
