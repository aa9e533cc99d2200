#include "dicom/rt_export.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmrt/drtdose.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"
#include "core/version.h"
#include "dicom/dicom_common.h"
#include "dicom/rtstruct.h"
#include "patient/phantom.h"
#include "plan/applicator_volume.h"
#include "plan/json_field.h"

namespace kiort::dicom {
namespace {

void require_uids(const PatientModel& patient) {
  if (patient.frame_of_reference_uid.empty() || patient.study_uid.empty() ||
      patient.series_uid.empty())
    throw Error::bad_input("the patient model has no DICOM UIDs, so nothing can reference its CT")
        .field("frame_of_reference_uid")
        .expected("a CT written or read as DICOM (kiort demo writes the phantom CT into ct/)");
}

std::string join_ds(std::initializer_list<double> values) {
  std::string s;
  for (const double v : values) {
    if (!s.empty()) s += '\\';
    s += format_ds(v);
  }
  return s;
}

void check(const OFCondition& cond, const std::string& what, const std::filesystem::path& path) {
  if (cond.bad())
    throw Error::internal("DCMTK refused " + what).file(path.string()).seen(cond.text());
}

// "2024-03-15" or "20240315" -> "20240315"; anything else -> "" (type 2 allows empty).
std::string dicom_date(const std::string& date) {
  std::string digits;
  for (const char c : date)
    if (c >= '0' && c <= '9') digits += c;
  return digits.size() == 8 ? digits : std::string();
}

// ROI numbers of the plan's structure set: the applicator paths follow the patient's structures.
int first_applicator_roi_number(const PatientModel& patient) {
  int number = 0;
  for (std::size_t s = 0; s < patient.structures.size(); ++s)
    number = std::max(number, patient.structures[s].number > 0 ? patient.structures[s].number
                                                               : static_cast<int>(s + 1));
  return number + 1;
}

std::string access_label(const Access& a, std::size_t index) {
  return a.name.empty() ? "access" + std::to_string(index + 1) : a.name;
}

// The model's output warnings as sentences, each after a space: " WARNING: ... ."
std::string caveats(const PatientModel& patient) {
  std::string c;
  for (const std::string& w : patient.output_warnings) c += " WARNING: " + w + ".";
  return c;
}

// FNV-1a over the doses' bytes: which numbers an RT Dose holds, for its instance UID.
std::string dose_hash(const std::vector<double>& dose_gy) {
  std::uint64_t h = 1469598103934665603ull;
  for (const double d : dose_gy) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    for (int b = 0; b < 8; ++b) {
      h ^= (bits >> (8 * b)) & 0xffu;
      h *= 1099511628211ull;
    }
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// "Last, First" or "First Last" -> DICOM PN "Last^First"; a name already in PN form, or one
// word, is kept. Initials keep their dots ("A. Physicist" -> "Physicist^A.").
std::string person_name(const std::string& name) {
  if (name.find('^') != std::string::npos) return name;
  const auto comma = name.find(',');
  auto trim = [](std::string x) {
    while (!x.empty() && x.front() == ' ') x.erase(x.begin());
    while (!x.empty() && x.back() == ' ') x.pop_back();
    return x;
  };
  if (comma != std::string::npos)
    return trim(name.substr(0, comma)) + "^" + trim(name.substr(comma + 1));
  const std::string t = trim(name);
  const auto sp = t.rfind(' ');
  if (sp == std::string::npos) return t;
  return t.substr(sp + 1) + "^" + trim(t.substr(0, sp));
}

// An ISO 8601 time stamp ("2026-03-15T10:20:30Z") as DICOM DA and TM; empty when not one.
std::pair<std::string, std::string> dicom_date_time(const std::string& iso) {
  if (iso.size() < 10) return {};
  std::string time;
  for (const char c : iso.size() > 11 ? iso.substr(11, 8) : std::string())
    if (c >= '0' && c <= '9') time += c;
  const std::string date = dicom_date(iso.substr(0, 10));
  return {date, date.empty() ? std::string() : time};
}

// Cuts text to at most max characters at a word boundary (LO values are 64 characters).
std::string cut_at_word(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = text.rfind(' ', max);
  if (cut == std::string::npos || cut == 0) cut = max;
  std::string out = text.substr(0, cut);
  while (!out.empty() && (out.back() == ' ' || out.back() == ',')) out.pop_back();
  return out;
}

// RT DVH module (PS3.3 C.8.8.4): the plan's RTSTRUCT and one cumulative DVH per structure, doses
// in Gy (DVH Dose Scaling 1), volumes in cm3. DVH Data pairs bin width and volume: bin n starts
// at the sum of the widths before it, and its volume is what receives at least that dose, so a
// reader summing the widths (dicompyler-core, the standard's definition) gets kiort's curve.
void put_dvh_module(DcmItem& ds, const PlanUids& uids, const RtDoseOptions& options,
                    const std::filesystem::path& path) {
  DcmItem* rss = nullptr;
  ds.findOrCreateSequenceItem(DCM_ReferencedStructureSetSequence, rss, -2);
  rss->putAndInsertString(DCM_ReferencedSOPClassUID, UID_RTStructureSetStorage);
  rss->putAndInsertString(DCM_ReferencedSOPInstanceUID, uids.rtstruct_sop.c_str());
  ds.putAndInsertString(DCM_DVHNormalizationDoseValue, "");
  for (const RtDoseDvh& d : options.dvhs) {
    const auto& c = d.curve;
    if (c.dose_gy.size() < 2 || c.dose_gy.size() != c.volume_fraction.size())
      throw Error::bad_input("a DVH needs at least two dose steps with one volume each")
          .file(path.string())
          .field("DVH of " + c.structure)
          .seen(std::to_string(c.dose_gy.size()) + " doses, " +
                std::to_string(c.volume_fraction.size()) + " volumes");
    DcmItem* item = nullptr;
    ds.findOrCreateSequenceItem(DCM_DVHSequence, item, -2);
    DcmItem* roi = nullptr;
    item->findOrCreateSequenceItem(DCM_DVHReferencedROISequence, roi, -2);
    roi->putAndInsertString(DCM_ReferencedROINumber, std::to_string(d.roi_number).c_str());
    roi->putAndInsertString(DCM_DVHROIContributionType, "INCLUDED");
    item->putAndInsertString(DCM_DVHType, "CUMULATIVE");
    item->putAndInsertString(DCM_DoseUnits, "GY");
    item->putAndInsertString(DCM_DoseType, options.dose_type.c_str());
    item->putAndInsertString(DCM_DVHDoseScaling, "1");
    item->putAndInsertString(DCM_DVHVolumeUnits, "CM3");
    std::string data;
    const std::size_t n = c.dose_gy.size();
    std::size_t bins = n;
    if (c.dose_gy[0] > 0) {  // the curve starts above 0 Gy: the first bin holds all the volume
      data = format_ds(c.dose_gy[0]) + "\\" + format_ds(c.volume_cc);
      ++bins;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const double width =
          i + 1 < n ? c.dose_gy[i + 1] - c.dose_gy[i] : c.dose_gy[i] - c.dose_gy[i - 1];
      if (!data.empty()) data += '\\';
      data +=
          format_ds(std::max(width, 0.0)) + "\\" + format_ds(c.volume_fraction[i] * c.volume_cc);
    }
    item->putAndInsertString(DCM_DVHNumberOfBins, std::to_string(bins).c_str());
    item->putAndInsertString(DCM_DVHData, data.c_str());
  }
}

}  // namespace

std::string PlanUids::rtdose_series(const std::string& kind) const {
  // One root per set, one arc per kind: the physical dose's series UID sorts first, so a reader
  // that takes the first RT Dose series of a folder in UID order (plastimatch's Dcmtk_loader
  // walks a std::map keyed by Series Instance UID) takes the physical dose, never its error.
  const std::string arc = kind == "physical" ? ".1" : kind == "water" ? ".2" : ".3";
  return deterministic_uid(key + "/rtdose-series") + arc;
}

std::string PlanUids::rtdose_sop(const std::string& kind,
                                 const std::vector<double>& dose_gy) const {
  return deterministic_uid(key + "/rtdose/" + kind + "/" + dose_hash(dose_gy));
}

int plan_roi_number(const PatientModel& patient, std::size_t s) {
  return patient.structures[s].number > 0 ? patient.structures[s].number : static_cast<int>(s + 1);
}

int channel_roi_number(const PatientModel& patient, const Plan& plan, std::size_t a) {
  return first_applicator_roi_number(patient) + static_cast<int>(plan.accesses.size() + a);
}

PlanUids plan_uids(const Plan& plan, const PatientModel& patient) {
  // The plan ID is unique per draft; the CT's series UID ties the set to the images it was
  // planned on (the same plan re-exported on another CT must not reuse UIDs); the checksum and
  // the approval make new content, and the approved plan, new instances.
  const std::string approval = plan.approval.approved
                                   ? "approved/" + plan.approval.by + "/" + plan.approval.at
                                   : std::string("draft");
  PlanUids u;
  u.key = "kiort-plan/" + plan.id + "/" + patient.series_uid + "/" + plan_checksum(plan) + "/" +
          approval;
  const std::string& key = u.key;
  u.rtplan_sop = deterministic_uid(key + "/rtplan");
  u.rtplan_series = deterministic_uid(key + "/rtplan-series");
  u.rtstruct_sop = deterministic_uid(key + "/rtstruct");
  u.rtstruct_series = deterministic_uid(key + "/rtstruct-series");
  return u;
}

void write_rtdose(const PatientModel& patient, const Plan& plan, const Grid3& dose_grid,
                  const std::vector<double>& dose_gy, const std::filesystem::path& path,
                  const RtDoseOptions& options) {
  require_uids(patient);
  if (dose_gy.size() != dose_grid.voxel_count())
    throw Error::bad_input("dose array does not match its grid")
        .file(path.string())
        .seen(std::to_string(dose_gy.size()) + " values")
        .expected(std::to_string(dose_grid.voxel_count()));
  if (options.dose_type != "PHYSICAL" && options.dose_type != "EFFECTIVE" &&
      options.dose_type != "ERROR")
    throw Error::bad_input("unknown Dose Type")
        .field("dose_type")
        .seen(options.dose_type)
        .expected("PHYSICAL, EFFECTIVE or ERROR");
  double max_gy = 0;
  for (const double d : dose_gy) {
    if (!std::isfinite(d) || d < 0)
      throw Error::bad_input("dose values must be finite and non-negative")
          .file(path.string())
          .seen(std::to_string(d));
    max_gy = std::max(max_gy, d);
  }
  const auto& dims = dose_grid.dims();
  if (dims[0] > 65535 || dims[1] > 65535)
    throw Error::bad_input("dose grid too large for DICOM").expected("rows and columns <= 65535");
  // The frames stack along the slice normal: the grid's k axis must be that normal.
  const Vec3 row = dose_grid.direction().column(0), col = dose_grid.direction().column(1);
  const Vec3 normal = dose_grid.direction().column(2);
  if (norm(cross(row, col) - normal) > 1e-4)
    throw Error::bad_input("dose grid is left-handed; RT Dose frames need k = i x j")
        .file(path.string());

  // Scaling: the largest dose maps to the top of the 32-bit range. The value written is the
  // 16-character decimal string, so quantise with what a reader will parse back.
  const double top = static_cast<double>(std::numeric_limits<std::uint32_t>::max());
  const std::string scaling_ds = format_ds(max_gy > 0 ? max_gy / top : 1.0);
  double scaling = std::stod(scaling_ds);
  // format_ds may round up or down; never let the maximum overflow.
  if (max_gy / scaling > top) scaling *= 1.0 + 1e-9;
  const std::string scaling_str = format_ds(scaling);
  scaling = std::stod(scaling_str);
  // 32-bit pixels travel as OW: 16-bit words, the low word first (little endian), which DCMTK
  // byte-swaps as words for any transfer syntax (OB would break readers with Bits Allocated 32).
  std::vector<Uint16> words(dose_gy.size() * 2);
  for (std::size_t v = 0; v < dose_gy.size(); ++v) {
    const auto u = static_cast<std::uint32_t>(std::min(top, std::round(dose_gy[v] / scaling)));
    words[2 * v] = static_cast<Uint16>(u & 0xffffu);
    words[2 * v + 1] = static_cast<Uint16>(u >> 16);
  }

  const PlanUids uids = plan_uids(plan, patient);
  // Patient, study and equipment come from the helper every kiort object uses; dcmrt's IOD
  // class reads them in and adds the RT Dose modules, checking type 1 attributes on write.
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  put_patient_study_equipment(ds, patient);
  quiet_dcmtk_logging();
  DRTDoseIOD rd;
  check(rd.readPatientData(ds), "the patient attributes", path);
  check(rd.readStudyData(ds), "the study attributes", path);
  auto set = [&](const OFCondition& c, const char* what) { check(c, what, path); };
  set(rd.setManufacturer("kiort"), "Manufacturer");
  set(rd.setManufacturerModelName("kiort"), "ManufacturerModelName");
  const std::string sop = uids.rtdose_sop(options.kind, dose_gy);
  set(rd.setSOPClassUID(UID_RTDoseStorage), "SOPClassUID");
  set(rd.setSOPInstanceUID(sop.c_str()), "SOPInstanceUID");
  set(rd.setModality("RTDOSE"), "Modality");
  // Each dose object is a series of its own, so a reader listing series (or taking one per
  // folder) tells the physical dose from its uncertainty by the Series Description.
  set(rd.setSeriesInstanceUID(uids.rtdose_series(options.kind).c_str()), "SeriesInstanceUID");
  set(rd.setSeriesNumber(std::to_string(options.series_number).c_str()), "SeriesNumber");
  const std::string series_description = options.series_description.empty()
                                             ? "kiort dose " + options.kind
                                             : options.series_description;
  set(rd.setSeriesDescription(cut_at_word(series_description, 64).c_str()), "SeriesDescription");
  set(rd.setOperatorsName(""), "OperatorsName");
  set(rd.setInstanceNumber(std::to_string(options.instance_number).c_str()), "InstanceNumber");
  set(rd.setFrameOfReferenceUID(patient.frame_of_reference_uid.c_str()), "FrameOfReferenceUID");
  set(rd.setPositionReferenceIndicator(""), "PositionReferenceIndicator");
  set(rd.setSoftwareVersions((std::string("kiort ") + version()).c_str()), "SoftwareVersions");
  set(rd.setContentDate(""), "ContentDate");
  set(rd.setContentTime(""), "ContentTime");

  // Image plane and pixels: voxel (0,0,0)'s centre is the first frame's Image Position.
  const Vec3 o = dose_grid.origin(), sp = dose_grid.spacing();
  set(rd.setImagePositionPatient(join_ds({o.x, o.y, o.z}).c_str()), "ImagePositionPatient");
  set(rd.setImageOrientationPatient(join_ds({row.x, row.y, row.z, col.x, col.y, col.z}).c_str()),
      "ImageOrientationPatient");
  // PixelSpacing is row spacing (between rows, along j) \ column spacing (along i).
  set(rd.setPixelSpacing(join_ds({sp.y, sp.x}).c_str()), "PixelSpacing");
  set(rd.setSliceThickness(format_ds(sp.z).c_str()), "SliceThickness");
  set(rd.setSamplesPerPixel(1), "SamplesPerPixel");
  set(rd.setPhotometricInterpretation("MONOCHROME2"), "PhotometricInterpretation");
  set(rd.setRows(static_cast<Uint16>(dims[1])), "Rows");
  set(rd.setColumns(static_cast<Uint16>(dims[0])), "Columns");
  set(rd.setBitsAllocated(32), "BitsAllocated");
  set(rd.setBitsStored(32), "BitsStored");
  set(rd.setHighBit(31), "HighBit");
  set(rd.setPixelRepresentation(0), "PixelRepresentation");
  set(rd.setNumberOfFrames(std::to_string(dims[2]).c_str()), "NumberOfFrames");
  // Frames point at Grid Frame Offset Vector (3004,000C), offsets relative to the first frame.
  set(rd.setFrameIncrementPointer("(3004,000c)"), "FrameIncrementPointer");
  std::string offsets;
  for (int k = 0; k < dims[2]; ++k) {
    if (k) offsets += '\\';
    offsets += format_ds(k * sp.z);
  }
  set(rd.setGridFrameOffsetVector(offsets.c_str()), "GridFrameOffsetVector");
  set(rd.getPixelData().putUint16Array(words.data(), static_cast<unsigned long>(words.size())),
      "PixelData");

  // RT Dose module.
  set(rd.setDoseUnits("GY"), "DoseUnits");
  set(rd.setDoseType(options.dose_type.c_str()), "DoseType");
  set(rd.setDoseSummationType("PLAN"), "DoseSummationType");
  set(rd.setDoseGridScaling(scaling_str.c_str()), "DoseGridScaling");
  if (!options.comment.empty())
    set(rd.setDoseComment(options.comment.substr(0, 64).c_str()), "DoseComment");
  if (!options.heterogeneity.empty())
    set(rd.setTissueHeterogeneityCorrection(options.heterogeneity.c_str()),
        "TissueHeterogeneityCorrection");
  DRTReferencedRTPlanSequence::Item* ref = nullptr;
  set(rd.getReferencedRTPlanSequence().addItem(ref), "ReferencedRTPlanSequence");
  set(ref->setReferencedSOPClassUID(UID_RTPlanStorage), "ReferencedSOPClassUID");
  set(ref->setReferencedSOPInstanceUID(uids.rtplan_sop.c_str()), "ReferencedSOPInstanceUID");

  DcmFileFormat out;
  DcmDataset& outds = *out.getDataset();
  set(rd.write(outds), "the RT Dose dataset");
  if (!options.dvhs.empty()) put_dvh_module(outds, uids, options, path);
  if (!patient.output_warnings.empty())
    outds.putAndInsertString(DCM_ImageComments, caveats(patient).substr(1).c_str());
  save_atomic(out, path);
}

void write_plan_rtstruct(const PatientModel& patient, const Plan& plan, double applicator_radius_mm,
                         const std::filesystem::path& path) {
  require_uids(patient);
  if (!(applicator_radius_mm > 0))
    throw Error::bad_input("the applicator's outer radius is unknown")
        .file(path.string())
        .field("applicator_radius_mm")
        .seen(format_ds(applicator_radius_mm))
        .expected("the source model's surface radius (mm), > 0");
  PatientModel model = patient;  // structures are added to a copy; the caller's stays as it was
  const PlanUids uids = plan_uids(plan, patient);
  RtstructOptions opt;
  opt.sop_instance_uid = uids.rtstruct_sop;
  opt.series_uid = uids.rtstruct_series;
  opt.label = ("kiort " + plan.id).substr(0, 16);
  opt.description =
      "kiort plan " + plan.id +
      ". Channel_<access>: the needle as an open polyline from entry "
      "to tip (the RT Plan's channel). Applicator_<access>: the voxels that the tube of " +
      format_ds(applicator_radius_mm) +
      " mm (the applicator's outer radius) around that segment touches; kiort's DVHs (dvh.csv, the "
      "RT Dose "
      "DVH Sequence) leave these voxels out of every structure, since the applicator holds no "
      "tissue while the probe irradiates. Dwell_<access>_<n>: the dwell positions.";
  opt.description += caveats(patient);
  int number = first_applicator_roi_number(patient) - 1;
  for (std::size_t a = 0; a < plan.accesses.size(); ++a) {
    const Access& acc = plan.accesses[a];
    const std::string label = access_label(acc, a);
    Structure st;
    st.name = "Applicator_" + label;
    st.number = ++number;
    st.type = "BRACHY_SRC_APP";
    st.origin = StructureOrigin::kPlan;
    st.color = {0, 200, 255};
    st.mask.assign(model.grid.voxel_count(), 0);
    // The tube around the segment entry -> tip (the needle holds the probe up to its tip): every
    // voxel it touches, as the DVH leaves them out.
    const auto fraction = applicator_fraction(model.grid, acc, applicator_radius_mm);
    for (std::size_t v = 0; v < st.mask.size(); ++v) st.mask[v] = fraction[v] > 0 ? 1 : 0;
    model.structures.push_back(std::move(st));
    PolylineRoi line;
    line.name = "Channel_" + label;
    line.points_lps = {acc.entry_lps, acc.tip_lps};
    opt.lines.push_back(line);
    const auto dwells = acc.dwell_positions();
    for (std::size_t d = 0; d < dwells.size(); ++d) {
      PointRoi p;
      p.name = "Dwell_" + label + "_" + std::to_string(d + 1);
      p.position_lps = dwells[d];
      opt.points.push_back(p);
    }
  }
  write_rtstruct(model, path, opt);
}

void write_rtplan_brachy(const PatientModel& patient, const Plan& plan,
                         const BrachySourceInfo& source, const std::filesystem::path& path) {
  require_uids(patient);
  if (plan.dwell_times_s.empty() || plan.dwell_times_s.size() != plan.dwell_count())
    throw Error::bad_input("the plan has no dwell times: compute it first (kiort plan compute)")
        .field("dwell_times_s")
        .seen(std::to_string(plan.dwell_times_s.size()) + " times")
        .expected(std::to_string(plan.dwell_count()) + " (one per dwell position)");
  // The prescription point and calibration rate the computation used (the evaluation summary).
  const nlohmann::json eval = plan.evaluation_json.empty()
                                  ? nlohmann::json::object()
                                  : nlohmann::json::parse(plan.evaluation_json, nullptr, false);
  // Checked reads (plan/json_field.h): a wrong type is exit 2 naming plan, field, value, expected.
  const JsonField rx =
      JsonField(eval, "plan.json of plan " + plan.id, "evaluation")["prescription"];
  const double rate_gy_min = rx["calibration_rate_gy_per_min"].number_or(0.0);
  if (!(rate_gy_min > 0))
    throw Error::bad_input("the plan's evaluation has no calibration dose rate for the source")
        .field("evaluation.prescription.calibration_rate_gy_per_min")
        .seen(format_ds(rate_gy_min))
        .expected("a positive dose rate (Gy/min): run kiort plan compute");
  const bool coverage = plan.prescription.kind == "coverage";
  int target_roi = 0;
  for (std::size_t s = 0; s < patient.structures.size(); ++s)
    if (patient.structures[s].name == plan.target) target_roi = plan_roi_number(patient, s);
  if (coverage && target_roi == 0)
    throw Error::bad_input("the coverage prescription's target is not a structure of the patient")
        .field("target")
        .seen(plan.target)
        .expected("a structure of the plan's RTSTRUCT");

  const PlanUids uids = plan_uids(plan, patient);
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  ds.putAndInsertString(DCM_SOPClassUID, UID_RTPlanStorage);
  ds.putAndInsertString(DCM_SOPInstanceUID, uids.rtplan_sop.c_str());
  put_patient_study_equipment(ds, patient);
  ds.putAndInsertString(DCM_SoftwareVersions, (std::string("kiort ") + version()).c_str());
  ds.putAndInsertString(DCM_Modality, "RTPLAN");
  ds.putAndInsertString(DCM_SeriesInstanceUID, uids.rtplan_series.c_str());
  ds.putAndInsertString(DCM_SeriesNumber, "4");
  ds.putAndInsertString(DCM_SeriesDescription, ("kiort plan " + plan.id).c_str());
  ds.putAndInsertString(DCM_OperatorsName, "");
  ds.putAndInsertString(DCM_InstanceNumber, "1");
  ds.putAndInsertString(DCM_FrameOfReferenceUID, patient.frame_of_reference_uid.c_str());
  ds.putAndInsertString(DCM_PositionReferenceIndicator, "");

  // RT General Plan: geometry PATIENT, so the plan's structure set is referenced; the plan's date
  // and time are when it was created (plan.json "created").
  ds.putAndInsertString(DCM_RTPlanLabel,
                        (source.illustrative ? std::string("ILLUSTRATIVE") : "KIORT " + plan.level)
                            .substr(0, 16)
                            .c_str());
  ds.putAndInsertString(DCM_RTPlanName, ("Kypho-IORT " + plan.level + " " + plan.id).c_str());
  ds.putAndInsertString(
      DCM_RTPlanDescription,
      ((source.illustrative ? std::string(kIllustrativeBanner) + ": the probe calibration is not a "
                                                                 "measurement. "
                            : std::string()) +
       "Kypho-IORT: intraoperative " + format_ds(plan.kv) +
       " kV electronic X-ray brachytherapy through the kyphoplasty cannula, level " + plan.level +
       ", target " + plan.target + ". Dwell times in seconds as the console takes them." +
       caveats(patient))
          .c_str());
  const auto [plan_date, plan_time] = dicom_date_time(plan.created);
  ds.putAndInsertString(DCM_RTPlanDate, plan_date.c_str());
  ds.putAndInsertString(DCM_RTPlanTime, plan_time.c_str());
  ds.putAndInsertString(DCM_RTPlanGeometry, "PATIENT");
  DcmItem* rss = nullptr;
  ds.findOrCreateSequenceItem(DCM_ReferencedStructureSetSequence, rss, -2);
  rss->putAndInsertString(DCM_ReferencedSOPClassUID, UID_RTStructureSetStorage);
  rss->putAndInsertString(DCM_ReferencedSOPInstanceUID, uids.rtstruct_sop.c_str());

  // RT Prescription: a point prescription as a target dose reference at the point's coordinates;
  // a coverage prescription as the target volume (its ROI) with the dose its D<pct> must reach.
  const std::string rx_text =
      format_ds(plan.prescription.dose_gy) + " Gy " +
      (coverage ? "to D" + format_ds(plan.prescription.coverage_pct) + " % of " + plan.target
                : "at " + format_ds(plan.prescription.depth_mm) + " mm from the " +
                      (plan.prescription.reference() == DepthConvention::kSourceCentre
                           ? "source centre"
                           : "applicator surface") +
                      " in water");
  ds.putAndInsertString(DCM_PrescriptionDescription, rx_text.c_str());
  DcmItem* dr = nullptr;
  ds.findOrCreateSequenceItem(DCM_DoseReferenceSequence, dr, -2);
  dr->putAndInsertString(DCM_DoseReferenceNumber, "1");
  dr->putAndInsertString(DCM_DoseReferenceUID,
                         deterministic_uid(uids.rtplan_sop + "/dose-reference").c_str());
  dr->putAndInsertString(DCM_DoseReferenceType, "TARGET");
  if (coverage) {
    dr->putAndInsertString(DCM_DoseReferenceStructureType, "VOLUME");
    dr->putAndInsertString(DCM_ReferencedROINumber, std::to_string(target_roi).c_str());
    dr->putAndInsertString(DCM_DoseReferenceDescription,
                           cut_at_word("target coverage: " + rx_text, 64).c_str());
    // The dose the prescribed fraction of the target must receive at least.
    dr->putAndInsertString(DCM_TargetPrescriptionDose,
                           format_ds(plan.prescription.dose_gy).c_str());
  } else {
    if (!rx["point_mm"].present())
      throw Error::bad_input("the plan's evaluation has no prescription point")
          .field("evaluation.prescription.point_mm")
          .expected("x, y, z (mm): run kiort plan compute");
    const Vec3 pt = rx["point_mm"].point();
    dr->putAndInsertString(DCM_DoseReferenceStructureType, "COORDINATES");
    dr->putAndInsertString(DCM_DoseReferencePointCoordinates, join_ds({pt.x, pt.y, pt.z}).c_str());
    dr->putAndInsertString(DCM_DoseReferenceDescription, "prescription point (water)");
    dr->putAndInsertString(DCM_TargetPrescriptionDose,
                           format_ds(plan.prescription.dose_gy).c_str());
  }

  // RT Fraction Scheme: one fraction, one application setup.
  DcmItem* fg = nullptr;
  ds.findOrCreateSequenceItem(DCM_FractionGroupSequence, fg, -2);
  fg->putAndInsertString(DCM_FractionGroupNumber, "1");
  fg->putAndInsertString(DCM_NumberOfFractionsPlanned, "1");
  fg->putAndInsertString(DCM_NumberOfBeams, "0");
  fg->putAndInsertString(DCM_NumberOfBrachyApplicationSetups, "1");
  DcmItem* rbas = nullptr;
  fg->findOrCreateSequenceItem(DCM_ReferencedBrachyApplicationSetupSequence, rbas, -2);
  rbas->putAndInsertString(DCM_ReferencedBrachyApplicationSetupNumber, "1");
  rbas->putAndInsertString(DCM_BrachyApplicationSetupDose,
                           format_ds(plan.prescription.dose_gy).c_str());

  // RT Brachy Application Setups. Interstitial: the needle sits inside the vertebral body. The
  // source is an electronic miniature X-ray tube, not a radionuclide: no half-life (nothing
  // decays) and no air-kerma rate; its strength is the probe's calibrated dose rate in water at
  // the prescription depth (Source Strength Units DOSE_RATE_WATER, the term for a non-gamma
  // source; Source Strength in Gy/s).
  ds.putAndInsertString(DCM_BrachyTreatmentTechnique, "INTERSTITIAL");
  ds.putAndInsertString(DCM_BrachyTreatmentType, "HDR");
  DcmItem* machine = nullptr;
  ds.findOrCreateSequenceItem(DCM_TreatmentMachineSequence, machine, -2);
  // Treatment Machine Name is SH (16 characters at most).
  machine->putAndInsertString(DCM_TreatmentMachineName,
                              ("XRAY PROBE " + format_ds(source.kv) + "KV").substr(0, 16).c_str());
  machine->putAndInsertString(DCM_Manufacturer, "kiort model of a miniature X-ray source");
  machine->putAndInsertString(DCM_DeviceSerialNumber, source.probe_serial.c_str());
  DcmItem* src = nullptr;
  ds.findOrCreateSequenceItem(DCM_SourceSequence, src, -2);
  src->putAndInsertString(DCM_SourceNumber, "1");
  src->putAndInsertString(DCM_SourceSerialNumber, source.probe_serial.c_str());
  src->putAndInsertString(DCM_SourceModelID, "electronic X-ray");
  src->putAndInsertString(
      DCM_SourceDescription,
      cut_at_word("Electronic X-ray source, " + format_ds(source.kv) + " kV, applicator " +
                      source.applicator + ", calibrated " + source.calibration_date +
                      (source.dose_definition.empty() ? "" : " (" + source.dose_definition + ")"),
                  64)
          .c_str());
  src->putAndInsertString(DCM_SourceType, "POINT");
  src->putAndInsertString(DCM_SourceIsotopeName, "NONE (electronic X-ray source)");
  // Half-life and air-kerma rate are type 1 (PS3.3 C.8.8.15.8): the standard has no way to leave
  // them out. The air-kerma rate "shall be zero for non-gamma sources"; for the half-life kiort
  // writes 1e12 days, so any decay correction over any delay is a factor 1 (0 would divide by
  // zero), and the isotope name and description say there is no radionuclide.
  src->putAndInsertString(DCM_SourceIsotopeHalfLife, "1e12");
  src->putAndInsertString(DCM_ReferenceAirKermaRate, "0");
  src->putAndInsertString(DCM_SourceStrengthUnits, "DOSE_RATE_WATER");
  src->putAndInsertString(DCM_SourceStrength, format_ds(rate_gy_min / 60.0).c_str());
  src->putAndInsertString(DCM_SourceStrengthReferenceDate,
                          dicom_date(source.calibration_date).c_str());
  src->putAndInsertString(DCM_SourceStrengthReferenceTime, "000000");

  DcmItem* setup = nullptr;
  ds.findOrCreateSequenceItem(DCM_ApplicationSetupSequence, setup, -2);
  // No defined term fits a needle applicator through a kyphoplasty cannula: OTHER, and the name
  // says what it is (as commercial brachytherapy systems do).
  setup->putAndInsertString(DCM_ApplicationSetupType, "OTHER");
  setup->putAndInsertString(DCM_ApplicationSetupNumber, "1");
  setup->putAndInsertString(
      DCM_ApplicationSetupName,
      cut_at_word("Kypho-IORT " + plan.level + ", needle applicator " + source.applicator, 64)
          .c_str());
  setup->putAndInsertString(DCM_ApplicationSetupManufacturer, source.applicator.c_str());
  setup->putAndInsertString(DCM_TotalReferenceAirKerma, "0");
  std::size_t first = 0;  // index of the access's first dwell in plan.dwell_times_s
  for (std::size_t a = 0; a < plan.accesses.size(); ++a) {
    const Access& acc = plan.accesses[a];
    const auto dwells = acc.dwell_positions();
    DcmItem* ch = nullptr;
    setup->findOrCreateSequenceItem(DCM_ChannelSequence, ch, -2);
    double channel_s = 0;
    for (std::size_t d = 0; d < dwells.size(); ++d) channel_s += plan.dwell_times_s[first + d];
    const double length_mm = norm(acc.tip_lps - acc.entry_lps);
    // Relative positions count from the distal-most source position, the tip (PS3.3
    // C.8.8.15.9: the distance between the control point and the distal-most possible position).
    std::vector<double> from_tip(dwells.size());
    for (std::size_t d = 0; d < dwells.size(); ++d)
      from_tip[d] = std::max(0.0, dot(acc.tip_lps - dwells[d], acc.axis()));
    const bool stepwise = dwells.size() > 1;
    ch->putAndInsertString(DCM_ChannelNumber, std::to_string(a + 1).c_str());
    ch->putAndInsertString(DCM_ChannelLength, format_ds(length_mm).c_str());
    ch->putAndInsertString(DCM_ChannelTotalTime, format_ds(channel_s).c_str());
    ch->putAndInsertString(DCM_SourceMovementType, stepwise ? "STEPWISE" : "FIXED");
    ch->putAndInsertString(DCM_SourceApplicatorNumber, std::to_string(a + 1).c_str());
    ch->putAndInsertString(DCM_SourceApplicatorID, access_label(acc, a).substr(0, 16).c_str());
    ch->putAndInsertString(DCM_SourceApplicatorType, "RIGID");
    ch->putAndInsertString(DCM_SourceApplicatorLength, format_ds(length_mm).c_str());
    ch->putAndInsertString(DCM_SourceApplicatorManufacturer, source.applicator.c_str());
    if (stepwise) {
      // Type 1C for STEPWISE: the step between dwell positions (the smallest, for explicit ones).
      double step = 0;
      for (std::size_t d = 1; d < dwells.size(); ++d) {
        const double s = std::abs(from_tip[d] - from_tip[d - 1]);
        if (s > 0 && (step == 0 || s < step)) step = s;
      }
      ch->putAndInsertString(DCM_SourceApplicatorStepSize, format_ds(step).c_str());
    }
    ch->putAndInsertString(DCM_TransferTubeNumber, "");
    // The channel's ROI: the needle as an open polyline in the plan's RTSTRUCT.
    ch->putAndInsertString(DCM_ReferencedROINumber,
                           std::to_string(channel_roi_number(patient, plan, a)).c_str());
    ch->putAndInsertString(DCM_ReferencedSourceNumber, "1");
    ch->putAndInsertString(DCM_NumberOfControlPoints, std::to_string(2 * dwells.size()).c_str());
    ch->putAndInsertString(DCM_FinalCumulativeTimeWeight, format_ds(channel_s).c_str());
    // Dwell pairs: two control points at the same position, the cumulative time weight (s)
    // before and after the dwell.
    double cumulative = 0;
    for (std::size_t d = 0; d < dwells.size(); ++d) {
      for (int half = 0; half < 2; ++half) {
        if (half == 1) cumulative += plan.dwell_times_s[first + d];
        DcmItem* cp = nullptr;
        ch->findOrCreateSequenceItem(DCM_BrachyControlPointSequence, cp, -2);
        cp->putAndInsertString(DCM_ControlPointIndex, std::to_string(2 * d + half).c_str());
        cp->putAndInsertString(DCM_ControlPointRelativePosition, format_ds(from_tip[d]).c_str());
        cp->putAndInsertString(DCM_ControlPoint3DPosition,
                               join_ds({dwells[d].x, dwells[d].y, dwells[d].z}).c_str());
        cp->putAndInsertString(DCM_CumulativeTimeWeight, format_ds(cumulative).c_str());
      }
    }
    first += dwells.size();
  }

  // Approval.
  if (plan.approval.approved) {
    ds.putAndInsertString(DCM_ApprovalStatus, "APPROVED");
    const auto [date, time] = dicom_date_time(plan.approval.at);
    ds.putAndInsertString(DCM_ReviewDate, date.c_str());
    ds.putAndInsertString(DCM_ReviewTime, time.c_str());
    ds.putAndInsertString(DCM_ReviewerName, person_name(plan.approval.by).c_str());
  } else {
    ds.putAndInsertString(DCM_ApprovalStatus, "UNAPPROVED");
  }
  save_atomic(file, path);
}

}  // namespace kiort::dicom
