// A plan's DICOM RT set: RT Dose (the dose grid, dose to water by the fast engine, the Monte Carlo
// standard uncertainty as Dose Type ERROR), the plan's RT Structure Set (the patient's structures
// plus the applicator path and the dwell positions) and the RT Plan for brachytherapy (electronic
// X-ray source, one channel per access). Every object references the CT's Frame of Reference;
// UIDs derive from the plan ID and the CT's UIDs, so the same plan gives the same references.
// Writers only: they never change the plan or the patient, and every file is written atomically.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/grid3.h"
#include "patient/patient_model.h"
#include "plan/plan.h"

namespace kiort::dicom {

// The UIDs of one plan's DICOM set (the plastimatch "rt study" idea: one place owns them).
struct PlanUids {
  std::string rtplan_sop, rtplan_series;
  std::string rtstruct_sop, rtstruct_series;
  std::string rtdose_series;
  std::string rtdose_sop(const std::string& kind) const;  // kind: "physical", "error", "water"
};
// Deterministic from the plan ID and the CT's series UID.
PlanUids plan_uids(const Plan& plan, const PatientModel& patient);

struct RtDoseOptions {
  std::string dose_type = "PHYSICAL";  // PHYSICAL, or ERROR: the absolute standard uncertainty
  std::string kind = "physical";       // which UID of the set: "physical", "error", "water"
  std::string comment{};               // Dose Comment (3004,0006, LO: 64 characters)
  // Tissue Heterogeneity Correction (3004,0014): IMAGE for the Monte Carlo dose to medium,
  // WATER for the fast engine's dose to water; empty: omitted.
  std::string heterogeneity = "IMAGE";
  int instance_number = 1;
};

// Writes dose_gy (on dose_grid, i fastest, Gy) as a multi-frame RT Dose: 32-bit unsigned pixels
// with Dose Grid Scaling chosen so the maximum uses the full range (rounding error below 1e-9 of
// the maximum), Dose Units GY, Dose Summation Type PLAN, referencing the CT's Frame of Reference
// and the plan's RT Plan. Throws Error(bad input) for a size mismatch, negative or non-finite
// values, a patient without DICOM UIDs, or a dose grid not parallel to the CT's axes.
void write_rtdose(const PatientModel& patient, const Plan& plan, const Grid3& dose_grid,
                  const std::vector<double>& dose_gy, const std::filesystem::path& path,
                  const RtDoseOptions& options = {});

// The plan's structures: the patient's, plus per access the applicator path as a mask
// ("Applicator_<access>", interpreted type BRACHY_CHANNEL) and its dwell positions as POINT
// contours ("Dwell_<access>_<n>", type MARKER); written with write_rtstruct and the set's UIDs.
void write_plan_rtstruct(const PatientModel& patient, const Plan& plan,
                         const std::filesystem::path& path);

// The probe as the RT Plan describes it.
struct BrachySourceInfo {
  std::string probe_serial{}, applicator{}, calibration_date{};  // date YYYY-MM-DD or YYYYMMDD
  std::string dose_definition{};
  double kv = 50;
  double applicator_radius_mm = 0;
};

// Writes the RT Plan (brachy): treatment machine and an electronic X-ray source (no isotope), one
// Application Setup with one channel per access, STEPWISE control points in dwell pairs carrying
// the dwell positions and cumulative time weights in seconds, the prescription as a dose
// reference at the prescription point, the approval state, and a reference to the plan's
// RTSTRUCT. Throws Error(bad input) when the plan has no dwell times.
void write_rtplan_brachy(const PatientModel& patient, const Plan& plan,
                         const BrachySourceInfo& source, const std::filesystem::path& path);

}  // namespace kiort::dicom
