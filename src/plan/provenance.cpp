#include "plan/provenance.h"

#include "plan/compute.h"
#include "plan/needle_check.h"
#include "plan/plan.h"
#include "plan/stages.h"
#include "plan/uncertainty.h"

#include <cmath>
#include <numbers>

namespace kiort {

using ojson = nlohmann::ordered_json;

ojson calibration_summary(const CalibrationTable& t) {
  ojson j = {{"illustrative", t.illustrative},
             {"formalism", to_string(t.formalism)},
             {"depth_reference", to_string(t.convention)},
             {"serial", t.probe_serial},
             {"date", t.calibration_date},
             {"measured_by", t.measured_by},
             {"phantom", t.phantom},
             {"phantom_radius_mm", t.phantom_radius_mm},
             {"detector", t.detector},
             {"applicator_outer_radius_mm", t.applicator_outer_radius_mm},
             {"dose_definition", t.dose_definition},
             {"uncertainty_rel_k1", t.uncertainty_rel},
             {"file", t.file}};
  if (t.illustrative) j["banner"] = kIllustrativeBanner;
  return j;
}

ojson source_model_parameters(const ProbeModel& m) {
  ojson a = ojson::array();
  auto add = [&](const std::string& p, const ojson& v, const char* unit, const char* status,
                 const std::string& note) {
    a.push_back(
        {{"parameter", p}, {"value", v}, {"unit", unit}, {"status", status}, {"note", note}});
  };
  add("filter_mm (" + m.filter_material + ")", m.filter_mm, "mm", "fitted",
      "effective filtration, fitted by commissioning to the calibration's depth-dose shape");
  add("line_fraction", m.line_fraction, "1", "assumed",
      "fraction of emitted photons in gold L lines");
  add("L line yields", "vacancy shares L1:L2:L3 = 2:2:4 x fluorescence yield x radiative rate", "",
      "assumed", "relative yields among the gold L lines (xraylib data, assumed vacancies)");
  add("forward_anisotropy", m.forward_anisotropy, "1", "assumed",
      "emission at the target F(theta) = 1 + a cos(theta); 0: isotropic");
  add("probe_radius_mm", m.probe_radius_mm, "mm", "published",
      "3.2 mm diameter at the tip (Yanch & Harte 1996; Armoogum et al. 2007)");
  add("tip_wall_mm (" + m.tip_material + ")", m.tip_wall_mm, "mm", "assumed",
      "the tip's hemispherical wall");
  add("shaft_wall_mm (" + m.shaft_material + ")", m.shaft_wall_mm, "mm", "assumed",
      "stands for the drift tube; with the shaft it sets the shadow behind the tip");
  add("shaft_length_mm", m.shaft_length_mm, "mm", "published", "10 cm drift tube");
  add("applicator_outer_radius_mm (" + m.applicator_material + ")", m.applicator_outer_radius_mm,
      "mm", "assumed", "needle applicator; depths from its surface");
  add("applicator_wall_mm", m.applicator_wall_mm, "mm", "assumed", "needle applicator wall");
  add("min_energy_kev", m.min_energy_kev, "keV", "assumed", "lower end of the Kramers continuum");
  return a;
}

ShadowEffect shadow_effect(
    const PatientModel& p, const WaterEngine& water, const std::vector<Vec3>& dwells,
    const std::vector<Vec3>& axes, const std::vector<double>& times,
    const std::vector<std::pair<std::string, const Structure*>>& structures) {
  ShadowEffect e;
  for (double th : {90.0, 120.0, 135.0, 150.0, 165.0, 175.0})
    e.anisotropy_10mm.push_back({th, water.anisotropy(10.0, th)});
  for (double th = 90; th <= 180; th += 1.0)
    if (water.anisotropy(10.0, th) < 0.5) {
      e.shadow_angle_deg = th;
      break;
    }
  const double c_shadow = std::cos(e.shadow_angle_deg * std::numbers::pi / 180);
  for (const auto& [role, s] : structures) {
    if (!s) continue;
    ShadowStructure r;
    r.role = role;
    r.name = s->name;
    std::size_t in_shadow = 0;
    double dose = 0, iso = 0;
    for (std::size_t v = 0; v < s->mask.size(); ++v) {
      if (!s->mask[v]) continue;
      const Vec3 x = p.grid.position(p.grid.index3(v));
      bool reached = false, seen = false;
      for (std::size_t i = 0; i < dwells.size(); ++i) {
        const Vec3 d = x - dwells[i];
        const double rr = norm(d);
        if (!(rr > 0) || rr > water.max_radius_mm()) continue;
        const double c = dot(d, axes[i]) / rr;
        reached = true;
        if (c > c_shadow) seen = true;
        const double t = i < times.size() ? times[i] : 1.0;
        dose += t * water.dose_rate_at(x, dwells[i], axes[i]);
        iso += t * water.dose_rate(rr, 0.0);
      }
      if (!reached) continue;
      ++r.voxels;
      if (!seen) ++in_shadow;
    }
    r.fraction_in_shadow = r.voxels ? double(in_shadow) / double(r.voxels) : 0.0;
    r.dose_ratio_to_isotropic = iso > 0 ? dose / iso : 0.0;
    e.structures.push_back(r);
  }
  return e;
}

ojson to_json(const ShadowEffect& e) {
  ojson f = ojson::array();
  for (const auto& [th, v] : e.anisotropy_10mm) f.push_back({{"theta_deg", th}, {"F", v}});
  ojson st = ojson::array();
  for (const auto& s : e.structures)
    st.push_back({{"role", s.role},
                  {"name", s.name},
                  {"voxels", s.voxels},
                  {"fraction_in_shadow", s.fraction_in_shadow},
                  {"water_dose_ratio_to_isotropic", s.dose_ratio_to_isotropic}});
  return {{"method",
           "water engine F(r, theta) (theta from the probe axis, forward = 0); a voxel is in the "
           "shadow when every dwell position sees it beyond the shadow angle; the dose ratio is "
           "its water dose over that of a source emitting at every angle as at 90 degrees"},
          {"shadow_angle_deg", e.shadow_angle_deg},
          {"anisotropy_10mm", f},
          {"structures", st}};
}

}  // namespace kiort

namespace kiort {

void add_dosimetry_statement(ojson& s, const Plan& plan, const PlanContext& ctx,
                             const WaterEngine& water, const std::vector<Vec3>& dwells,
                             const std::vector<Vec3>& axes, const std::vector<double>& times) {
  const PatientModel& p = *ctx.patient;
  const CommissionedSource& src = *ctx.source;
  const double rx_r_mm = perpendicular_depth_from_centre(plan, src);
  const ojson rx = s.value("prescription", ojson::object());
  // The point tally's sigma (prescription.dose_at_point) where the evaluation has one, else the
  // voxel's.
  const ojson at = rx.value("dose_at_point", ojson::object());
  const double mc_sigma_rel =
      at.is_object() && at.contains("sigma_rel") && at["sigma_rel"].is_number()
          ? at["sigma_rel"].get<double>()
          : rx.value("sigma_at_point_rel", 0.0);
  const Structure* target = p.find(plan.target);
  const Structure* cord = find_cord(p);
  std::vector<std::string> messages;
  const CalibrationTable& cal = src.calibration;
  s["calibration"] = calibration_summary(cal);
  if (cal.illustrative)
    messages.insert(messages.begin(),
                    std::string(kIllustrativeBanner) + ": probe " + cal.probe_serial +
                        "'s calibration is not a measurement; no dose here applies to a real "
                        "probe");

  UncertaintyInputs in;
  const bool mc = plan.engine.engine == "mc";
  in.mc_sigma_rel = mc ? mc_sigma_rel : 0.0;
  in.mc_basis = mc ? "Monte Carlo relative standard error at the prescription point "
                     "(history by history)"
                   : "water engine: table statistics (10^7 histories), below 0.5 %, neglected";
  in.calibration_rel = cal.uncertainty_rel;
  in.calibration_basis = "calibration file " + cal.file + ", uncertainty_rel_k1" +
                         (cal.illustrative ? " (illustrative calibration: an assumed value)" : "");
  in.gradient_rel_per_mm =
      relative_gradient_per_mm([&](double r) { return water.perpendicular_dose_rate(r); }, rx_r_mm);
  in.gradient_basis = "water engine, central difference +-0.5 mm along the depth at r = " +
                      std::to_string(rx_r_mm).substr(0, 5) + " mm from the source centre";
  if (!mc) {
    in.medium_rel = 0;
    in.medium_basis =
        "water engine: dose to water in water, no media assigned (the media's effect is a bias "
        "the Monte Carlo shows, not counted here)";
  } else if (plan.patient.kind == "phantom") {
    in.medium_rel = 0;
    in.medium_basis = "built-in phantom: media and densities assigned by construction";
  } else {
    in.medium_rel = kCtMediumAssignmentRel;
    in.medium_basis =
        "CT calibration (HU -> medium, density): 5 % assumed for a calibration not measured on "
        "this scanner (TG-186, Beaulieu et al. 2012: tissue assignment moves low-energy doses by "
        "several per cent)";
  }
  s["uncertainty_budget"] = to_json(uncertainty_budget(in));

  s["source_model"] = {
      {"parameters", source_model_parameters(src.model)},
      {"shadow",
       to_json(shadow_effect(p, water, dwells, axes, times, {{"target", target}, {"cord", cord}}))},
      {"published_anisotropy",
       "none found: no published INTRABEAM needle-applicator F(r, theta) to compare with "
       "(docs/validation.md)"}};

  ojson needles = ojson::array();
  const Structure* canal = find_canal(p);
  for (const auto& a : plan.accesses) {
    const NeedleCheck n = check_needle(p, a.entry_lps, a.tip_lps, src.model.surface_radius_mm(),
                                       kNeedleMarginMm, {canal, cord});
    needles.push_back(
        {{"access", a.name},
         {"radius_mm", n.radius_mm},
         {"margin_mm", n.margin_mm},
         {"clearance_mm", std::isnan(n.clearance_mm) ? ojson(nullptr) : ojson(n.clearance_mm)},
         {"pass", n.pass()}});
  }
  s["needle_check"] = needles;
  ojson all = ojson::array();
  for (const auto& m : messages) all.push_back(m);
  for (const auto& m : s.value("messages", ojson::array())) all.push_back(m);
  s["messages"] = all;
}

}  // namespace kiort
