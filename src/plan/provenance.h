// What a plan's dose rests on besides the patient, stated for the physicist who signs it: the
// probe calibration's provenance (formalism, depth reference, phantom, detector, who measured,
// whether it is illustrative), every assumed parameter of the source model, and what the shaft's
// shadow behind the tip does to the target and the cord. Reads nothing from disk.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/vec3.h"
#include "dose/water_engine.h"
#include "patient/patient_model.h"
#include "plan/compute.h"
#include "plan/plan.h"
#include "source/calibration.h"
#include "source/probe.h"

namespace kiort {

// summary.json's "calibration": {"illustrative", "formalism", "depth_reference", "serial",
// "date", "measured_by", "phantom", "detector", "file", ...}; an illustrative one also carries
// "banner": ILLUSTRATIVE CALIBRATION - NOT FOR CLINICAL USE.
nlohmann::ordered_json calibration_summary(const CalibrationTable& t);

// Every parameter of the probe model a plan's dose depends on: [{"parameter", "value", "unit",
// "status": "fitted" | "assumed" | "published", "note"}].
nlohmann::ordered_json source_model_parameters(const ProbeModel& m);

// The shaft's shadow behind the tip, from the water engine: F(10 mm, theta) at a few angles, the
// polar angle beyond which F(10 mm) < 0.5, and per structure the fraction of its voxels that no
// dwell position sees outside the shadow, and the ratio of its water dose (the plan's times) to
// what an isotropic source (every angle as at 90 degrees) would give.
struct ShadowStructure {
  std::string role, name;  // role: "target" or "cord"
  std::size_t voxels = 0;  // voxels within the water table's reach
  double fraction_in_shadow = 0;
  double dose_ratio_to_isotropic = 0;
};
struct ShadowEffect {
  double shadow_angle_deg = 180;                           // F(10 mm, theta) < 0.5 beyond it
  std::vector<std::pair<double, double>> anisotropy_10mm;  // (theta deg, F)
  std::vector<ShadowStructure> structures;
};
ShadowEffect shadow_effect(const PatientModel& patient, const WaterEngine& water,
                           const std::vector<Vec3>& dwells, const std::vector<Vec3>& axes,
                           const std::vector<double>& times_s,
                           const std::vector<std::pair<std::string, const Structure*>>& structures);
nlohmann::ordered_json to_json(const ShadowEffect& e);

}  // namespace kiort

namespace kiort {

// Everything above for one computed plan, added to its evaluation summary: "calibration",
// "uncertainty_budget", "source_model" {"parameters", "shadow"} and "needle_check" (per access:
// radius, margin, clearance); an illustrative calibration's banner goes first in "messages".
// Reads the prescription point's depth and Monte Carlo sigma from the summary's "prescription".
void add_dosimetry_statement(nlohmann::ordered_json& summary, const Plan& plan,
                             const PlanContext& ctx, const WaterEngine& water,
                             const std::vector<Vec3>& dwells, const std::vector<Vec3>& axes,
                             const std::vector<double>& times_s);

}  // namespace kiort
