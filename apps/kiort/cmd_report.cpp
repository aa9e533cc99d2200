// kiort report: the signed plan report (PDF, figures as PNG) and the DICOM RT export of a computed
// plan. Reads what kiort plan compute wrote (dose.nrrd, dose_sigma.nrrd, dose_water.nrrd,
// dvh.csv, summary.json beside plan.json) and the patient the plan names; checks everything
// before it writes anything, so a refused run leaves no file. The work is the documents module's
// write_plan_documents (src/documents), which the approvals call too.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli.h"
#include "core/error.h"
#include "dicom/ct_writer.h"
#include "dicom/dicom_common.h"
#include "dicom/patient_loader.h"
#include "dicom/rt_export.h"
#include "documents/plan_documents.h"
#include "patient/phantom.h"
#include "patient/volume_io.h"
#include "plan/compute.h"
#include "plan_export.h"
#include "report/plan_report.h"

namespace kiort::cli {

namespace fs = std::filesystem;

std::string write_demo_exports(const Plan& plan, const PlanComputation& c,
                               const PatientModel& patient, const CommissionedSource& source,
                               const fs::path& dir) {
  PlanReportData data = plan_report_data(plan, c);
  add_source_info(data, source);
  const PatientModel axial = dicom::to_standard_axial(patient);
  if (axial.slice_sop_instance_uids.size() != patient.slice_sop_instance_uids.size())
    throw Error::internal("the demo phantom is not in the standard axial orientation");
  const auto ct = dicom::write_ct_series(axial, dir / "ct");
  data.dicom_files = write_plan_dicom(plan, axial, source, data, dir / "dicom", false, false);
  const PlanReportResult r =
      write_plan_report(plan, patient, data, dir / "report.pdf", dir / "figures");
  std::string line = "ct/ (" + std::to_string(ct.size()) + " slices), dicom/";
  for (const auto& f : data.dicom_files) line += " " + f;
  line += ", report.pdf (" + std::to_string(r.pages) + " pages), figures/";
  for (const auto& f : r.figures) line += " " + f.filename().string();
  return line;
}

void add_report_command(CLI::App& app, const Globals& globals, Commands& commands) {
  (void)globals;
  struct ReportArgs {
    std::string plan, out, dose_dir, dicom_out;
    bool require_approved = false, water_dose = false;
  };
  auto a = std::make_shared<ReportArgs>();
  CLI::App* rep = app.add_subcommand(
      "report", "Write the signed plan report (PDF, figures as PNG) and the DICOM RT export");
  rep->add_option("plan", a->plan, "plan.json (computed)")->required();
  rep->add_option("--out", a->out, "report.pdf to write (figures go to figures/ beside it)")
      ->required();
  rep->add_option("--dose-dir", a->dose_dir,
                  "Folder with dose.nrrd, dose_sigma.nrrd, dose_water.nrrd, dvh.csv (default: the "
                  "plan file's folder)");
  rep->add_flag("--require-approved", a->require_approved, "Refuse a plan that is not approved");
  rep->add_flag("--water-dose", a->water_dose,
                "With --dicom-out and a Monte Carlo plan: also RTDOSE_WATER.dcm, the Monte Carlo "
                "dose to water in medium (TG-186 Dw,m) for the same dwell times");
  rep->add_option("--dicom-out", a->dicom_out,
                  "Also write RTDOSE, RTSTRUCT and RTPLAN (and the CT kiort made) here");
  commands.push_back({rep, [a] {
                        // Everything is checked and read before anything is written
                        // (write_plan_documents).
                        PlanDocumentsOptions o;
                        o.pdf = a->out;
                        o.dicom_out = a->dicom_out;
                        o.dose_dir = a->dose_dir;
                        o.require_approved = a->require_approved;
                        o.water_dose = a->water_dose;
                        const PlanDocumentsResult r = write_plan_documents(a->plan, o);
                        const Plan& plan = r.plan;
                        if (!a->dicom_out.empty()) {
                          std::printf("wrote %s: ", a->dicom_out.c_str());
                          int ct = 0;
                          for (const auto& f : r.dicom_files) {
                            if (f.rfind("ct/", 0) == 0) {
                              ++ct;
                              continue;
                            }
                            std::printf("%s ", f.c_str());
                          }
                          if (ct) std::printf("ct/ (%d slices)", ct);
                          std::printf("\n");
                        }
                        const fs::path& pdf = o.pdf;
                        const fs::path& figs = r.figures_dir;
                        std::printf("wrote %s (%d pages, %s) and %zu figures in %s\n",
                                    pdf.string().c_str(), r.pages,
                                    plan.approval.approved ? "approved" : "DRAFT", r.figures.size(),
                                    figs.string().c_str());
                        return 0;
                      }});
}

}  // namespace kiort::cli
