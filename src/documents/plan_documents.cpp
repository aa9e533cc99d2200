// kiort report's work, shared with the approvals (kiort plan approve, the web app): a computed
// plan's report.pdf and DICOM RT set from its folder, and the record (documents.json) of which
// approval each document of the plan folder was written for.
#include "documents/plan_documents.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"
#include "dicom/ct_writer.h"
#include "dicom/dicom_common.h"
#include "dicom/patient_loader.h"
#include "dicom/rt_export.h"
#include "patient/phantom.h"
#include "patient/volume_io.h"
#include "plan/compute.h"
#include "plan/json_field.h"

namespace kiort {

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

namespace {

// documents.json: {"files": {NAME: {"approval_checksum": C, "error": WHY}}}; C is the plan's
// approval checksum when NAME was written ("" for a draft), WHY set when an approval's rewrite
// of NAME failed.
constexpr const char* kManifest = "documents.json";

nlohmann::json read_manifest(const fs::path& plan_dir) {
  std::ifstream in(plan_dir / kManifest);
  nlohmann::json m = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json::object();
  if (!m.is_object()) m = nlohmann::json::object();
  if (!m.contains("files") || !m["files"].is_object()) m["files"] = nlohmann::json::object();
  return m;
}

void write_manifest(const fs::path& plan_dir, const nlohmann::json& m) {
  write_file_atomic(plan_dir / kManifest, m.dump(2) + "\n");
}

bool same_path(const fs::path& a, const fs::path& b) {
  std::error_code ec1, ec2;
  const fs::path x = fs::weakly_canonical(fs::absolute(a), ec1);
  const fs::path y = fs::weakly_canonical(fs::absolute(b), ec2);
  return !ec1 && !ec2 && x == y;
}

bool is_ct_name(const std::string& name) {
  return name.rfind("ct/", 0) == 0 || name.rfind("dicom/ct/", 0) == 0;
}

// The plan folder's names of what one write_plan_documents wrote there.
std::vector<std::string> names_in_plan_folder(const fs::path& plan_dir,
                                              const PlanDocumentsOptions& options,
                                              const PlanDocumentsResult& result) {
  std::vector<std::string> names;
  if (!options.pdf.empty() && same_path(options.pdf, plan_dir / "report.pdf"))
    names.push_back("report.pdf");
  if (!options.dicom_out.empty() && same_path(options.dicom_out, plan_dir / "dicom"))
    for (const std::string& f : result.dicom_files)
      if (!is_ct_name(f)) names.push_back("dicom/" + f);
  return names;
}

void record(const fs::path& plan_dir, const Plan& plan, const std::vector<std::string>& names) {
  if (names.empty()) return;
  nlohmann::json m = read_manifest(plan_dir);
  for (const std::string& n : names)
    m["files"][n] = {{"approval_checksum", plan.approval.approved ? plan.approval.checksum : ""}};
  write_manifest(plan_dir, m);
}

void record_documents(const fs::path& plan_json, const Plan& plan,
                      const PlanDocumentsOptions& options, const PlanDocumentsResult& result) {
  const fs::path plan_dir = fs::absolute(plan_json).parent_path();
  record(plan_dir, plan, names_in_plan_folder(plan_dir, options, result));
}

// The RT objects of the plan folder's dicom/ (not its CT).
std::vector<std::string> dicom_names(const fs::path& plan_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (fs::is_directory(plan_dir / "dicom", ec))
    for (const auto& e : fs::directory_iterator(plan_dir / "dicom", ec))
      if (e.is_regular_file() && e.path().extension() == ".dcm")
        names.push_back("dicom/" + e.path().filename().string());
  return names;
}

// Replaces to with from by renames: to (if any) moves to aside first.
void swap_in(const fs::path& from, const fs::path& to, const fs::path& aside) {
  if (fs::exists(to)) fs::rename(to, aside);
  fs::rename(from, to);
}

}  // namespace

PlanDocumentsResult write_plan_documents(const fs::path& plan_json,
                                         const PlanDocumentsOptions& options) {
  // Everything is checked and read before anything is written.
  PlanDocumentsResult result;
  result.plan = load_plan(plan_json);
  const Plan& plan = result.plan;
  if (plan.dwell_times_s.empty() || plan.evaluation_json.empty())
    throw Error::bad_input("the plan is not computed (no dwell times or evaluation)")
        .file(plan_json.string())
        .field("dwell_times_s")
        .expected("run kiort plan compute first");
  if (options.require_approved && !plan.approval.approved)
    throw Error::bad_input("the plan is not approved and --require-approved was given")
        .file(plan_json.string())
        .field("approval")
        .seen("draft")
        .expected("kiort plan approve PLAN --by NAME");
  const fs::path dir =
      options.dose_dir.empty() ? fs::absolute(plan_json).parent_path() : options.dose_dir;
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

  if (!options.dicom_out.empty()) {
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
    result.dicom_files = data.dicom_files = write_plan_dicom(
        plan, dicom_patient, source, data, options.dicom_out, write_ct, options.water_dose);
  }
  if (!options.pdf.empty()) {
    const fs::path& pdf = options.pdf;
    const fs::path figs =
        pdf.parent_path().empty() ? fs::path("figures") : pdf.parent_path() / "figures";
    const PlanReportResult r = write_plan_report(plan, patient, data, pdf, figs);
    result.pages = r.pages;
    result.figures = r.figures;
    result.figures_dir = figs;
  }
  record_documents(plan_json, plan, options, result);
  return result;
}

DocumentsRewrite rewrite_documents_after_approval(const fs::path& plan_json) {
  DocumentsRewrite out;
  const fs::path plan_dir = fs::absolute(plan_json).parent_path();
  std::error_code ec;
  const bool had_pdf = fs::is_regular_file(plan_dir / "report.pdf", ec);
  const std::vector<std::string> old_dicom = dicom_names(plan_dir);
  if (!had_pdf && old_dicom.empty()) return out;
  out.attempted = true;
  const fs::path staging = plan_dir / ".documents-rewrite";
  try {
    fs::remove_all(staging);
    fs::create_directories(staging / "old");
    PlanDocumentsOptions o;
    if (had_pdf) o.pdf = staging / "report.pdf";
    if (!old_dicom.empty()) o.dicom_out = staging / "dicom";
    o.water_dose = fs::exists(plan_dir / "dicom" / "RTDOSE_WATER.dcm");
    const PlanDocumentsResult r = write_plan_documents(plan_json, o);
    // Complete: move it in (renames within the folder; the old set goes aside, then away).
    if (had_pdf) {
      fs::rename(staging / "report.pdf", plan_dir / "report.pdf");
      swap_in(staging / "figures", plan_dir / "figures", staging / "old" / "figures");
      out.written.push_back("report.pdf");
    }
    if (!old_dicom.empty()) {
      swap_in(staging / "dicom", plan_dir / "dicom", staging / "old" / "dicom");
      for (const std::string& f : r.dicom_files)
        if (!is_ct_name(f)) out.written.push_back("dicom/" + f);
    }
    record(plan_dir, r.plan, out.written);
  } catch (const std::exception& e) {
    out.ok = false;
    out.error = e.what();
    // The old documents stay whole but are not the approved plan's: say so where the server
    // looks, so they are listed stale with the reason and never served as approved.
    try {
      nlohmann::json m = read_manifest(plan_dir);
      std::vector<std::string> names = old_dicom;
      if (had_pdf) names.push_back("report.pdf");
      for (const std::string& n : names) {
        nlohmann::json& f = m["files"][n];
        if (!f.is_object()) f = {{"approval_checksum", ""}};
        f["error"] = "rewriting it for the approval failed: " + out.error;
      }
      write_manifest(plan_dir, m);
    } catch (const std::exception&) {
      // No record: the documents still lack this approval's entry and are listed stale.
    }
  }
  fs::remove_all(staging, ec);
  return out;
}

std::string document_stale_reason(const fs::path& plan_dir, const Plan& plan,
                                  const std::string& name) {
  if (is_ct_name(name)) return {};
  if (!plan.approval.approved) return "the plan is not approved";
  const nlohmann::json m = read_manifest(plan_dir);
  if (!m["files"].contains(name) || !m["files"][name].is_object())
    return "written before the approval (or by an older kiort): run kiort report again";
  const nlohmann::json& f = m["files"][name];
  if (f.contains("error") && f["error"].is_string()) return f["error"].get<std::string>();
  if (f.value("approval_checksum", "") != plan.approval.checksum)
    return "written for the draft or another version of the plan: run kiort report again";
  return {};
}

}  // namespace kiort
