// A computed plan's documents from its folder: the PDF report for signature (figures as PNG) and
// the DICOM RT set (RTDOSE, RTSTRUCT, RTPLAN and the CT kiort made). kiort report writes them;
// an approval (kiort plan approve, POST /api/plans/{id}/approve) writes them again, so that the
// approved plan's documents carry its approval, not the draft's banner and UIDs.
//
// documents.json beside plan.json records, per document of the plan folder, the approval it was
// written for; document_stale_reason() tells the server which of them are not the approved plan's.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "dose/probe_dosimetry.h"
#include "patient/patient_model.h"
#include "plan/plan.h"
#include "report/plan_report.h"

namespace kiort {

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

struct PlanDocumentsOptions {
  std::filesystem::path pdf;        // report.pdf to write (figures/ beside it); empty: none
  std::filesystem::path dicom_out;  // the DICOM RT set's folder; empty: none
  std::filesystem::path dose_dir;   // dose.nrrd, dvh.csv, ...; empty: the plan file's folder
  bool require_approved = false;    // refuse a draft
  bool water_dose = false;          // RTDOSE_WATER.dcm too (Monte Carlo plans)
};

struct PlanDocumentsResult {
  Plan plan;      // as read
  int pages = 0;  // of the PDF
  std::vector<std::filesystem::path> figures;
  std::filesystem::path figures_dir;
  std::vector<std::string> dicom_files;  // relative to dicom_out
};

// kiort report: checks and reads everything (the plan computed, the dose files complete and this
// plan's, the patient, the commissioned source) before it writes anything, so a refused run
// leaves no file; each file is written atomically. Documents written into the plan's own folder
// (report.pdf, dicom/) are recorded in its documents.json with the plan's approval.
PlanDocumentsResult write_plan_documents(const std::filesystem::path& plan_json,
                                         const PlanDocumentsOptions& options);

struct DocumentsRewrite {
  bool attempted = false;            // the folder had report.pdf or a dicom/ set
  bool ok = true;                    // rewritten (or nothing to rewrite)
  std::string error;                 // why not
  std::vector<std::string> written;  // report.pdf, dicom/RTPLAN.dcm, ... (plan folder names)
};

// After an approval: writes the plan folder's report.pdf and dicom/ set again (the ones it has)
// for the approved plan. Everything is written into a staging folder first and moved in only
// when complete, so a failure leaves the old files whole; they are then marked stale in
// documents.json with the reason (document_stale_reason), never served as the approved plan's.
// Does not throw for a failed rewrite (the approval stands); the result says what happened.
DocumentsRewrite rewrite_documents_after_approval(const std::filesystem::path& plan_json);

// Why the plan folder's document `name` (report.pdf, dicom/RTPLAN.dcm, ...) is not the approved
// plan's; empty when it is (written for this approval). The CT images (ct/, dicom/ct/) do not
// carry the approval and are never stale.
std::string document_stale_reason(const std::filesystem::path& plan_dir, const Plan& plan,
                                  const std::string& name);

}  // namespace kiort
