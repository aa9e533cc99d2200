// The Kypho-IORT plan report for signature: who and what the plan is for (patient, plan ID,
// level, probe serial and calibration date, kV, applicator, prescription), what the console needs
// (dwell positions and times), the Monte Carlo result and the water-engine second check, the DVH,
// isodose overlays on the CT through each source position (axial, sagittal, coronal), the
// constraint table, the uncertainty, engine and software version, and the approval state with
// signature fields. The figures also come out as PNG. Never reads files or the DICOM module:
// callers hand in the plan, the patient and the computed doses.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/grid3.h"
#include "patient/patient_model.h"
#include "plan/compute.h"
#include "plan/dvh.h"
#include "plan/plan.h"

namespace kiort {

struct PlanReportData {
  Grid3 dose_grid{{1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  std::vector<double> dose_gy;        // primary engine (Monte Carlo dose to medium, or water)
  std::vector<double> dose_water_gy;  // fast water engine
  std::vector<double> dose_water_medium_gy;  // Monte Carlo dose to water in medium (Dw,m), if any
  std::vector<double> sigma_rel;  // Monte Carlo relative standard uncertainty (0 for water)
  std::vector<DvhCurve> dvh_primary, dvh_water;
  std::string summary_json;  // the evaluation (compute.h summary)
  // The probe as calibrated (from the commissioned source).
  std::string probe_serial, calibration_date, applicator, dose_definition;
  // Not a real probe's calibration: the banner on page 1 even when the summary predates it.
  bool illustrative_calibration = false;
  std::vector<std::string> dicom_files;  // listed in the report when exported alongside
};

// The report data of a computation just made (kiort demo).
PlanReportData plan_report_data(const Plan& plan, const PlanComputation& c);

struct PlanReportResult {
  int pages = 0;
  std::vector<std::filesystem::path> figures;  // PNGs written
};

// Writes the PDF atomically and the figures as PNG into png_dir (created). Throws Error(bad
// input) when the plan has no dwell times or evaluation, or the dose arrays do not match the
// grid; nothing is written then.
PlanReportResult write_plan_report(const Plan& plan, const PatientModel& patient,
                                   const PlanReportData& data, const std::filesystem::path& pdf,
                                   const std::filesystem::path& png_dir);

}  // namespace kiort
