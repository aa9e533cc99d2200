#include "dicom/rt_export.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmrt/drtdose.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"
#include "core/version.h"
#include "dicom/dicom_common.h"
#include "dicom/rtstruct.h"
#include "patient/phantom.h"

namespace kiort::dicom {
namespace {

// The tube the applicator path is drawn as in the RTSTRUCT: the needle applicator's outer radius
// is about 2 mm; at least most of a voxel so that the path stays visible on coarse grids.
constexpr double kApplicatorRoiRadiusMm = 2.0;

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

}  // namespace

std::string PlanUids::rtdose_sop(const std::string& kind) const {
  return deterministic_uid(rtplan_sop + "/rtdose/" + kind);
}

PlanUids plan_uids(const Plan& plan, const PatientModel& patient) {
  // The plan ID is unique per draft; the CT's series UID ties the set to the images it was
  // planned on (the same plan re-exported on another CT must not reuse UIDs).
  const std::string key = "kiort-plan/" + plan.id + "/" + patient.series_uid;
  PlanUids u;
  u.rtplan_sop = deterministic_uid(key + "/rtplan");
  u.rtplan_series = deterministic_uid(key + "/rtplan-series");
  u.rtstruct_sop = deterministic_uid(key + "/rtstruct");
  u.rtstruct_series = deterministic_uid(key + "/rtstruct-series");
  u.rtdose_series = deterministic_uid(key + "/rtdose-series");
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
  const std::string sop = uids.rtdose_sop(options.kind);
  set(rd.setSOPClassUID(UID_RTDoseStorage), "SOPClassUID");
  set(rd.setSOPInstanceUID(sop.c_str()), "SOPInstanceUID");
  set(rd.setModality("RTDOSE"), "Modality");
  set(rd.setSeriesInstanceUID(uids.rtdose_series.c_str()), "SeriesInstanceUID");
  set(rd.setSeriesNumber("3"), "SeriesNumber");
  set(rd.setSeriesDescription(("kiort plan " + plan.id).c_str()), "SeriesDescription");
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
  set(rd.write(*out.getDataset()), "the RT Dose dataset");
  save_atomic(out, path);
}

void write_plan_rtstruct(const PatientModel& patient, const Plan& plan,
                         const std::filesystem::path& path) {
  require_uids(patient);
  PatientModel model = patient;  // structures are added to a copy; the caller's stays as it was
  const PlanUids uids = plan_uids(plan, patient);
  RtstructOptions opt;
  opt.sop_instance_uid = uids.rtstruct_sop;
  opt.series_uid = uids.rtstruct_series;
  opt.label = ("kiort " + plan.id).substr(0, 16);
  int number = first_applicator_roi_number(patient) - 1;
  const double radius = std::max(kApplicatorRoiRadiusMm,
                                 0.6 * std::max({patient.grid.spacing().x, patient.grid.spacing().y,
                                                 patient.grid.spacing().z}));
  for (std::size_t a = 0; a < plan.accesses.size(); ++a) {
    const Access& acc = plan.accesses[a];
    const std::string label = access_label(acc, a);
    Structure st;
    st.name = "Applicator_" + label;
    st.number = ++number;
    st.type = "BRACHY_CHANNEL";
    st.origin = StructureOrigin::kPlan;
    st.color = {0, 200, 255};
    st.mask.assign(model.grid.voxel_count(), 0);
    // The tube around the segment entry -> tip (the needle holds the probe up to its tip).
    const Vec3 seg = acc.tip_lps - acc.entry_lps;
    const double len2 = dot(seg, seg);
    for (std::size_t v = 0; v < st.mask.size(); ++v) {
      const Vec3 x = model.grid.position(model.grid.index3(v));
      const double t = len2 > 0 ? std::clamp(dot(x - acc.entry_lps, seg) / len2, 0.0, 1.0) : 0.0;
      if (norm(x - (acc.entry_lps + seg * t)) <= radius) st.mask[v] = 1;
    }
    model.structures.push_back(std::move(st));
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

  // RT General Plan: geometry PATIENT, so the plan's structure set is referenced.
  ds.putAndInsertString(DCM_RTPlanLabel, ("KIORT " + plan.level).substr(0, 16).c_str());
  ds.putAndInsertString(DCM_RTPlanName, ("Kypho-IORT " + plan.level + " " + plan.id).c_str());
  ds.putAndInsertString(
      DCM_RTPlanDescription,
      ("Kypho-IORT: intraoperative " + format_ds(plan.kv) +
       " kV electronic X-ray brachytherapy through the kyphoplasty cannula, level " + plan.level +
       ", target " + plan.target + ". Dwell times in seconds as the console takes them.")
          .c_str());
  ds.putAndInsertString(DCM_RTPlanDate, "");
  ds.putAndInsertString(DCM_RTPlanTime, "");
  ds.putAndInsertString(DCM_RTPlanGeometry, "PATIENT");
  DcmItem* rss = nullptr;
  ds.findOrCreateSequenceItem(DCM_ReferencedStructureSetSequence, rss, -2);
  rss->putAndInsertString(DCM_ReferencedSOPClassUID, UID_RTStructureSetStorage);
  rss->putAndInsertString(DCM_ReferencedSOPInstanceUID, uids.rtstruct_sop.c_str());

  // RT Prescription: the prescription point as a target dose reference.
  ds.putAndInsertString(
      DCM_PrescriptionDescription,
      (format_ds(plan.prescription.dose_gy) + " Gy " +
       (plan.prescription.kind == "point"
            ? "at " + format_ds(plan.prescription.depth_mm) + " mm from the " +
                  (plan.prescription.from == DepthConvention::kSourceCentre
                       ? "source centre"
                       : "applicator surface") +
                  " in water"
            : "to D" + format_ds(plan.prescription.coverage_pct) + " % of " + plan.target))
          .c_str());
  DcmItem* dr = nullptr;
  ds.findOrCreateSequenceItem(DCM_DoseReferenceSequence, dr, -2);
  dr->putAndInsertString(DCM_DoseReferenceNumber, "1");
  dr->putAndInsertString(DCM_DoseReferenceUID,
                         deterministic_uid(uids.rtplan_sop + "/dose-reference").c_str());
  dr->putAndInsertString(DCM_DoseReferenceType, "TARGET");
  dr->putAndInsertString(DCM_TargetPrescriptionDose, format_ds(plan.prescription.dose_gy).c_str());
  // The prescription point and calibration rate the computation used (the evaluation summary).
  const nlohmann::json eval = plan.evaluation_json.empty()
                                  ? nlohmann::json::object()
                                  : nlohmann::json::parse(plan.evaluation_json, nullptr, false);
  const nlohmann::json rx = eval.is_object() ? eval.value("prescription", nlohmann::json::object())
                                             : nlohmann::json::object();
  bool have_point = false;
  if (rx.contains("point_mm") && rx["point_mm"].is_array() && rx["point_mm"].size() == 3) {
    const auto& pt = rx["point_mm"];
    dr->putAndInsertString(DCM_DoseReferenceStructureType, "COORDINATES");
    dr->putAndInsertString(
        DCM_DoseReferencePointCoordinates,
        join_ds({pt[0].get<double>(), pt[1].get<double>(), pt[2].get<double>()}).c_str());
    have_point = true;
  }
  if (!have_point) dr->putAndInsertString(DCM_DoseReferenceStructureType, "SITE");
  dr->putAndInsertString(DCM_DoseReferenceDescription, plan.prescription.kind == "point"
                                                           ? "prescription point (water)"
                                                           : "target coverage");

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
  // source is an electronic miniature X-ray tube, not an isotope: Source Isotope Name says so,
  // the half-life is that of no decay (0 = not applicable, stated in the description), air-kerma
  // strength 0, and the strength is the probe's calibrated dose rate in water (DOSE_RATE_WATER).
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
      ("Electronic miniature X-ray source (no radionuclide), " + format_ds(source.kv) +
       " kV, applicator " + source.applicator + ", calibrated " + source.calibration_date +
       (source.dose_definition.empty() ? "" : " (" + source.dose_definition + ")"))
          .substr(0, 64)
          .c_str());
  src->putAndInsertString(DCM_SourceType, "POINT");
  src->putAndInsertString(DCM_SourceIsotopeName, "NONE (electronic X-ray source)");
  src->putAndInsertString(DCM_SourceIsotopeHalfLife, "0");
  src->putAndInsertString(DCM_SourceStrengthUnits, "DOSE_RATE_WATER");
  src->putAndInsertString(DCM_ReferenceAirKermaRate, "0");
  const double rate = rx.value("calibration_rate_gy_per_min", 0.0);
  src->putAndInsertString(DCM_SourceStrength, format_ds(rate).c_str());
  src->putAndInsertString(DCM_SourceStrengthReferenceDate,
                          dicom_date(source.calibration_date).c_str());
  src->putAndInsertString(DCM_SourceStrengthReferenceTime, "000000");

  DcmItem* setup = nullptr;
  ds.findOrCreateSequenceItem(DCM_ApplicationSetupSequence, setup, -2);
  setup->putAndInsertString(DCM_ApplicationSetupType, "NEEDLE");
  setup->putAndInsertString(DCM_ApplicationSetupNumber, "1");
  setup->putAndInsertString(DCM_ApplicationSetupName, ("Kypho-IORT " + plan.level).c_str());
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
    ch->putAndInsertString(DCM_ChannelNumber, std::to_string(a + 1).c_str());
    ch->putAndInsertString(DCM_ChannelLength, format_ds(length_mm).c_str());
    ch->putAndInsertString(DCM_ChannelTotalTime, format_ds(channel_s).c_str());
    ch->putAndInsertString(DCM_SourceMovementType, dwells.size() > 1 ? "STEPWISE" : "FIXED");
    ch->putAndInsertString(DCM_SourceApplicatorNumber, std::to_string(a + 1).c_str());
    ch->putAndInsertString(DCM_SourceApplicatorID, access_label(acc, a).substr(0, 16).c_str());
    ch->putAndInsertString(DCM_SourceApplicatorType, "RIGID");
    ch->putAndInsertString(DCM_SourceApplicatorLength, format_ds(length_mm).c_str());
    ch->putAndInsertString(DCM_SourceApplicatorManufacturer, source.applicator.c_str());
    ch->putAndInsertString(DCM_TransferTubeNumber, "");
    // The channel's ROI: its applicator path in the plan's RTSTRUCT.
    ch->putAndInsertString(
        DCM_ReferencedROINumber,
        std::to_string(first_applicator_roi_number(patient) + static_cast<int>(a)).c_str());
    ch->putAndInsertString(DCM_ReferencedSourceNumber, "1");
    ch->putAndInsertString(DCM_NumberOfControlPoints, std::to_string(2 * dwells.size()).c_str());
    ch->putAndInsertString(DCM_FinalCumulativeTimeWeight, format_ds(channel_s).c_str());
    // Dwell pairs: two control points at the same position, the cumulative time weight (s)
    // before and after the dwell. Relative position: mm along the needle from its entry point.
    double cumulative = 0;
    for (std::size_t d = 0; d < dwells.size(); ++d) {
      const double along = dot(dwells[d] - acc.entry_lps, acc.axis());
      for (int half = 0; half < 2; ++half) {
        if (half == 1) cumulative += plan.dwell_times_s[first + d];
        DcmItem* cp = nullptr;
        ch->findOrCreateSequenceItem(DCM_BrachyControlPointSequence, cp, -2);
        cp->putAndInsertString(DCM_ControlPointIndex, std::to_string(2 * d + half).c_str());
        cp->putAndInsertString(DCM_ControlPointRelativePosition, format_ds(along).c_str());
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
    std::string date = dicom_date(plan.approval.at.substr(0, 10)), time;
    for (const char c : plan.approval.at.size() > 11 ? plan.approval.at.substr(11, 8) : "")
      if (c >= '0' && c <= '9') time += c;
    ds.putAndInsertString(DCM_ReviewDate, date.c_str());
    ds.putAndInsertString(DCM_ReviewTime, time.c_str());
    ds.putAndInsertString(DCM_ReviewerName, plan.approval.by.c_str());
  } else {
    ds.putAndInsertString(DCM_ApprovalStatus, "UNAPPROVED");
  }
  save_atomic(file, path);
}

}  // namespace kiort::dicom
