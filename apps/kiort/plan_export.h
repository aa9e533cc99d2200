// kiort demo's exports of a plan just computed, through the documents module's writers
// (documents/plan_documents.h: add_source_info, write_plan_dicom), which kiort report shares.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "documents/plan_documents.h"  // add_source_info, write_plan_dicom
#include "dose/probe_dosimetry.h"
#include "patient/patient_model.h"
#include "plan/compute.h"
#include "plan/plan.h"
#include "report/plan_report.h"

namespace kiort::cli {

// kiort demo's exports of a plan just computed: dir/ct/ (the phantom CT), dir/dicom/ (the RT set),
// dir/report.pdf and dir/figures/*.png. Returns a line naming what was written.
std::string write_demo_exports(const Plan& plan, const PlanComputation& c,
                               const PatientModel& patient, const CommissionedSource& source,
                               const std::filesystem::path& dir);

}  // namespace kiort::cli
