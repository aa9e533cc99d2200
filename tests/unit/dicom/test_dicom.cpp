// DICOM CT and RTSTRUCT: the phantom round trip (identical CT numbers, geometry and masks), the
// real CT in tests/data (JPEG 2000, UIDs only in the meta header) against its headers, a real
// RTSTRUCT, and the broken inputs the issue names, each made as a broken copy in a temp folder.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "../temp_dir.h"
#include "core/error.h"
#include "dicom/ct_reader.h"
#include "dicom/ct_writer.h"
#include "dicom/rtstruct.h"
#include "patient/phantom.h"

namespace kiort {
namespace {

namespace fs = std::filesystem;
using dicom::read_ct_series;

const fs::path kShared = KIORT_REAL_DATA_DIR;

// A fresh folder of this test (tests/unit/temp_dir.h), removed at its end.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("dicom-test") {}
};

// The coarse (2 mm) phantom written as CT + RTSTRUCT: fast, and enough to test the readers.
const PatientModel& phantom() {
  static const PatientModel p = make_vertebra_phantom({"L1", "lytic", 2.0});
  return p;
}

void write_phantom(const fs::path& dir) {
  dicom::write_ct_series(phantom(), dir);
  dicom::write_rtstruct(phantom(), dir / "RS.dcm");
}

// Edits one attribute of a DICOM file in place (what dcmodify does), to make broken copies.
void modify(const fs::path& file, const DcmTagKey& tag, const std::string& value) {
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(file.c_str()).good());
  ff.loadAllDataIntoMemory();  // DCMTK reads large values lazily; we overwrite the file below
  ASSERT_TRUE(ff.getDataset()->putAndInsertString(tag, value.c_str()).good());
  ASSERT_TRUE(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
}

std::string error_of(const fs::path& dir) {
  try {
    read_ct_series(dir);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    return e.what();
  }
  return "(no error)";
}

bool any_warning_has(const std::vector<std::string>& w, const std::string& what) {
  for (const auto& s : w)
    if (s.find(what) != std::string::npos) return true;
  return false;
}

TEST(DicomCt, PhantomRoundTripIsExact) {
  TempDir t;
  write_phantom(t.path);
  const dicom::CtReadResult r = read_ct_series(t.path);
  const PatientModel& a = phantom();
  const PatientModel& b = r.model;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(b.grid.dims(), a.grid.dims());
  EXPECT_NEAR(norm(b.grid.origin() - a.grid.origin()), 0, 1e-9);
  EXPECT_NEAR(norm(b.grid.spacing() - a.grid.spacing()), 0, 1e-9);
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(norm(b.grid.direction().column(c) - a.grid.direction().column(c)), 0, 1e-12);
  EXPECT_EQ(b.hu, a.hu);  // identical CT numbers
  EXPECT_EQ(b.series_uid, a.series_uid);
  EXPECT_EQ(b.frame_of_reference_uid, a.frame_of_reference_uid);
  EXPECT_EQ(b.slice_sop_instance_uids, a.slice_sop_instance_uids);
  EXPECT_EQ(b.patient_id, "KIORT-PHANTOM");
  ASSERT_EQ(r.rtstruct_files.size(), 1u);

  // Structures: contours along voxel edges rasterise back to the very same masks.
  PatientModel c = b;
  const auto w = dicom::read_rtstruct(r.rtstruct_files[0], c);
  EXPECT_TRUE(w.empty());
  ASSERT_EQ(c.structures.size(), a.structures.size());
  for (std::size_t s = 0; s < a.structures.size(); ++s) {
    EXPECT_EQ(c.structures[s].name, a.structures[s].name);
    EXPECT_EQ(c.structures[s].number, a.structures[s].number);
    EXPECT_EQ(c.structures[s].type, a.structures[s].type);
    EXPECT_EQ(c.structures[s].origin, StructureOrigin::kRtstruct);
    EXPECT_EQ(c.structures[s].mask, a.structures[s].mask) << a.structures[s].name;
  }
  // The same model written twice gives the same bytes (deterministic UIDs, no dates).
  TempDir t2;
  write_phantom(t2.path);
  for (const char* f : {"RS.dcm", "CT_0010.dcm"}) {
    std::ifstream x(t.path / f, std::ios::binary), y(t2.path / f, std::ios::binary);
    const std::string sx((std::istreambuf_iterator<char>(x)), {});
    const std::string sy((std::istreambuf_iterator<char>(y)), {});
    EXPECT_EQ(sx, sy) << f;
  }
}

// tests/data/spine-ct/example_ct_dicom (TotalSegmentator test files, Siemens Biograph40 mCT).
// Header values by `dcmdump` on every file:
//   (0002,0010) UI =JPEG2000LosslessOnly (1.2.840.10008.1.2.4.90)
//   (0008,0016)/(0008,0018) SOPClassUID/SOPInstanceUID: (no value available); the UID is in
//   (0002,0003) MediaStorageSOPInstanceUID,
//   e.g. 1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573 (0020,000e) SeriesInstanceUID: (no
//   value available) (0020,0037) ImageOrientationPatient [1\0\0\0\1\0] (0028,0010)/(0028,0011)
//   Rows/Columns 512/512, (0028,0030) PixelSpacing [0.9765625\0.9765625] (0020,0032)
//   ImagePositionPatient from [-249.51171875\-437.51171875\-766.5] (InstanceNumber 267) to
//   [-249.51171875\-437.51171875\-804.5] (286) in steps of 2 mm; 20 files (0028,1052)
//   RescaleIntercept [-1024], (0028,1053) RescaleSlope [1], (0028,0101) BitsStored 12 (0020,0052)
//   FrameOfReferenceUID [1.3.12.2.1107.5.1.4.60064.30000022120807274275100000041]
TEST(DicomCt, RealJpeg2000SeriesMatchesHeaders) {
  const fs::path dir = kShared / "spine-ct" / "example_ct_dicom";
  const dicom::CtReadResult r = read_ct_series(dir);
  const Grid3& g = r.model.grid;
  EXPECT_EQ(g.dims(), (std::array<int, 3>{512, 512, 20}));
  EXPECT_DOUBLE_EQ(g.spacing().x, 0.9765625);
  EXPECT_DOUBLE_EQ(g.spacing().y, 0.9765625);
  EXPECT_NEAR(g.spacing().z, 2.0, 1e-9);
  // Sorted along the normal (+z), the first slice is the most inferior one (InstanceNumber 286).
  EXPECT_DOUBLE_EQ(g.origin().x, -249.51171875);
  EXPECT_DOUBLE_EQ(g.origin().y, -437.51171875);
  EXPECT_DOUBLE_EQ(g.origin().z, -804.5);
  EXPECT_TRUE(g.axis_aligned());
  EXPECT_EQ(r.model.frame_of_reference_uid,
            "1.3.12.2.1107.5.1.4.60064.30000022120807274275100000041");
  EXPECT_EQ(r.model.slice_sop_instance_uids.back(),
            "1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573");
  EXPECT_TRUE(any_warning_has(r.warnings, "only in the file meta header"));
  EXPECT_TRUE(any_warning_has(r.warnings, "Series Instance UID (0020,000E) is empty"));
  // Study and series UIDs are in neither the data set nor the meta header: derived from the
  // slices' UIDs (the same every time), so kiort's objects can reference the series.
  EXPECT_FALSE(r.model.study_uid.empty());
  EXPECT_FALSE(r.model.series_uid.empty());
  EXPECT_EQ(r.model.study_uid, read_ct_series(dir).model.study_uid);
  EXPECT_TRUE(any_warning_has(r.warnings, "Study Instance UID (0020,000D) is empty"));
  // The CT's patient and study attributes, exactly as dcmdump shows them (the dump beside this
  // test: StudyDate 20221208, StudyTime 000000, IssuerOfPatientID, empty name, ID and sex).
  EXPECT_EQ(r.model.study_date, "20221208");
  EXPECT_EQ(r.model.study_time, "000000");
  EXPECT_EQ(r.model.issuer_of_patient_id, "2.16.756.5.30.1.149.1.2.1.1");
  EXPECT_EQ(r.model.patient_sex, "");
  EXPECT_EQ(r.model.patient_id, "");
  // HU after rescale: 12-bit stored values 0..4095 with intercept -1024; air outside the body
  // is -1024 and the spine reaches well into bone numbers.
  // Every slice against its own header: spine-ct-example_ct_dicom.dcmdump.txt beside this test
  // holds each file's MediaStorageSOPInstanceUID and ImagePositionPatient as dcmdump prints them.
  std::ifstream dump(fs::path(KIORT_TEST_SOURCE_DIR) / "spine-ct-example_ct_dicom.dcmdump.txt");
  ASSERT_TRUE(dump) << "dcmdump file beside the test";
  std::map<std::string, Vec3> position_of;
  std::string line, uid;
  while (std::getline(dump, line)) {
    const auto open = line.find('['), close = line.find(']');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string value = line.substr(open + 1, close - open - 1);
    if (line.rfind("(0002,0003)", 0) == 0) uid = value;
    if (line.rfind("(0020,0032)", 0) == 0) {
      Vec3 p;
      std::sscanf(value.c_str(), "%lf\\%lf\\%lf", &p.x, &p.y, &p.z);
      position_of[uid] = p;
    }
  }
  ASSERT_EQ(position_of.size(), 20u);
  for (int k = 0; k < 20; ++k) {
    const std::string& sop = r.model.slice_sop_instance_uids[static_cast<std::size_t>(k)];
    ASSERT_TRUE(position_of.count(sop)) << sop;
    EXPECT_NEAR(norm(g.position(Index3{0, 0, k}) - position_of[sop]), 0, 1e-9) << sop;
  }
  const auto [lo, hi] = std::minmax_element(r.model.hu.begin(), r.model.hu.end());
  EXPECT_EQ(*lo, -1024);
  EXPECT_GT(*hi, 1000);
  EXPECT_LE(*hi, 4095 - 1024);
}

// tests/data/dicom-rt/dicompyler-core: ct.0.dcm is one CT slice of the plan's series;
// rtss.dcm holds 10 ROIs on the same Frame of Reference (dcmdump +P 0020,0052 on both files:
// [2.16.840.1.113662.2.12.0.3057.1241703565.36]).
TEST(CtRtstruct, RealStructureSetLoads) {
  TempDir t;
  const fs::path src = kShared / "dicom-rt" / "dicompyler-core";
  fs::copy_file(src / "ct.0.dcm", t.path / "ct.0.dcm");
  fs::copy_file(src / "rtss.dcm", t.path / "rtss.dcm");
  const dicom::CtReadResult r = read_ct_series(t.path);
  ASSERT_EQ(r.rtstruct_files.size(), 1u);
  PatientModel m = r.model;
  const auto w = dicom::read_rtstruct(r.rtstruct_files[0], m);
  EXPECT_EQ(m.frame_of_reference_uid, "2.16.840.1.113662.2.12.0.3057.1241703565.36");
  EXPECT_EQ(m.structures.size(), 10u);
  // Only one CT slice is present, so most contours lie outside it: said, not hidden.
  EXPECT_FALSE(w.empty());
}

// Compressed syntaxes other than the real data's JPEG 2000: slices of the phantom compressed by
// DCMTK's own tools (RLE on some, JPEG-LS lossless on others; a series may mix syntaxes) read
// back with identical CT numbers. A few slices only: each tool run is a process.
TEST(DicomCt, RleAndJpegLsReadBackExactly) {
  for (const char* tool : {"dcmcrle", "dcmcjpls"})
    if (std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) != 0)
      GTEST_SKIP() << tool << " (package dcmtk) not installed";
  TempDir t;
  dicom::write_ct_series(phantom(), t.path);
  const std::pair<const char*, const char*> jobs[] = {{"dcmcrle", "CT_0010.dcm"},
                                                      {"dcmcrle", "CT_0028.dcm"},
                                                      {"dcmcjpls", "CT_0029.dcm"},
                                                      {"dcmcjpls", "CT_0040.dcm"}};
  for (const auto& [tool, name] : jobs) {
    const std::string f = (t.path / name).string();
    ASSERT_EQ(std::system(
                  (std::string(tool) + " '" + f + "' '" + f + ".c' && mv '" + f + ".c' '" + f + "'")
                      .c_str()),
              0);
  }
  const auto r = read_ct_series(t.path);
  EXPECT_EQ(r.model.hu, phantom().hu);
}

// A syntax nothing here decodes (MPEG-2 video) is refused with its UID named.
TEST(DicomCtBroken, UndecodableTransferSyntaxIsNamed) {
  TempDir t;
  dicom::write_ct_series(phantom(), t.path);
  const fs::path f = t.path / "CT_0001.dcm";
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(f.c_str()).good());
  ff.loadAllDataIntoMemory();
  auto* seq = new DcmPixelSequence(DCM_PixelSequenceTag);
  seq->insert(new DcmPixelItem(DCM_PixelItemTag));  // empty basic offset table
  auto* frag = new DcmPixelItem(DCM_PixelItemTag);
  const Uint8 junk[8] = {0, 0, 1, 0xB3, 1, 2, 3, 4};
  frag->putUint8Array(junk, 8);
  seq->insert(frag);
  auto* px = new DcmPixelData(DCM_PixelData);
  px->putOriginalRepresentation(EXS_MPEG2MainProfileAtMainLevel, nullptr, seq);
  ASSERT_TRUE(ff.getDataset()->insert(px, true).good());
  ASSERT_TRUE(ff.saveFile((t.path / "mpeg.dcm").c_str(), EXS_MPEG2MainProfileAtMainLevel).good());
  const fs::path one = t.path / "one";
  fs::create_directories(one);
  fs::rename(t.path / "mpeg.dcm", one / "mpeg.dcm");
  const std::string e = error_of(one);
  EXPECT_NE(e.find("1.2.840.10008.1.2.4.100"), std::string::npos) << e;
  EXPECT_NE(e.find("mpeg.dcm"), std::string::npos) << e;
}

// tests/data/dicom-rt/pydicom/CT_small.dcm, dcmdump:
//   (0020,0032) ImagePositionPatient [-158.135803\-179.035797\-75.699997]
//   (0020,0037) [1\0\0\0\1\0], (0028,0030) PixelSpacing [0.661468\0.661468], Rows/Columns 128/128
//   (0018,0050) SliceThickness [5.000000], (0028,0103) PixelRepresentation 1, BitsStored 16
//   (0028,1052) RescaleIntercept [-1024], (0028,1053) RescaleSlope [1], (0010,0020) PatientID
//   [1CT1] (0020,000e) [1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322] (0020,0052)
//   [1.3.6.1.4.1.5962.1.4.1.1.20040119072730.12322]
// rtstruct.dcm (no preamble, no meta header): ROIs 1 "patient", 2 "Isocenter 1", 3 "Isocenter 2"
// on Frame of Reference [1.2.826.0.1.3680043.8.498.2010020400001.2] (another patient).
TEST(DicomCt, RealSingleFileAndHeaderlessRtstruct) {
  const fs::path dir = kShared / "dicom-rt" / "pydicom";
  auto r = read_ct_series(dir / "CT_small.dcm");
  const Grid3& g = r.model.grid;
  EXPECT_EQ(g.dims(), (std::array<int, 3>{128, 128, 1}));
  EXPECT_DOUBLE_EQ(g.spacing().x, 0.661468);
  EXPECT_DOUBLE_EQ(g.spacing().y, 0.661468);
  EXPECT_DOUBLE_EQ(g.spacing().z, 5.0);
  EXPECT_DOUBLE_EQ(g.origin().x, -158.135803);
  EXPECT_DOUBLE_EQ(g.origin().y, -179.035797);
  EXPECT_DOUBLE_EQ(g.origin().z, -75.699997);
  EXPECT_EQ(r.model.patient_id, "1CT1");
  EXPECT_EQ(r.model.series_uid, "1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322");
  EXPECT_EQ(r.model.frame_of_reference_uid, "1.3.6.1.4.1.5962.1.4.1.1.20040119072730.12322");
  EXPECT_TRUE(any_warning_has(r.warnings, "a single slice"));
  // The structure set belongs to another patient's frame: refused on this CT...
  EXPECT_THROW(dicom::read_rtstruct(dir / "rtstruct.dcm", r.model), Error);
  // ...and read (names, numbers) onto a model without a frame of reference.
  r.model.frame_of_reference_uid.clear();
  const auto w = dicom::read_rtstruct(dir / "rtstruct.dcm", r.model);
  ASSERT_EQ(r.model.structures.size(), 3u);
  EXPECT_EQ(r.model.structures[0].name, "patient");
  EXPECT_EQ(r.model.structures[1].name, "Isocenter 1");
  EXPECT_EQ(r.model.structures[2].number, 3);
  EXPECT_TRUE(any_warning_has(w, "not CLOSED_PLANAR"));  // the isocentres are POINT contours
}

TEST(DicomCtBroken, MissingSliceIsAnError) {
  TempDir t;
  write_phantom(t.path);
  fs::remove(t.path / "CT_0020.dcm");
  const std::string e = error_of(t.path);
  EXPECT_NE(e.find("missing slice"), std::string::npos) << e;
  EXPECT_NE(e.find("CT_0019.dcm"), std::string::npos) << e;
}

TEST(DicomCtBroken, NonDicomFileIsAWarning) {
  TempDir t;
  write_phantom(t.path);
  std::ofstream(t.path / "notes.txt") << "scanned on Tuesday\n";
  const dicom::CtReadResult r = read_ct_series(t.path);
  EXPECT_TRUE(any_warning_has(r.warnings, "notes.txt: not a DICOM file"));
  EXPECT_EQ(r.model.hu, phantom().hu);
}

TEST(DicomCtBroken, TruncatedFileIsAnError) {
  TempDir t;
  write_phantom(t.path);
  const fs::path f = t.path / "CT_0007.dcm";
  fs::resize_file(f, fs::file_size(f) / 2);
  const std::string e = error_of(t.path);
  EXPECT_NE(e.find("CT_0007.dcm"), std::string::npos) << e;
}

TEST(DicomCtBroken, MixedSeriesNeedsAChoice) {
  TempDir t;
  write_phantom(t.path);
  modify(t.path / "CT_0003.dcm", DCM_SeriesInstanceUID, "1.2.3.4.5");
  const std::string e = error_of(t.path);
  EXPECT_NE(e.find("several CT series"), std::string::npos) << e;
  EXPECT_NE(e.find("1.2.3.4.5 (1 files, e.g. CT_0003.dcm)"), std::string::npos) << e;
  // Choosing the one-slice series works (with a warning); the big one lacks a slice.
  const auto one = read_ct_series(t.path, std::string("1.2.3.4.5"));
  EXPECT_EQ(one.model.grid.dims()[2], 1);
  try {
    read_ct_series(t.path, phantom().series_uid);
    ADD_FAILURE() << "a series with a slice missing was read";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("missing slice"), std::string::npos);
  }
}

TEST(DicomCtBroken, DuplicatedTiltedAndInconsistentSlices) {
  {
    TempDir t;
    write_phantom(t.path);
    fs::copy_file(t.path / "CT_0005.dcm", t.path / "CT_0005_copy.dcm");
    // The very same instance twice: safe to drop, a warning.
    const auto r = read_ct_series(t.path);
    EXPECT_TRUE(any_warning_has(r.warnings, "duplicate file ignored"));
    // Another instance at the same position: the volume would be ambiguous, an error.
    modify(t.path / "CT_0005_copy.dcm", DCM_SOPInstanceUID, "1.2.3.4.6");
    EXPECT_NE(error_of(t.path).find("duplicated slice position"), std::string::npos);
  }
  {
    TempDir t;
    write_phantom(t.path);
    // Gantry tilt: every slice steps 1 mm in y besides its 2 mm in z.
    const Grid3& g = phantom().grid;
    for (int k = 0; k < g.dims()[2]; ++k) {
      char name[32];
      std::snprintf(name, sizeof name, "CT_%04d.dcm", k + 1);
      const Vec3 p = g.position(Index3{0, 0, k});
      modify(
          t.path / name, DCM_ImagePositionPatient,
          std::to_string(p.x) + "\\" + std::to_string(p.y + 1.0 * k) + "\\" + std::to_string(p.z));
    }
    EXPECT_NE(error_of(t.path).find("gantry tilt"), std::string::npos);
  }
  {
    TempDir t;
    write_phantom(t.path);
    modify(t.path / "CT_0011.dcm", DCM_PixelSpacing, "2.5\\2.5");
    const std::string e = error_of(t.path);
    EXPECT_NE(e.find("pixel spacing differs"), std::string::npos) << e;
    EXPECT_NE(e.find("CT_0011.dcm"), std::string::npos) << e;
  }
  {
    TempDir t;
    write_phantom(t.path);
    modify(t.path / "CT_0012.dcm", DCM_ImageOrientationPatient, "1\\0\\0\\0\\0.8\\-0.6");
    EXPECT_NE(error_of(t.path).find("orientation differs"), std::string::npos);
  }
}

TEST(DicomCtBroken, NonCtModality) {
  TempDir t;
  write_phantom(t.path);
  const fs::path one = t.path / "single";
  fs::create_directories(one);
  fs::copy_file(t.path / "CT_0001.dcm", one / "MR.dcm");
  modify(one / "MR.dcm", DCM_Modality, "MR");
  const std::string e = error_of(one);
  EXPECT_NE(e.find("not a CT image"), std::string::npos) << e;
  EXPECT_NE(e.find("MR"), std::string::npos) << e;
  // Beside a CT series, an MR file is skipped with a warning.
  fs::copy_file(one / "MR.dcm", t.path / "zz_MR.dcm");
  modify(t.path / "zz_MR.dcm", DCM_SeriesInstanceUID, "1.2.3.4.7");
  const auto r = read_ct_series(t.path);
  EXPECT_TRUE(any_warning_has(r.warnings, "modality MR skipped"));
}

TEST(CtRtstructBroken, OtherFrameOfReferenceIsRefused) {
  TempDir t;
  write_phantom(t.path);
  modify(t.path / "RS.dcm", DCM_FrameOfReferenceUID, "1.2.3.4.8");
  // The ROI sequence still names the CT's frame; change the structure set's reference too.
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile((t.path / "RS.dcm").c_str()).good());
  ff.loadAllDataIntoMemory();
  DcmItem* item = nullptr;
  ASSERT_TRUE(ff.getDataset()
                  ->findAndGetSequenceItem(DCM_ReferencedFrameOfReferenceSequence, item, 0)
                  .good());
  item->putAndInsertString(DCM_FrameOfReferenceUID, "1.2.3.4.8");
  ASSERT_TRUE(ff.saveFile((t.path / "RS.dcm").c_str(), EXS_LittleEndianExplicit).good());
  auto r = read_ct_series(t.path);
  try {
    dicom::read_rtstruct(r.rtstruct_files.at(0), r.model);
    ADD_FAILURE() << "RTSTRUCT on another frame of reference was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("1.2.3.4.8"), std::string::npos);
  }
  // The override: every contour of kiort's phantom structure set names a slice of this CT, so it
  // is read, with a warning that the model carries into its outputs.
  PatientModel m = r.model;
  m.structures.clear();
  const auto w = dicom::read_rtstruct(r.rtstruct_files.at(0), m, true);
  EXPECT_TRUE(any_warning_has(w, "--accept-other-frame"));
  ASSERT_EQ(m.output_warnings.size(), 1u);
  EXPECT_NE(m.output_warnings[0].find("1.2.3.4.8"), std::string::npos);
  ASSERT_NE(m.find("CTV"), nullptr);
  EXPECT_EQ(m.find("CTV")->mask, phantom().find("CTV")->mask);
  // ...but not when a contour names an image that is not this CT's.
  PatientModel other = r.model;
  other.slice_sop_instance_uids[3] = "1.2.3.999";
  EXPECT_THROW(dicom::read_rtstruct(r.rtstruct_files.at(0), other, true), Error);
}

TEST(CtRtstruct, OpenPolylineIsANeedleNotAVolume) {
  // A structure set with a needle as an open polyline (as planning systems store catheters),
  // written by kiort's own writer on the phantom CT.
  TempDir t;
  write_phantom(t.path);
  auto r = read_ct_series(t.path);
  dicom::RtstructOptions o;
  dicom::PolylineRoi needle;
  needle.name = "Needle1";
  needle.points_lps = {{30, 50, 0}, {15, 25, 0.5}, {0, 0, 1}};
  o.lines.push_back(needle);
  PatientModel bare = r.model;
  bare.structures.clear();
  dicom::write_rtstruct(bare, t.path / "needle.dcm", o);
  const auto pts = dicom::read_rtstruct_polyline(t.path / "needle.dcm", "Needle1", r.model);
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_NEAR(norm(pts[2] - Vec3{0, 0, 1}), 0, 1e-9);
  // Reading it as structures: no mask, a warning pointing at --applicator-from.
  PatientModel m = r.model;
  const auto w = dicom::read_rtstruct(t.path / "needle.dcm", m);
  EXPECT_TRUE(any_warning_has(w, "--applicator-from"));
  // Wrong names and closed ROIs are refused with the file named.
  EXPECT_THROW(dicom::read_rtstruct_polyline(t.path / "needle.dcm", "Nope", r.model), Error);
  EXPECT_THROW(dicom::read_rtstruct_polyline(r.rtstruct_files.at(0), "CTV", r.model), Error);
}

// Issue 18: slices the reader accepted silently (or, for Rows = Columns = 65535 in a 36 KB file,
// allocated 8 GB for before looking at the pixel data). Each is pydicom's CT_small.dcm with one
// attribute changed (tests/fuzz/regressions/dicom_ct, made with dcmodify); each is refused with
// the file, the tag and the value.
TEST(DicomCtBroken, AttributesOutOfRangeAreRefused) {
  const fs::path dir = fs::path(KIORT_REGRESSION_DIR) / "dicom_ct";
  const std::map<std::string, std::string> cases = {
      {"rows_65535.dcm", "(0028,0010)"},       {"slope_nan.dcm", "(0028,1053)"},
      {"slope_zero.dcm", "(0028,1053)"},       {"slope_1e30.dcm", "(0028,1053)"},
      {"bits_allocated_8.dcm", "(7FE0,0010)"}, {"frames_5.dcm", "(0028,0008)"},
      {"thickness_0.dcm", "(0018,0050)"},      {"thickness_negative.dcm", "(0018,0050)"},
      {"other_patient", "(0010,0020)"}};
  for (const auto& [name, tag] : cases) {
    try {
      read_ct_series(dir / name);
      ADD_FAILURE() << name << " was read";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << name;
      EXPECT_NE(e.file().find(name), std::string::npos) << e.what();
      EXPECT_EQ(e.field().rfind(tag, 0), 0u) << e.what();
    }
  }
  // The unmodified slice still reads.
  EXPECT_EQ(read_ct_series(kShared / "dicom-rt/pydicom/CT_small.dcm").model.grid.dims()[0], 128);
}

}  // namespace
}  // namespace kiort
