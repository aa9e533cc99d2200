// kiort report: the signed plan report (PDF, figures as PNG) and the DICOM RT export of a computed
// plan. Reads what kiort plan compute wrote (dose.nrrd, dose_sigma.nrrd, dose_water.nrrd,
// dvh.csv, summary.json beside plan.json) and the patient the plan names; checks everything
// before it writes anything, so a refused run leaves no file.
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
#include "patient/phantom.h"
#include "patient/volume_io.h"
#include "plan/compute.h"
#include "plan/json_field.h"
#include "plan_export.h"
#include "report/plan_report.h"

namespace kiort::cli {

namespace fs = std::filesystem;

void add_source_info(PlanReportData& data, const CommissionedSource& source) {
  data.probe_serial = source.calibration.probe_serial;
  data.calibration_date = source.calibration.calibration_date;
  data.applicator = source.calibration.applicator;
  data.dose_definition = source.calibration.dose_definition;
  data.illustrative_calibration = source.calibration.illustrative;
}

std::vector<std::string> write_plan_dicom(const Plan& plan, const PatientModel& patient,
                                          const CommissionedSource& source,
                                          const PlanReportData& data, const fs::path& dir,
                                          bool write_ct, bool water_dose) {
  fs::create_directories(dir);
  std::vector<std::string> names;
  // kiort writes the CT in the standard axial orientation (the caller re-indexed the patient);
  // the dose grids follow it. A hospital's CT keeps its own orientation, and so do the doses.
  const dicom::AxialReorder axial =
      write_ct ? dicom::standard_axial(data.dose_grid) : dicom::AxialReorder{data.dose_grid, {}};
  if (write_ct) {
    for (const auto& f : dicom::write_ct_series(patient, dir / "ct"))
      names.push_back("ct/" + f.filename().string());
  }
  const bool mc = plan.engine.engine == "mc";
  dicom::RtDoseOptions o;
  o.comment = mc ? "kiort Monte Carlo dose to medium in medium (Dm,m)"
                 : "kiort fast water engine, dose to water in water (TG-43 style)";
  o.series_description = mc ? "kiort PHYSICAL dose: Monte Carlo Dm,m (Gy)"
                            : "kiort PHYSICAL dose: water engine Dw,w (Gy)";
  o.heterogeneity = mc ? "IMAGE" : "WATER";
  o.series_number = 3;
  // kiort's own DVHs (dvh.csv) for every structure of the plan's RTSTRUCT they cover.
  for (const DvhCurve& c : data.dvh_primary)
    for (std::size_t s = 0; s < patient.structures.size(); ++s)
      if (patient.structures[s].name == c.structure) {
        o.dvhs.push_back({dicom::plan_roi_number(patient, s), c});
        break;
      }
  dicom::write_rtdose(patient, plan, axial.grid, axial.apply(data.dose_gy), dir / "RTDOSE.dcm", o);
  names.push_back("RTDOSE.dcm");
  if (mc && water_dose) {
    // Dose to water in medium (TG-186 Dw,m) from the same Monte Carlo run; plans computed before
    // kiort scored it fall back to the fast engine's dose to water in water, and say so.
    const bool dwm = !data.dose_water_medium_gy.empty();
    dicom::RtDoseOptions w;
    w.kind = "water";
    w.series_number = 5;
    w.heterogeneity = dwm ? "IMAGE" : "WATER";
    w.comment = dwm ? "kiort Monte Carlo dose to water in medium (Dw,m, TG-186)"
                    : "kiort water engine (2nd check): dose to water in water";
    w.series_description = dwm ? "kiort dose to water in medium Dw,m (MC, TG-186), Gy"
                               : "kiort dose to water in water (water engine), Gy";
    dicom::write_rtdose(patient, plan, axial.grid,
                        axial.apply(dwm ? data.dose_water_medium_gy : data.dose_water_gy),
                        dir / "RTDOSE_WATER.dcm", w);
    names.push_back("RTDOSE_WATER.dcm");
  }
  if (mc) {
    // The Monte Carlo standard uncertainty as absolute Gy (Dose Type ERROR).
    std::vector<double> sigma_gy(data.dose_gy.size(), 0.0);
    for (std::size_t v = 0; v < sigma_gy.size() && v < data.sigma_rel.size(); ++v)
      sigma_gy[v] = data.sigma_rel[v] * data.dose_gy[v];
    dicom::RtDoseOptions e;
    e.kind = "error";
    e.dose_type = "ERROR";
    e.series_number = 6;
    e.comment = "kiort MC standard uncertainty (1 sigma, Gy) of RTDOSE.dcm";
    e.series_description = "kiort ERROR: MC standard uncertainty (1 sigma, Gy), not a dose";
    dicom::write_rtdose(patient, plan, axial.grid, axial.apply(sigma_gy), dir / "RTDOSE_ERROR.dcm",
                        e);
    names.push_back("RTDOSE_ERROR.dcm");
  }
  dicom::write_plan_rtstruct(patient, plan, source.model.surface_radius_mm(), dir / "RTSTRUCT.dcm");
  names.push_back("RTSTRUCT.dcm");
  dicom::BrachySourceInfo si;
  si.probe_serial = source.calibration.probe_serial;
  si.applicator = source.calibration.applicator;
  si.calibration_date = source.calibration.calibration_date;
  si.dose_definition = source.calibration.dose_definition;
  si.kv = plan.kv;
  si.applicator_radius_mm = source.model.surface_radius_mm();
  si.illustrative = source.calibration.illustrative;
  dicom::write_rtplan_brachy(patient, plan, si, dir / "RTPLAN.dcm");
  names.push_back("RTPLAN.dcm");
  return names;
}

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

namespace {

std::vector<double> read_dose(const fs::path& file, const Grid3* expect_grid, Grid3* grid_out) {
  const Volume v = read_volume_data(file);
  if (expect_grid && v.grid.dims() != expect_grid->dims())
    throw Error::bad_input("dose files do not share one grid")
        .file(file.string())
        .expected("the grid of dose.nrrd");
  if (grid_out) *grid_out = v.grid;
  return v.values;
}

// dvh.csv as write_plan_outputs writes it: engine,"structure",volume_cc,dose_gy,volume_fraction;
// engine mc (Dm,m), mc_dw_m (Dw,m) or water (Dw,w). The report plots the primary and the water.
void read_dvh(const fs::path& file, const std::string& primary_engine, PlanReportData& d) {
  std::ifstream in(file);
  if (!in) throw Error::bad_input("cannot read the DVH file").file(file.string());
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#' || line.rfind("engine,", 0) == 0) continue;
    const auto q1 = line.find('"'), q2 = line.find('"', q1 + 1);
    if (q1 == std::string::npos || q2 == std::string::npos)
      throw Error::bad_input("malformed DVH row")
          .file(file.string() + ":" + std::to_string(n))
          .seen(line);
    const std::string engine = line.substr(0, q1 - 1), name = line.substr(q1 + 1, q2 - q1 - 1);
    double cc = 0, dose = 0, frac = 0;
    if (std::sscanf(line.c_str() + q2 + 1, ",%lf,%lf,%lf", &cc, &dose, &frac) != 3)
      throw Error::bad_input("malformed DVH row")
          .file(file.string() + ":" + std::to_string(n))
          .seen(line);
    if (engine != primary_engine && engine != "water") continue;  // mc_dw_m: not plotted
    auto& curves = engine == primary_engine ? d.dvh_primary : d.dvh_water;
    if (curves.empty() || curves.back().structure != name) {
      curves.push_back(DvhCurve{name, cc, {}, {}});
    }
    curves.back().dose_gy.push_back(dose);
    curves.back().volume_fraction.push_back(frac);
  }
}

}  // namespace

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
  commands.push_back(
      {rep, [a] {
         // Everything is checked and read before anything is written.
         const Plan plan = load_plan(a->plan);
         if (plan.dwell_times_s.empty() || plan.evaluation_json.empty())
           throw Error::bad_input("the plan is not computed (no dwell times or evaluation)")
               .file(a->plan)
               .field("dwell_times_s")
               .expected("run kiort plan compute first");
         if (a->require_approved && !plan.approval.approved)
           throw Error::bad_input("the plan is not approved and --require-approved was given")
               .file(a->plan)
               .field("approval")
               .seen("draft")
               .expected("kiort plan approve PLAN --by NAME");
         const fs::path dir =
             a->dose_dir.empty() ? fs::absolute(a->plan).parent_path() : fs::path(a->dose_dir);
         for (const char* f : {"dose.nrrd", "dose_sigma.nrrd", "dose_water.nrrd", "dvh.csv"})
           if (!fs::exists(dir / f))
             throw Error::bad_input("dose file missing: the plan was not computed into this folder")
                 .file((dir / f).string())
                 .expected("the --out folder of kiort plan compute (or --dose-dir)");
         verify_plan_outputs(dir);  // one complete set, not a half-recomputed mix
         // The dose files must be this plan's: summary.json names the plan it was computed for.
         if (fs::exists(dir / "summary.json")) {
           std::ifstream in(dir / "summary.json");
           const auto sj = nlohmann::json::parse(in, nullptr, false);
           const std::string id =
               JsonField(sj, (dir / "summary.json").string())["plan_id"].string_or("");
           if (id != plan.id)
             throw Error::bad_input("the dose files belong to another plan")
                 .file((dir / "summary.json").string())
                 .field("plan_id")
                 .seen(id)
                 .expected(plan.id);
         }
         if (plan.patient.kind != "phantom" && !plan.patient.path.empty() &&
             !fs::exists(plan.patient.path))
           throw Error::bad_input("the plan's CT is missing")
               .file(plan.patient.path)
               .field("patient.path")
               .expected("the CT the plan was made on");
         PatientModel patient = dicom::load_patient(plan.patient, plan.level);
         const CommissionedSource source =
             load_commissioned_source(resolve_commissioned_source(plan.source));
         PlanReportData data;
         data.dose_gy = read_dose(dir / "dose.nrrd", nullptr, &data.dose_grid);
         data.sigma_rel = read_dose(dir / "dose_sigma.nrrd", &data.dose_grid, nullptr);
         data.dose_water_gy = read_dose(dir / "dose_water.nrrd", &data.dose_grid, nullptr);
         if (fs::exists(dir / "dose_water_in_medium.nrrd"))
           data.dose_water_medium_gy =
               read_dose(dir / "dose_water_in_medium.nrrd", &data.dose_grid, nullptr);
         read_dvh(dir / "dvh.csv", plan.engine.engine == "mc" ? "mc" : "water", data);
         data.summary_json = plan.evaluation_json;
         add_source_info(data, source);

         if (!a->dicom_out.empty()) {
           // kiort made the CT of a phantom or volume: write it, so the set references real images.
           const bool write_ct = plan.patient.kind != "dicom";
           // The CT kiort writes is in the standard axial orientation; the report's figures keep
           // the model as read.
           PatientModel dicom_patient = write_ct ? dicom::to_standard_axial(patient) : patient;
           if (plan.patient.kind == "volume" && dicom_patient.study_uid.empty()) {
             // A NRRD/NIfTI CT has no UIDs: derive them from its path, so exporting the plan again
             // gives the same CT and RT UIDs instead of a second, unrelated set in the archive.
             const std::string key = "kiort-volume/" + plan.patient.path;
             dicom_patient.study_uid = deterministic_uid(key + "/study");
             dicom_patient.series_uid = deterministic_uid(key + "/ct-series");
             dicom_patient.frame_of_reference_uid = deterministic_uid(key + "/frame-of-reference");
             dicom_patient.slice_sop_instance_uids.clear();
             for (int k = 0; k < dicom_patient.grid.dims()[2]; ++k)
               dicom_patient.slice_sop_instance_uids.push_back(
                   deterministic_uid(key + "/ct-slice/" + std::to_string(k)));
           }
           if (write_ct) dicom::ensure_uids(dicom_patient);
           data.dicom_files = write_plan_dicom(plan, dicom_patient, source, data, a->dicom_out,
                                               write_ct, a->water_dose);
           std::printf("wrote %s: ", a->dicom_out.c_str());
           int ct = 0;
           for (const auto& f : data.dicom_files) {
             if (f.rfind("ct/", 0) == 0) {
               ++ct;
               continue;
             }
             std::printf("%s ", f.c_str());
           }
           if (ct) std::printf("ct/ (%d slices)", ct);
           std::printf("\n");
         }
         const fs::path pdf = a->out;
         const fs::path figs =
             pdf.parent_path().empty() ? fs::path("figures") : pdf.parent_path() / "figures";
         const PlanReportResult r = write_plan_report(plan, patient, data, pdf, figs);
         std::printf("wrote %s (%d pages, %s) and %zu figures in %s\n", pdf.string().c_str(),
                     r.pages, plan.approval.approved ? "approved" : "DRAFT", r.figures.size(),
                     figs.string().c_str());
         return 0;
       }});
}

}  // namespace kiort::cli
