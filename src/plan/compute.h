// Computing a plan: the applicator trajectory (proposed along the transpedicular path or given),
// its checks, the dose basis per dwell position from the Monte Carlo engine (dose to medium, with
// sigma) and from the fast water engine, the dwell times (from the calibration for a point
// prescription, optimised for a coverage prescription), the evaluation (DVH and metrics for both
// engines, constraints) and the independent second check.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/collective.h"
#include "core/grid3.h"
#include "core/progress.h"
#include "dose/probe_dosimetry.h"
#include "patient/patient_model.h"
#include "plan/dvh.h"
#include "plan/nnls.h"
#include "plan/plan.h"

namespace kiort {

struct PlanContext {
  const PatientModel* patient = nullptr;
  const CommissionedSource* source = nullptr;
  const MaterialLibrary* lib = nullptr;
  std::filesystem::path cache_dir;
  ProgressMode progress = ProgressMode::kQuiet;
  unsigned threads = 0;
  const Collective* world = nullptr;  // MPI ranks sharing the Monte Carlo (null: one process)
};

// A needle path from the pedicle on `side` ("left" = patient's left, +x in LPS; "right") into
// the target: through the pedicle's centroid towards the target's centroid; the dwell positions
// (tip first, then pulled back by the step) are centred on the centroid (unilateral), or the tip
// stops 4 mm short of the midline plane through it (bilateral: each side treats its half); the
// entry lies 45 mm behind the pedicle. Pedicles come
// from structures Pedicle_L/Pedicle_R, else from the vertebra's label (arch voxels next to the
// body on that side). Throws Error(bad input) when neither exists.
Access propose_access(const PatientModel& patient, const std::string& target,
                      const std::string& side, bool bilateral, int dwell_count,
                      double dwell_step_mm);

// The spinal canal structure of the patient (SpinalCanal, "SpinalCanal (derived)"), if any.
const Structure* find_canal(const PatientModel& patient);
// The cord (SpinalCord, CaudaEquina) or, failing that, the canal.
const Structure* find_cord(const PatientModel& patient);

// Checks that need the patient: target exists, dwell positions inside the CT, no needle through
// the spinal canal or cord, the prescription point inside the grid, depth within the calibration.
// Throws Error(bad input) with the plan file, field and value.
void check_plan(const Plan& plan, const PlanContext& ctx, const std::string& file);

// The unit vector perpendicular to the probe axis, towards anterior (the prescription's and the
// near-applicator points' direction).
Vec3 prescription_direction(const Vec3& axis);
// The prescription point of a dwell position: perpendicular to the probe axis, towards anterior,
// at the prescription depth from the applicator surface or source centre.
Vec3 prescription_point(const Plan& plan, const PlanContext& ctx, const Vec3& dwell,
                        const Vec3& axis);

struct PlanComputation {
  Grid3 dose_grid{{1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  std::array<int, 3> lo{}, hi{};      // the dose grid as a box of the patient grid
  std::vector<double> dose_gy;        // primary engine, total
  std::vector<double> sigma_rel;      // Monte Carlo relative sigma of the total (0 for water)
  std::vector<double> dose_water_gy;  // fast water engine, total (dose to water, in water)
  std::vector<double> dose_water_medium_gy;  // Monte Carlo dose to water in medium (Dw,m); MC only
  std::vector<double> times_s;
  std::vector<std::uint8_t> applicator_mask;     // patient-grid voxels the applicator touches
  std::vector<DvhCurve> dvh_primary, dvh_water;  // primary engine (MC: Dm,m), water engine (Dw,w)
  std::vector<DvhCurve> dvh_water_medium;        // Monte Carlo Dw,m; empty for water plans
  nlohmann::ordered_json summary;                // the evaluation
  bool goals_met = true;
  std::uint64_t histories = 0;
};

// Computes dwell times (stored in plan.dwell_times_s) and the evaluation (plan.evaluation_json):
// the stages of plan/stages.h in order (basis, optimise, second check, evaluate).
// Throws Error(bad input) for an approved plan.
PlanComputation compute_plan(Plan& plan, const PlanContext& ctx, const std::string& file);

// Writes dose.nrrd (primary engine, Gy), dose_sigma.nrrd (relative), dose_water.nrrd,
// dose_water_in_medium.nrrd (Monte Carlo plans: TG-186 Dw,m), dvh.csv and
// summary.json into dir, each atomically, each carrying the plan ID and approval state, and last
// outputs.json, the manifest (each file's SHA-256); the old manifest is removed first.
void write_plan_outputs(const Plan& plan, const PlanComputation& c,
                        const std::filesystem::path& dir);
// Throws Error(bad input) naming the file unless dir holds a manifest whose every file is present
// and unchanged: a reader's check that the outputs are one complete set.
void verify_plan_outputs(const std::filesystem::path& dir);

}  // namespace kiort
