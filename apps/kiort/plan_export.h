// What `kiort report` and `kiort demo` share: writing a computed plan's DICOM RT set (and the CT
// it references, when kiort made that CT) and its PDF report with PNG figures.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "dose/probe_dosimetry.h"
#include "patient/patient_model.h"
#include "plan/compute.h"
#include "plan/plan.h"
#include "report/plan_report.h"

namespace kiort::cli {

// The probe fields of the report from the commissioned source.
void add_source_info(PlanReportData& data, const CommissionedSource& source);

// Writes into dir: ct/ (CT_*.dcm, when write_ct), RTDOSE.dcm, RTDOSE_ERROR.dcm (Monte Carlo
// only), RTDOSE_WATER.dcm (when asked and the primary engine is Monte Carlo, so that it differs
// from RTDOSE), RTSTRUCT.dcm, RTPLAN.dcm. Returns the file names written (relative to dir).
std::vector<std::string> write_plan_dicom(const Plan& plan, const PatientModel& patient,
                                          const CommissionedSource& source,
                                          const PlanReportData& data,
                                          const std::filesystem::path& dir, bool write_ct,
                                          bool water_dose);

// kiort demo's exports of a plan just computed: dir/ct/ (the phantom CT), dir/dicom/ (the RT set),
// dir/report.pdf and dir/figures/*.png. Returns a line naming what was written.
std::string write_demo_exports(const Plan& plan, const PlanComputation& c,
                               const PatientModel& patient, const CommissionedSource& source,
                               const std::filesystem::path& dir);

}  // namespace kiort::cli
