// The plan's DICOM RT writers read back with DCMTK: RT Dose tags, scaling and values (within
// 0.1 % of each voxel's dose), references to the CT's Frame of Reference and to the RT Plan;
// the plan's RTSTRUCT (applicator and dwell markers); the brachy RT Plan's channels, dwell
// pairs and cumulative times; refusals that leave no file.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include "core/error.h"
#include "dicom/rt_export.h"
#include "patient/phantom.h"

namespace kiort {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("kiort-rtexport-test-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
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
  EXPECT_EQ(str(ds, DCM_SOPInstanceUID), uids.rtdose_sop("physical"));
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
            dicom::plan_uids(c.plan, c.patient).rtdose_sop("physical"));
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
  dicom::write_plan_rtstruct(c.patient, c.plan, t.path / "RS.dcm");
  DcmFileFormat f = load(t.path / "RS.dcm");
  DcmDataset& ds = *f.getDataset();
  EXPECT_EQ(str(ds, DCM_SOPInstanceUID), dicom::plan_uids(c.plan, c.patient).rtstruct_sop);
  EXPECT_EQ(str(ds, DCM_FrameOfReferenceUID), c.patient.frame_of_reference_uid);
  std::vector<std::string> names;
  DcmItem* roi = nullptr;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_StructureSetROISequence, roi, i).good(); ++i)
    names.push_back(str(*roi, DCM_ROIName));
  EXPECT_EQ(names.size(), c.patient.structures.size() + 3);
  EXPECT_NE(std::find(names.begin(), names.end(), "Applicator_left"), names.end());
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
  const char* weights[] = {"0", "120.5", "120.5", "180.5"};
  const auto dwells = c.plan.accesses[0].dwell_positions();
  for (int i = 0; i < 4; ++i) {
    DcmItem* cp = nullptr;
    ASSERT_TRUE(ch->findAndGetSequenceItem(DCM_BrachyControlPointSequence, cp, i).good());
    EXPECT_EQ(str(*cp, DCM_CumulativeTimeWeight), weights[i]);
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

}  // namespace
}  // namespace kiort
