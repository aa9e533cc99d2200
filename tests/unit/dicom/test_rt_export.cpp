// The plan's DICOM RT writers read back with DCMTK: RT Dose tags, scaling and values (within
// 0.1 % of each voxel's dose), references to the CT's Frame of Reference and to the RT Plan;
// the plan's RTSTRUCT (applicator and dwell markers); the brachy RT Plan's channels, dwell
// pairs and cumulative times; refusals that leave no file.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>

#include "../temp_dir.h"
#include "core/error.h"
#include "dicom/ct_writer.h"
#include "dicom/rt_export.h"
#include "dicom/rtstruct.h"
#include "patient/phantom.h"
#include "plan/applicator_volume.h"

namespace kiort {
namespace {

namespace fs = std::filesystem;

// A fresh folder of this test (tests/unit/temp_dir.h), removed at its end.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("rtexport-test") {}
};

// A coarse phantom (4 mm voxels keep the test fast) and a computed-looking plan on it.
struct Case {
  PatientModel patient = make_vertebra_phantom({.level = "L1", .lesion = "lytic", .voxel_mm = 4});
  Plan plan;
  Case() {
    plan.id = "KIORT-TEST-0001";
    plan.level = "L1";
    Access a;
    a.name = "left";
    a.entry_lps = {30, 50, 0};
    a.tip_lps = {0, 0, 0};
    a.dwell_count = 2;
    a.dwell_step_mm = 5;
    plan.accesses.push_back(a);
    plan.dwell_times_s = {120.5, 60.0};
    plan.evaluation_json =
        R"({"prescription":{"point_mm":[0,-15,0],"calibration_rate_gy_per_min":0.75}})";
  }
};

std::string str(DcmItem& item, const DcmTagKey& tag) {
  OFString v;
  item.findAndGetOFStringArray(tag, v);
  return v.c_str();
}

DcmFileFormat load(const fs::path& p) {
  DcmFileFormat f;
  EXPECT_TRUE(f.loadFile(p.c_str()).good()) << p;
  return f;
}

TEST(RtDose, TagsScalingValuesAndReferences) {
  Case c;
  TempDir t;
  // A dose grid: a box of the patient grid, with a steep analytic falloff spanning 4 decades.
  const Grid3 g({9, 7, 5}, c.patient.grid.spacing(), c.patient.grid.position(Index3{10, 12, 6}));
  std::vector<double> dose(g.voxel_count());
  for (std::size_t v = 0; v < dose.size(); ++v) {
    const Vec3 r = g.position(g.index3(v)) - g.position(Index3{4, 3, 2});
    dose[v] = 2000.0 / (1.0 + dot(r, r));
  }
  const fs::path file = t.path / "RTDOSE.dcm";
  dicom::write_rtdose(c.patient, c.plan, g, dose, file, {.comment = "test"});
  DcmFileFormat f = load(file);
  DcmDataset& ds = *f.getDataset();
  EXPECT_EQ(str(ds, DCM_SOPClassUID), UID_RTDoseStorage);
  EXPECT_EQ(str(ds, DCM_Modality), "RTDOSE");
  EXPECT_EQ(str(ds, DCM_DoseUnits), "GY");
  EXPECT_EQ(str(ds, DCM_DoseType), "PHYSICAL");
  EXPECT_EQ(str(ds, DCM_DoseSummationType), "PLAN");
  EXPECT_EQ(str(ds, DCM_FrameOfReferenceUID), c.patient.frame_of_reference_uid);
  EXPECT_EQ(str(ds, DCM_StudyInstanceUID), c.patient.study_uid);
  const dicom::PlanUids uids = dicom::plan_uids(c.plan, c.patient);
  EXPECT_EQ(str(ds, DCM_SOPInstanceUID), uids.rtdose_sop("physical", dose));
  EXPECT_EQ(str(ds, DCM_SeriesInstanceUID), uids.rtdose_series("physical"));
  DcmItem* ref = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ReferencedRTPlanSequence, ref, 0).good());
  EXPECT_EQ(str(*ref, DCM_ReferencedSOPInstanceUID), uids.rtplan_sop);
  EXPECT_EQ(str(*ref, DCM_ReferencedSOPClassUID), UID_RTPlanStorage);
  Uint16 rows = 0, cols = 0, bits = 0;
  ds.findAndGetUint16(DCM_Rows, rows);
  ds.findAndGetUint16(DCM_Columns, cols);
  ds.findAndGetUint16(DCM_BitsAllocated, bits);
  EXPECT_EQ(rows, 7);
  EXPECT_EQ(cols, 9);
  EXPECT_EQ(bits, 32);
  EXPECT_EQ(str(ds, DCM_NumberOfFrames), "5");
  EXPECT_EQ(str(ds, DCM_GridFrameOffsetVector), "0\\4\\8\\12\\16");
  Float64 scaling = 0;
  ASSERT_TRUE(ds.findAndGetFloat64(DCM_DoseGridScaling, scaling).good());
  const Uint16* words = nullptr;
  unsigned long n = 0;
  ASSERT_TRUE(ds.findAndGetUint16Array(DCM_PixelData, words, &n).good());
  ASSERT_EQ(n, 2 * dose.size());
  for (std::size_t v = 0; v < dose.size(); ++v) {
    const double value = (double(words[2 * v]) + 65536.0 * double(words[2 * v + 1])) * scaling;
    EXPECT_NEAR(value, dose[v], 1e-3 * dose[v]) << v;
  }
  Float64 x0 = 0;
  ds.findAndGetFloat64(DCM_ImagePositionPatient, x0, 0);
  EXPECT_NEAR(x0, g.origin().x, 1e-6);
}

TEST(RtDose, ErrorTypeAndRefusals) {
  Case c;
  TempDir t;
  const Grid3 g({3, 3, 3}, {2, 2, 2}, {0, 0, 0});
  std::vector<double> sigma(27, 0.01);
  dicom::write_rtdose(c.patient, c.plan, g, sigma, t.path / "E.dcm",
                      {.dose_type = "ERROR", .kind = "error"});
  DcmFileFormat f = load(t.path / "E.dcm");
  EXPECT_EQ(str(*f.getDataset(), DCM_DoseType), "ERROR");
  EXPECT_NE(str(*f.getDataset(), DCM_SOPInstanceUID),
            dicom::plan_uids(c.plan, c.patient).rtdose_sop("physical", sigma));
  // Its own series, which sorts after the physical dose's.
  const dicom::PlanUids u = dicom::plan_uids(c.plan, c.patient);
  EXPECT_EQ(str(*f.getDataset(), DCM_SeriesInstanceUID), u.rtdose_series("error"));
  EXPECT_LT(u.rtdose_series("physical"), u.rtdose_series("error"));
  EXPECT_LT(u.rtdose_series("physical"), u.rtdose_series("water"));
  // Refused: wrong size, a negative dose, a patient without UIDs. No file, no temporary.
  EXPECT_THROW(
      dicom::write_rtdose(c.patient, c.plan, g, std::vector<double>(5, 1.0), t.path / "bad1.dcm"),
      Error);
  sigma[4] = -1;
  EXPECT_THROW(dicom::write_rtdose(c.patient, c.plan, g, sigma, t.path / "bad2.dcm"), Error);
  PatientModel bare = c.patient;
  bare.frame_of_reference_uid.clear();
  EXPECT_THROW(
      dicom::write_rtdose(bare, c.plan, g, std::vector<double>(27, 1.0), t.path / "bad3.dcm"),
      Error);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(t.path)) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(RtStruct, PlanStructuresAddApplicatorAndDwellMarkers) {
  Case c;
  TempDir t;
  dicom::write_plan_rtstruct(c.patient, c.plan, 2.2, t.path / "RS.dcm");
  DcmFileFormat f = load(t.path / "RS.dcm");
  DcmDataset& ds = *f.getDataset();
  EXPECT_EQ(str(ds, DCM_SOPInstanceUID), dicom::plan_uids(c.plan, c.patient).rtstruct_sop);
  EXPECT_EQ(str(ds, DCM_FrameOfReferenceUID), c.patient.frame_of_reference_uid);
  std::vector<std::string> names;
  DcmItem* roi = nullptr;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_StructureSetROISequence, roi, i).good(); ++i)
    names.push_back(str(*roi, DCM_ROIName));
  // Applicator tube, channel polyline, two dwell markers.
  EXPECT_EQ(names.size(), c.patient.structures.size() + 4);
  EXPECT_NE(std::find(names.begin(), names.end(), "Applicator_left"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "Channel_left"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "Dwell_left_2"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "CTV"), names.end());
  // The patient model is unchanged.
  EXPECT_EQ(c.patient.structures.back().name, Case().patient.structures.back().name);
}

TEST(RtPlan, BrachyChannelsDwellPairsAndReferences) {
  Case c;
  TempDir t;
  dicom::BrachySourceInfo src{
      .probe_serial = "SN-1", .applicator = "needle", .calibration_date = "2026-01-01"};
  c.plan.created = "2026-03-15T10:20:30Z";
  dicom::write_rtplan_brachy(c.patient, c.plan, src, t.path / "RP.dcm");
  DcmFileFormat f = load(t.path / "RP.dcm");
  DcmDataset& ds = *f.getDataset();
  const dicom::PlanUids uids = dicom::plan_uids(c.plan, c.patient);
  EXPECT_EQ(str(ds, DCM_SOPInstanceUID), uids.rtplan_sop);
  EXPECT_EQ(str(ds, DCM_SOPClassUID), UID_RTPlanStorage);
  EXPECT_EQ(str(ds, DCM_ApprovalStatus), "UNAPPROVED");
  EXPECT_EQ(str(ds, DCM_FrameOfReferenceUID), c.patient.frame_of_reference_uid);
  DcmItem* rss = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ReferencedStructureSetSequence, rss, 0).good());
  EXPECT_EQ(str(*rss, DCM_ReferencedSOPInstanceUID), uids.rtstruct_sop);
  DcmItem* source = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_SourceSequence, source, 0).good());
  EXPECT_NE(str(*source, DCM_SourceIsotopeName).find("electronic"), std::string::npos);
  EXPECT_EQ(str(*source, DCM_SourceStrengthReferenceDate), "20260101");
  // An electronic source: strength as dose rate in water, Gy/s (0.75 Gy/min / 60), air-kerma
  // rate zero as the standard says for a non-gamma source, no decay over any delay.
  EXPECT_EQ(str(*source, DCM_SourceStrengthUnits), "DOSE_RATE_WATER");
  EXPECT_EQ(str(*source, DCM_SourceStrength), "0.0125");
  EXPECT_EQ(str(*source, DCM_ReferenceAirKermaRate), "0");
  Float64 half_life_days = 0;
  source->findAndGetFloat64(DCM_SourceIsotopeHalfLife, half_life_days);
  EXPECT_GE(half_life_days, 1e12);
  EXPECT_EQ(str(ds, DCM_RTPlanDate), "20260315");
  EXPECT_EQ(str(ds, DCM_RTPlanTime), "102030");
  // A real probe's calibration: no illustrative warning.
  EXPECT_EQ(str(ds, DCM_RTPlanDescription).find("ILLUSTRATIVE"), std::string::npos);
  // An illustrative one says so in the plan's label and description (issue 16).
  dicom::BrachySourceInfo sample = src;
  sample.illustrative = true;
  dicom::write_rtplan_brachy(c.patient, c.plan, sample, t.path / "RP-sample.dcm");
  DcmFileFormat fs = load(t.path / "RP-sample.dcm");
  EXPECT_EQ(str(*fs.getDataset(), DCM_RTPlanLabel), "ILLUSTRATIVE");
  EXPECT_EQ(str(*fs.getDataset(), DCM_RTPlanDescription).rfind(kIllustrativeBanner, 0), 0u);
  DcmItem* setup = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ApplicationSetupSequence, setup, 0).good());
  DcmItem* ch = nullptr;
  ASSERT_TRUE(setup->findAndGetSequenceItem(DCM_ChannelSequence, ch, 0).good());
  EXPECT_FALSE(setup->findAndGetSequenceItem(DCM_ChannelSequence, ch, 1).good());
  ASSERT_TRUE(setup->findAndGetSequenceItem(DCM_ChannelSequence, ch, 0).good());
  EXPECT_EQ(str(*ch, DCM_NumberOfControlPoints), "4");
  EXPECT_EQ(str(*ch, DCM_ChannelTotalTime), "180.5");
  EXPECT_EQ(str(*ch, DCM_FinalCumulativeTimeWeight), "180.5");
  EXPECT_EQ(str(*ch, DCM_SourceMovementType), "STEPWISE");
  EXPECT_EQ(str(*ch, DCM_SourceApplicatorStepSize), "5");
  EXPECT_EQ(str(*setup, DCM_ApplicationSetupType), "OTHER");
  EXPECT_NE(str(*setup, DCM_ApplicationSetupName).find("needle"), std::string::npos);
  // Relative positions from the distal end: the tip 0, the next dwell 5 mm back.
  const char* from_tip[] = {"0", "0", "5", "5"};
  const char* weights[] = {"0", "120.5", "120.5", "180.5"};
  const auto dwells = c.plan.accesses[0].dwell_positions();
  for (int i = 0; i < 4; ++i) {
    DcmItem* cp = nullptr;
    ASSERT_TRUE(ch->findAndGetSequenceItem(DCM_BrachyControlPointSequence, cp, i).good());
    EXPECT_EQ(str(*cp, DCM_CumulativeTimeWeight), weights[i]);
    EXPECT_EQ(str(*cp, DCM_ControlPointRelativePosition), from_tip[i]);
    Float64 x = 0;
    cp->findAndGetFloat64(DCM_ControlPoint3DPosition, x, 0);
    EXPECT_NEAR(x, dwells[static_cast<std::size_t>(i / 2)].x, 1e-6);
  }
  // Not computed: refused, nothing written.
  Plan draft = c.plan;
  draft.dwell_times_s.clear();
  EXPECT_THROW(dicom::write_rtplan_brachy(c.patient, draft, src, t.path / "RP2.dcm"), Error);
  EXPECT_FALSE(fs::exists(t.path / "RP2.dcm"));
}

// Issue 18: the RT Plan reads the evaluation through the checked accessor: a wrong type names the
// plan, the field, the value and what was expected (exit 2), and nothing is written.
TEST(RtPlan, AnEvaluationFieldOfTheWrongTypeIsNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"prescription":{"point_mm":[0,"-15",0],"calibration_rate_gy_per_min":0.75}})",
       "plan.json of plan KIORT-TEST-0001: evaluation.prescription.point_mm[1]: field missing or "
       "of "
       "the wrong type: got '\"-15\"', expected a number"},
      {R"({"prescription":{"point_mm":[0,-15],"calibration_rate_gy_per_min":0.75}})",
       "evaluation.prescription.point_mm: field missing or of the wrong type: got '[0,-15]', "
       "expected [x, y, z] in mm"},
      {R"({"prescription":{"point_mm":[0,-15,0],"calibration_rate_gy_per_min":"0.75"}})",
       "evaluation.prescription.calibration_rate_gy_per_min: field missing or of the wrong type"},
  };
  for (const auto& [evaluation, needle] : cases) {
    Case c;
    TempDir t;
    c.plan.evaluation_json = evaluation;
    try {
      dicom::write_rtplan_brachy(c.patient, c.plan, {}, t.path / "RP.dcm");
      ADD_FAILURE() << "accepted " << evaluation;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(t.path / "RP.dcm"));
  }
}

TEST(RtPlan, CoverageIsATargetVolumeAndNamesAreDicomForms) {
  Case c;
  TempDir t;
  c.plan.prescription.kind = "coverage";
  c.plan.prescription.coverage_pct = 90;
  c.plan.target = "CTV";
  c.plan.approval = {.approved = true,
                     .by = "A. Physicist",
                     .at = "2026-03-16T08:00:00Z",
                     .checksum = "",
                     .comment = ""};
  dicom::BrachySourceInfo src{.probe_serial = "SN-1",
                              .applicator = "needle applicator 4.4 mm",
                              .calibration_date = "2026-01-01",
                              .dose_definition = "dose to water at the depth the clinic states"};
  dicom::write_rtplan_brachy(c.patient, c.plan, src, t.path / "RP.dcm");
  DcmFileFormat f = load(t.path / "RP.dcm");
  DcmDataset& ds = *f.getDataset();
  DcmItem* dr = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_DoseReferenceSequence, dr, 0).good());
  EXPECT_EQ(str(*dr, DCM_DoseReferenceStructureType), "VOLUME");
  EXPECT_EQ(str(*dr, DCM_DoseReferenceType), "TARGET");
  int ctv = 0;
  for (std::size_t s = 0; s < c.patient.structures.size(); ++s)
    if (c.patient.structures[s].name == "CTV") ctv = dicom::plan_roi_number(c.patient, s);
  ASSERT_GT(ctv, 0);
  EXPECT_EQ(str(*dr, DCM_ReferencedROINumber), std::to_string(ctv));
  EXPECT_EQ(str(*dr, DCM_DoseReferencePointCoordinates), "");
  EXPECT_EQ(str(ds, DCM_ApprovalStatus), "APPROVED");
  EXPECT_EQ(str(ds, DCM_ReviewerName), "Physicist^A.");
  EXPECT_EQ(str(ds, DCM_ReviewDate), "20260316");
  // The source description is LO (64 characters) and ends at a word, not inside one.
  DcmItem* source = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_SourceSequence, source, 0).good());
  const std::string desc = str(*source, DCM_SourceDescription);
  EXPECT_LE(desc.size(), 64u);
  const std::string full = "Electronic X-ray source, 50 kV, applicator " + src.applicator +
                           ", calibrated " + src.calibration_date + " (" + src.dose_definition +
                           ")";
  ASSERT_GT(full.size(), 64u);
  ASSERT_EQ(full.rfind(desc, 0), 0u) << desc;
  EXPECT_EQ(full[desc.size()], ' ') << desc;
}

TEST(PlanUids, NewContentAndApprovalGiveNewInstances) {
  Case c;
  const dicom::PlanUids draft = dicom::plan_uids(c.plan, c.patient);
  EXPECT_EQ(draft.rtplan_sop, dicom::plan_uids(c.plan, c.patient).rtplan_sop);  // reproducible
  Plan approved = c.plan;
  approved.approval = {.approved = true,
                       .by = "A. Physicist",
                       .at = "2026-03-16T08:00:00Z",
                       .checksum = "",
                       .comment = ""};
  Plan recomputed = c.plan;
  recomputed.dwell_times_s = {121.0, 60.0};
  recomputed.engine.engine = "water";
  for (const Plan* other : {&approved, &recomputed}) {
    const dicom::PlanUids u = dicom::plan_uids(*other, c.patient);
    for (const auto& [a, b] : {std::pair{u.rtplan_sop, draft.rtplan_sop},
                               {u.rtstruct_sop, draft.rtstruct_sop},
                               {u.rtplan_series, draft.rtplan_series},
                               {u.rtstruct_series, draft.rtstruct_series},
                               {u.rtdose_series("physical"), draft.rtdose_series("physical")}})
      EXPECT_NE(a, b);
  }
  const std::vector<double> d1{1, 2, 3}, d2{1, 2, 3.5};
  EXPECT_NE(draft.rtdose_sop("physical", d1), draft.rtdose_sop("physical", d2));
  EXPECT_NE(draft.rtdose_sop("physical", d1), draft.rtdose_sop("water", d1));
}

TEST(RtStruct, ChannelIsAnOpenPolylineAndTheTubeIsTheDvhExclusion) {
  Case c;
  TempDir t;
  const double radius = 2.2;  // the applicator's outer radius (data/sources probe model)
  dicom::write_plan_rtstruct(c.patient, c.plan, radius, t.path / "RS.dcm");
  DcmFileFormat f = load(t.path / "RS.dcm");
  DcmDataset& ds = *f.getDataset();
  EXPECT_NE(str(ds, DCM_StructureSetDescription).find("DVH"), std::string::npos);
  const int channel = dicom::channel_roi_number(c.patient, c.plan, 0);
  bool found = false;
  DcmItem* rc = nullptr;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_ROIContourSequence, rc, i).good(); ++i) {
    if (str(*rc, DCM_ReferencedROINumber) != std::to_string(channel)) continue;
    DcmItem* contour = nullptr;
    ASSERT_TRUE(rc->findAndGetSequenceItem(DCM_ContourSequence, contour, 0).good());
    EXPECT_EQ(str(*contour, DCM_ContourGeometricType), "OPEN_NONPLANAR");
    EXPECT_EQ(str(*contour, DCM_ContourData), "30\\50\\0\\0\\0\\0");  // entry, then tip
    found = true;
  }
  EXPECT_TRUE(found);
  DcmItem* obs = nullptr;
  std::map<std::string, std::string> types;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_RTROIObservationsSequence, obs, i).good(); ++i)
    types[str(*obs, DCM_ReferencedROINumber)] = str(*obs, DCM_RTROIInterpretedType);
  EXPECT_EQ(types[std::to_string(channel)], "BRACHY_CHANNEL");
  // Read back, the tube holds exactly the voxels the DVH leaves out (every voxel the applicator
  // touches, plan/applicator_volume.h): all whose centre lies within the radius of the segment,
  // none whose centre lies beyond the radius plus half a voxel diagonal (brute force here).
  PatientModel back = c.patient;
  back.structures.clear();
  dicom::read_rtstruct(t.path / "RS.dcm", back);
  const Structure* tube = back.find("Applicator_left");
  ASSERT_NE(tube, nullptr);
  const auto excluded = applicator_touched(back.grid, c.plan.accesses, radius);
  std::size_t centre_inside = 0, centre_inside_missed = 0, same = 0, too_far = 0;
  const Vec3 e = c.plan.accesses[0].entry_lps, seg = c.plan.accesses[0].tip_lps - e;
  const double half_diagonal = 0.5 * norm(back.grid.spacing());
  for (std::size_t v = 0; v < back.grid.voxel_count(); ++v) {
    const Vec3 x = back.grid.position(back.grid.index3(v));
    const double u = std::clamp(dot(x - e, seg) / dot(seg, seg), 0.0, 1.0);
    const double d = norm(x - (e + seg * u));
    if (d < radius) ++(tube->mask[v] ? centre_inside : centre_inside_missed);
    if (d >= radius + half_diagonal && tube->mask[v]) ++too_far;
    if ((tube->mask[v] != 0) == (excluded[v] != 0)) ++same;
  }
  EXPECT_GT(centre_inside, 0u);
  EXPECT_EQ(centre_inside_missed, 0u);
  EXPECT_EQ(too_far, 0u);
  EXPECT_EQ(same, back.grid.voxel_count());
  EXPECT_GT(tube->voxel_count(), centre_inside);  // the partly covered voxels too
}

TEST(RtDose, DvhSequenceIsKiortsCumulativeDvhInCm3) {
  Case c;
  TempDir t;
  const Grid3 g({3, 3, 3}, {2, 2, 2}, {0, 0, 0});
  dicom::RtDoseOptions o;
  DvhCurve curve{"CTV", 4.0, {0, 1, 2, 3}, {1.0, 0.75, 0.5, 0.0}};
  o.dvhs.push_back({7, curve});
  dicom::write_rtdose(c.patient, c.plan, g, std::vector<double>(27, 1.0), t.path / "D.dcm", o);
  DcmFileFormat f = load(t.path / "D.dcm");
  DcmDataset& ds = *f.getDataset();
  DcmItem* rss = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ReferencedStructureSetSequence, rss, 0).good());
  EXPECT_EQ(str(*rss, DCM_ReferencedSOPInstanceUID),
            dicom::plan_uids(c.plan, c.patient).rtstruct_sop);
  DcmItem* dvh = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_DVHSequence, dvh, 0).good());
  EXPECT_EQ(str(*dvh, DCM_DVHType), "CUMULATIVE");
  EXPECT_EQ(str(*dvh, DCM_DVHVolumeUnits), "CM3");
  EXPECT_EQ(str(*dvh, DCM_DoseUnits), "GY");
  EXPECT_EQ(str(*dvh, DCM_DVHNumberOfBins), "4");
  // Bin width, then the volume receiving at least the bin's lower edge (cm3): 4 x 1.0, 0.75...
  EXPECT_EQ(str(*dvh, DCM_DVHData), "1\\4\\1\\3\\1\\2\\1\\0");
  DcmItem* roi = nullptr;
  ASSERT_TRUE(dvh->findAndGetSequenceItem(DCM_DVHReferencedROISequence, roi, 0).good());
  EXPECT_EQ(str(*roi, DCM_ReferencedROINumber), "7");
}

}  // namespace
}  // namespace kiort

namespace kiort {
namespace {

TEST(CtWriter, FlippedVolumesAreWrittenInStandardAxialOrientation) {
  // A NIfTI volume read into LPS has i along -x and j along -y (RAS storage): direction
  // diag(-1, -1, 1). Re-indexed, every voxel keeps its position and value exactly.
  const Grid3 g({4, 3, 2}, {1.5, 2, 3}, {10, 20, -5},
                Mat3::from_columns({-1, 0, 0}, {0, -1, 0}, {0, 0, 1}));
  const dicom::AxialReorder r = dicom::standard_axial(g);
  ASSERT_EQ(r.source.size(), g.voxel_count());
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(norm(r.grid.direction().column(a) - Mat3::identity().column(a)), 0, 1e-12);
  for (std::size_t v = 0; v < r.source.size(); ++v)
    EXPECT_NEAR(norm(r.grid.position(r.grid.index3(v)) - g.position(g.index3(r.source[v]))), 0,
                1e-9);
  // A permuted grid (i along z) too; an identity grid is left alone.
  const Grid3 p({2, 3, 4}, {3, 2, 1}, {0, 0, 0},
                Mat3::from_columns({0, 0, 1}, {0, 1, 0}, {-1, 0, 0}));
  const dicom::AxialReorder rp = dicom::standard_axial(p);
  EXPECT_EQ(rp.grid.dims(), (std::array<int, 3>{4, 3, 2}));
  EXPECT_NEAR(rp.grid.spacing().x, 1, 1e-12);
  EXPECT_TRUE(dicom::standard_axial(Grid3({2, 2, 2}, {1, 1, 1}, {0, 0, 0})).source.empty());

  PatientModel m;
  m.grid = g;
  m.hu.resize(g.voxel_count());
  for (std::size_t v = 0; v < m.hu.size(); ++v) m.hu[v] = static_cast<std::int16_t>(v);
  m.patient_id = "P1";
  m.study_uid = "1.2.3";
  m.series_uid = "1.2.3.4";
  m.frame_of_reference_uid = "1.2.3.5";
  m.slice_sop_instance_uids = {"1.2.3.6", "1.2.3.7"};
  TempDir t;
  // The writer refuses a flipped grid rather than write rotated images...
  EXPECT_THROW(dicom::write_ct_series(m, t.path), Error);
  // ...and writes the re-indexed one as 1\0\0\0\1\0, DERIVED, without an invented KVP.
  PatientModel s = dicom::to_standard_axial(m);
  EXPECT_TRUE(s.slice_sop_instance_uids.empty());
  s.slice_sop_instance_uids = {"1.2.3.8", "1.2.3.9"};
  const auto files = dicom::write_ct_series(s, t.path);
  ASSERT_EQ(files.size(), 2u);
  DcmFileFormat f = load(files[0]);
  DcmDataset& ds = *f.getDataset();
  EXPECT_EQ(str(ds, DCM_ImageOrientationPatient), "1\\0\\0\\0\\1\\0");
  EXPECT_EQ(str(ds, DCM_ImageType), "DERIVED\\SECONDARY\\AXIAL");
  EXPECT_EQ(str(ds, DCM_KVP), "");
  EXPECT_EQ(str(ds, DCM_PatientSex), "");  // not known: empty, never "O"
  // The first pixel is the voxel at the most right, anterior corner: position (10-4.5, 20-4, -5).
  Float64 x = 0, y = 0;
  ds.findAndGetFloat64(DCM_ImagePositionPatient, x, 0);
  ds.findAndGetFloat64(DCM_ImagePositionPatient, y, 1);
  EXPECT_NEAR(x, 5.5, 1e-9);
  EXPECT_NEAR(y, 16, 1e-9);
  const Uint16* px = nullptr;
  ds.findAndGetUint16Array(DCM_PixelData, px);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(px[0], m.hu[g.linear(Index3{3, 2, 0})]);
}

}  // namespace
}  // namespace kiort
