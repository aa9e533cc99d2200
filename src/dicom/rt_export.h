// A plan's DICOM RT set: RT Dose (the dose grid, dose to water by the fast engine, the Monte Carlo
// standard uncertainty as Dose Type ERROR), the plan's RT Structure Set (the patient's structures
// plus the applicator path and the dwell positions) and the RT Plan for brachytherapy (electronic
// X-ray source, one channel per access). Every object references the CT's Frame of Reference;
// UIDs derive from the plan ID, the CT's UIDs, the plan's content and its approval state, so the
// same plan gives the same references and new content (or an approval) a new UID.
// Writers only: they never change the plan or the patient, and every file is written atomically.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/grid3.h"
#include "patient/patient_model.h"
#include "plan/dvh.h"
#include "plan/plan.h"

namespace kiort::dicom {

// The UIDs of one plan's DICOM set (the plastimatch "rt study" idea: one place owns them).
struct PlanUids {
  std::string key;  // plan ID, CT series, content checksum and approval state
  std::string rtplan_sop, rtplan_series;
  std::string rtstruct_sop, rtstruct_series;
  // kind: "physical", "error", "water"; each dose object is a series of its own.
  std::string rtdose_series(const std::string& kind) const;
  // Also keyed by the dose values: a recomputation with other numbers is another instance.
  std::string rtdose_sop(const std::string& kind, const std::vector<double>& dose_gy) const;
};
// Deterministic from the plan ID, the CT's series UID, plan_checksum() (dwell times, engine,
// evaluation: everything but the approval) and the approval state (who, when): the draft and the
// approved plan, or two computations of one plan, never share a UID.
PlanUids plan_uids(const Plan& plan, const PatientModel& patient);

// One structure's cumulative DVH for the RT Dose's DVH Sequence.
struct RtDoseDvh {
  int roi_number = 0;  // the ROI in the plan's RTSTRUCT
  DvhCurve curve;      // cumulative: volume fraction receiving at least dose_gy, on dose_gy steps
};
struct RtDoseOptions {
  std::string dose_type = "PHYSICAL";  // PHYSICAL, or ERROR: the absolute standard uncertainty
  std::string kind = "physical";       // which UID of the set: "physical", "error", "water"
  std::string comment{};               // Dose Comment (3004,0006, LO: 64 characters)
  // Tissue Heterogeneity Correction (3004,0014): IMAGE for the Monte Carlo dose to medium,
  // WATER for the fast engine's dose to water; empty: omitted.
  std::string heterogeneity = "IMAGE";
  std::string series_description{};  // (0008,103E): what the grid holds, for a folder listing
  int series_number = 3;
  int instance_number = 1;
  // RT DVH module: one cumulative DVH per structure (volume in CM3), referencing the plan's
  // RTSTRUCT; empty: no DVH module.
  std::vector<RtDoseDvh> dvhs{};
};

// Writes dose_gy (on dose_grid, i fastest, Gy) as a multi-frame RT Dose: 32-bit unsigned pixels
// with Dose Grid Scaling chosen so the maximum uses the full range (rounding error below 1e-9 of
// the maximum), Dose Units GY, Dose Summation Type PLAN, referencing the CT's Frame of Reference
// and the plan's RT Plan. Throws Error(bad input) for a size mismatch, negative or non-finite
// values, a patient without DICOM UIDs, or a dose grid not parallel to the CT's axes.
void write_rtdose(const PatientModel& patient, const Plan& plan, const Grid3& dose_grid,
                  const std::vector<double>& dose_gy, const std::filesystem::path& path,
                  const RtDoseOptions& options = {});

// The plan's structures: the patient's, plus per access the channel as an OPEN_NONPLANAR polyline
// along the needle from its entry to the tip ("Channel_<access>", BRACHY_CHANNEL, what the RT
// Plan's channel references), the applicator as a tube mask for display ("Applicator_<access>",
// BRACHY_SRC_APP: every voxel the tube of applicator_radius_mm around the needle segment touches
// (plan/applicator_volume.h), the same voxels kiort's DVHs leave out, as the structure set's
// description says) and its dwell positions as POINT contours ("Dwell_<access>_<n>", MARKER);
// written with write_rtstruct and the set's UIDs. applicator_radius_mm: the applicator's outer
// radius (the source model's surface radius).
void write_plan_rtstruct(const PatientModel& patient, const Plan& plan, double applicator_radius_mm,
                         const std::filesystem::path& path);
// ROI numbers in the plan's RTSTRUCT: a patient structure's, and an access's channel polyline.
int plan_roi_number(const PatientModel& patient, std::size_t structure_index);
int channel_roi_number(const PatientModel& patient, const Plan& plan, std::size_t access_index);

// The probe as the RT Plan describes it.
struct BrachySourceInfo {
  std::string probe_serial{}, applicator{}, calibration_date{};  // date YYYY-MM-DD or YYYYMMDD
  std::string dose_definition{};
  double kv = 50;
  double applicator_radius_mm = 0;
  // An illustrative calibration (not a real probe's): the plan's label and description say
  // ILLUSTRATIVE CALIBRATION - NOT FOR CLINICAL USE.
  bool illustrative = false;
};

// Writes the RT Plan (brachy, PS3.3 C.8.8.15): treatment machine and an electronic X-ray source
// (no isotope, no half-life, strength in DOSE_RATE_WATER), one Application Setup (OTHER, the
// applicator named) with one channel per access, control points in dwell pairs carrying the
// dwell positions, their relative positions from the distal end (the tip: 0) and cumulative
// time weights in seconds, Source Applicator Step Size for stepwise channels, the prescription
// as a dose reference (the point's coordinates, or the target ROI for a coverage prescription),
// plan date and time from plan.json, the approval state, and a reference to the plan's RTSTRUCT.
// Throws Error(bad input) when the plan has no dwell times.
void write_rtplan_brachy(const PatientModel& patient, const Plan& plan,
                         const BrachySourceInfo& source, const std::filesystem::path& path);

}  // namespace kiort::dicom
