// The stages of computing a plan (docs/architecture.md, "plan"): basis -> optimise -> second
// check -> evaluate. compute_plan (compute.h) runs them in order; each stage takes what the one
// before produced and can be run and tested alone. No stage writes files or edits the plan.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/grid3.h"
#include "dose/water_engine.h"
#include "plan/compute.h"

namespace kiort {

// The dose grid as a box [lo, hi) of the patient grid, and the patient-grid voxels the applicator
// touches (applicator_volume.h): left out of every DVH and metric.
struct DoseBox {
  Grid3 grid{{1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  std::array<int, 3> lo{}, hi{};
  std::vector<std::uint8_t> applicator_mask;  // patient grid: 1 where the applicator reaches
  std::vector<float> applicator_fraction;     // patient grid: the fraction inside it (0..1)
};

// Stage 1: dose per unit time (Gy/s) on the dose grid for each dwell position.
struct DoseBasis {
  DoseBox box;
  std::vector<Vec3> dwells, axes;  // dwell positions and probe axes (forward), accesses in order
  std::vector<std::vector<float>> primary;          // the plan's engine (MC: Dm,m)
  std::vector<std::vector<float>> water;            // fast water engine (Dw,w)
  std::vector<std::vector<float>> sigma;            // relative sigma of primary (0 for water)
  std::vector<std::vector<float>> water_in_medium;  // MC Dw,m (TG-186); empty for water plans
  std::uint64_t histories = 0;
  double achieved_sigma = 0;
  bool monte_carlo() const { return !water_in_medium.empty(); }
};

// The box within plan.engine.margin_mm of any dwell position, and the applicator's voxels.
DoseBox dose_box(const Plan& plan, const PlanContext& ctx, const std::vector<Vec3>& dwells);
// The fast water engine for the context's source (table from the cache, computed once).
WaterEngine water_engine_for(const PlanContext& ctx);
// Stage 1. Monte Carlo (plan.engine.engine == "mc") or the water engine as primary.
DoseBasis compute_basis(const Plan& plan, const PlanContext& ctx, const WaterEngine& water);
// How compute_basis runs the Monte Carlo (summary.json's mc_method).
std::string monte_carlo_method();

// Stage 2: dwell times (s, rounded to the console's 0.1 s). A point prescription: the
// calibration's dose rate at the prescription depth; a coverage prescription: NNLS towards the
// prescribed dose over the target, scaled to its D<coverage>, the organ at risk pulled down while
// its limit is exceeded (best compromise at its limit).
struct DwellTimes {
  std::vector<double> times_s;
  double calibration_rate_gy_per_min = 0;  // at the prescription depth
};
DwellTimes optimise_dwell_times(const Plan& plan, const PlanContext& ctx, const DoseBasis& basis,
                                const std::string& file);

// Stage 3: the independent second check: dwell times recomputed with the water engine's dose rate
// at the prescription depth, against the calibration's.
struct SecondCheck {
  nlohmann::ordered_json json;  // summary["second_check"]
  bool flagged = false;
  double deviation = 0;  // calibration rate / water-engine rate - 1
};
SecondCheck second_check(const Plan& plan, const PlanContext& ctx, const WaterEngine& water,
                         const DwellTimes& times);

// Stage 4: total doses, sigma, metrics, constraints, DVHs and the summary.
PlanComputation evaluate_plan(const Plan& plan, const PlanContext& ctx, const DoseBasis& basis,
                              const WaterEngine& water, const DwellTimes& times,
                              const SecondCheck& check, const std::string& file);

// A dose at a point in TG-186's three quantities. Dw,w: the water engine at the exact position
// (summed over dwell positions). Monte Carlo plans: Dm,m and Dw,m as Dw,w times the Monte Carlo's
// ratio to the water engine (Dm,m/Dw,w, Dw,m/Dw,w), interpolated trilinearly over the voxel
// centres around the point that hold the point's medium and that the applicator does not touch
// (renormalised weights; Dm,m and Dw,m null when none of the 8 does, as next to the applicator).
// The water engine carries the steep gradient (about 20 %/mm at 15 mm), the ratio only the medium
// and scatter, which vary slowly within one medium. Water plans: Dm,m and Dw,m unknown (null).
struct PointDose {
  Vec3 point;
  double dw_w_gy = 0;
  std::optional<double> dm_m_gy, dw_m_gy, sigma_rel;  // sigma of Dm,m (Monte Carlo)
  std::string medium;                                 // the patient's medium at the point
  std::string method;
};
PointDose dose_at_point(const PlanContext& ctx, const DoseBasis& basis, const WaterEngine& water,
                        const PlanComputation& c, const Vec3& x);

// Shared by the stages.
// The depth of the prescription point from the source centre (mm).
double perpendicular_depth_from_centre(const Plan& plan, const CommissionedSource& s);
// Calibration dose rate (Gy/min) at the prescription depth, in the table's own convention; throws
// Error(bad input) naming prescription.depth_mm when the table does not cover it.
double calibration_rate(const Plan& plan, const CommissionedSource& s, const std::string& file);
// The structure or Error(bad input) naming file and field and listing the structures there are.
const Structure& need_structure(const PatientModel& p, const std::string& name,
                                const std::string& file, const std::string& field);
// A structure's voxel doses (zero outside the dose grid), the applicator's voxels left out.
std::vector<double> structure_doses(const PatientModel& p, const Structure& s, const DoseBox& box,
                                    const std::vector<double>& dose);
// Dose-grid indices of a structure's voxels inside the dose grid, the applicator's left out.
std::vector<std::size_t> structure_rows(const PatientModel& p, const Structure& s,
                                        const DoseBox& box);
// Whether x lies in a voxel of the structure (false for none).
bool mask_at(const PatientModel& p, const Structure* s, const Vec3& x);
// Sum over dwell positions of time x basis (Gy per voxel).
std::vector<double> total_dose(const std::vector<std::vector<float>>& basis,
                               const std::vector<double>& times_s);

}  // namespace kiort
