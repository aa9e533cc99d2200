// NIfTI/NRRD volumes and label maps: the real TotalSegmentator CT and labels in tests/data
// against their headers, the derived spinal canal on L1, a NRRD round trip through core's writer,
// name tables, and broken inputs (truncated file, label map on another grid).
#include <gtest/gtest.h>

#include <zlib.h>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.h"
#include "core/nrrd.h"
#include "patient/volume_io.h"

namespace kiort {
namespace {

namespace fs = std::filesystem;
const fs::path kSpine = fs::path(KIORT_REAL_DATA_DIR) / "spine-ct";

struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("kiort-volume-test-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

Vec3 centroid(const Grid3& g, const std::vector<std::uint8_t>& mask) {
  Vec3 s;
  double n = 0;
  for (std::size_t v = 0; v < mask.size(); ++v)
    if (mask[v]) {
      s += g.position(g.index3(v));
      n += 1;
    }
  return s / n;
}

// tests/data/spine-ct/example_ct.nii.gz, NIfTI-1 header (read with Python's struct module):
//   dim = [3, 122, 101, 112], datatype 8 (int32), pixdim[1..3] = 3, 3, 3, vox_offset 352,
//   scl_slope 1, scl_inter 0, qform_code 0, sform_code 2,
//   srow_x = [3, 0, 0, -177.95632934570312], srow_y = [0, 3, 0, 11.319000244140625],
//   srow_z = [0, 0, 3, 94.3017578125]   (RAS)
// In LPS the i axis runs to the patient's right (-x) and j anteriorly (-y).
TEST(CtVolumeIo, RealNiftiGeometryFromSform) {
  const PatientModel m = read_volume(kSpine / "example_ct.nii.gz");
  const Grid3& g = m.grid;
  EXPECT_EQ(g.dims(), (std::array<int, 3>{122, 101, 112}));
  EXPECT_NEAR(g.spacing().x, 3.0, 1e-6);
  EXPECT_NEAR(g.spacing().z, 3.0, 1e-6);
  EXPECT_NEAR(g.origin().x, 177.95632934570312, 1e-5);
  EXPECT_NEAR(g.origin().y, -11.319000244140625, 1e-5);
  EXPECT_NEAR(g.origin().z, 94.3017578125, 1e-5);
  EXPECT_NEAR(g.direction().column(0).x, -1.0, 1e-12);
  EXPECT_NEAR(g.direction().column(1).y, -1.0, 1e-12);
  EXPECT_NEAR(g.direction().column(2).z, 1.0, 1e-12);
  const auto [lo, hi] = std::minmax_element(m.hu.begin(), m.hu.end());
  EXPECT_LT(*lo, -900);                 // air
  EXPECT_GT(*hi, 1000);                 // bone
  EXPECT_EQ(m.media_names.size(), 6u);  // the default calibration's bins
}

TEST(CtVolumeIo, TotalSegmentatorLabelsAndDerivedCanal) {
  PatientModel m = read_volume(kSpine / "example_ct.nii.gz");
  const auto w = add_label_map(m, kSpine / "totalseg.nii.gz");
  EXPECT_TRUE(w.empty());
  // README: 26 S1, 27 L5, 28 L4, 29 L3, 30 L2, 31 L1, 32 T12, 33 T11; named from the built-in
  // table.
  ASSERT_EQ(m.structures.size(), 8u);
  const Structure* l1 = m.find("vertebrae_L1");
  ASSERT_NE(l1, nullptr);
  EXPECT_EQ(l1->number, 31);
  EXPECT_EQ(l1->origin, StructureOrigin::kLabelMap);

  // The L1 body alone (label 20 of the refined body map, named by a sidecar table here).
  TempDir t;
  std::ofstream(t.path / "names.csv") << "label,name\n19,body_T12\n20,body_L1\n";
  PatientModel b = read_volume(kSpine / "example_ct.nii.gz");
  add_label_map(b, kSpine / "totalseg_vertebrae_pp_refined.nii.gz", t.path / "names.csv");
  const Structure* body = b.find("body_L1");
  ASSERT_NE(body, nullptr);
  // spine_report.json (TotalSegmentator): "vertebrae_L1_volume_ml": 35.61 for this body.
  EXPECT_NEAR(b.volume_cc(*body), 35.61, 0.05 * 35.61);

  const Structure canal = derive_spinal_canal(m.grid, l1->mask);
  EXPECT_EQ(canal.name, "SpinalCanal (derived)");
  EXPECT_EQ(canal.origin, StructureOrigin::kDerived);
  const double cc = m.volume_cc(canal);
  // An adult L1 canal is about 3 cm2 in cross-section (Panjabi 1992: width ~22 mm, depth
  // ~18 mm) over the 3-5 cm the vertebra's label spans; 3 mm voxels add their boundary layer.
  EXPECT_GT(cc, 2.0);
  EXPECT_LT(cc, 15.0);
  const Vec3 c_canal = centroid(m.grid, canal.mask);
  const Vec3 c_body = centroid(b.grid, body->mask);
  EXPECT_GT(c_canal.y - c_body.y, 10.0);            // posterior (+y in LPS) to the body
  EXPECT_LT(std::abs(c_canal.x - c_body.x), 10.0);  // on its midline
  EXPECT_LT(std::abs(c_canal.z - c_body.z), 20.0);  // at its level
  for (std::size_t v = 0; v < canal.mask.size(); ++v)
    if (canal.mask[v]) {
      ASSERT_FALSE(l1->mask[v]) << "canal inside bone";
    }
}

// tests/data/spine-ct/example_seg_dicom.nii.gz (labels on the DICOM CT's voxels), header:
//   dim [3, 512, 512, 20], sform_code 2, srow_x = [-0.9765625, 0, 0, 249.51171875],
//   srow_y = [0, 0.9765625, 0, -61.51171875], srow_z = [0, 0, 2, -804.5] (RAS)
// In LPS its j axis runs -y from y = 61.51 while the DICOM rows run +y from -437.51 (the
// README's "row axis runs opposite"): the same voxels, mapped one by one.
TEST(CtVolumeIo, LabelMapWithFlippedRowsOnTheDicomGrid) {
  PatientModel m;
  m.grid =
      Grid3({512, 512, 20}, {0.9765625, 0.9765625, 2.0}, {-249.51171875, -437.51171875, -804.5});
  const Volume seg = read_volume_data(kSpine / "example_seg_dicom.nii.gz");
  EXPECT_NEAR(seg.grid.origin().y, 61.51171875, 1e-5);
  EXPECT_NEAR(seg.grid.direction().column(1).y, -1.0, 1e-12);
  const auto w = add_label_map(m, kSpine / "example_seg_dicom.nii.gz");
  ASSERT_FALSE(w.empty());
  EXPECT_NE(w.front().find("mapped voxel by voxel"), std::string::npos);
  const Structure* t12 = m.find("vertebrae_T12");
  ASSERT_NE(t12, nullptr);
  // The mapping keeps each label at its position: T12's centroid is the same in both grids.
  Vec3 in_seg;
  double n = 0;
  for (std::size_t v = 0; v < seg.values.size(); ++v)
    if (seg.values[v] == 32) {
      in_seg += seg.grid.position(seg.grid.index3(v));
      n += 1;
    }
  EXPECT_EQ(static_cast<double>(t12->voxel_count()), n);
  EXPECT_NEAR(norm(centroid(m.grid, t12->mask) - in_seg / n), 0, 1e-6);
}

TEST(CtVolumeIo, NrrdRoundTripAndRas) {
  TempDir t;
  const Grid3 g({4, 3, 2}, {0.5, 0.75, 2.0}, {10, -20, 30},
                Mat3::from_columns({0, 1, 0}, {-1, 0, 0}, {0, 0, 1}));
  std::vector<double> values(g.voxel_count());
  for (std::size_t v = 0; v < values.size(); ++v) values[v] = static_cast<double>(v) - 5;
  write_nrrd(t.path / "v.nrrd", g, values, "test", "HU");
  const Volume v = read_volume_data(t.path / "v.nrrd");
  EXPECT_EQ(v.grid.dims(), g.dims());
  EXPECT_NEAR(norm(v.grid.origin() - g.origin()), 0, 1e-9);
  EXPECT_NEAR(norm(v.grid.spacing() - g.spacing()), 0, 1e-9);
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(norm(v.grid.direction().column(c) - g.direction().column(c)), 0, 1e-9);
  EXPECT_EQ(v.values, values);
  // Issue 17: warnings every output must carry (--accept-other-frame) are header comments, one
  // line each, and the file reads back unchanged.
  write_nrrd(t.path / "w.nrrd", g, values, "test", "Gy",
             {"structure set on another Frame of Reference\nread by override", "second"});
  std::ifstream wf(t.path / "w.nrrd", std::ios::binary);
  std::string header, line;
  while (std::getline(wf, line) && !line.empty()) header += line + "\n";
  EXPECT_NE(header.find("\n# WARNING: structure set on another Frame of Reference read by "
                        "override\n# WARNING: second\n"),
            std::string::npos)
      << header;
  EXPECT_EQ(read_volume_data(t.path / "w.nrrd").values, values);
  // The same volume declared in RAS: x and y of origin and directions change sign.
  std::ofstream(t.path / "ras.nhdr") << "NRRD0004\ntype: short\ndimension: 3\n"
                                        "space: right-anterior-superior\nsizes: 2 2 1\n"
                                        "space directions: (1,0,0) (0,1,0) (0,0,3)\n"
                                        "space origin: (5,6,7)\nendian: little\nencoding: raw\n"
                                        "data file: ras.raw\n";
  const std::int16_t raw[4] = {1, 2, 3, 4};
  std::ofstream(t.path / "ras.raw", std::ios::binary)
      .write(reinterpret_cast<const char*>(raw), sizeof raw);
  const Volume r = read_volume_data(t.path / "ras.nhdr");
  EXPECT_NEAR(norm(r.grid.origin() - Vec3{-5, -6, 7}), 0, 1e-12);
  EXPECT_NEAR(r.grid.direction().column(0).x, -1, 1e-12);
  EXPECT_EQ(r.values, (std::vector<double>{1, 2, 3, 4}));
}

// A NIfTI-1 with only a qform (as some converters write): a quaternion for 90 degrees about z,
// qfac -1. Expected axes worked by hand from the NIfTI-1 standard's formula (nifti1.h, "METHOD
// 2"): b = c = 0, d = sin(45 deg), a = cos(45 deg) -> R = [[0,-1,0],[1,0,0],[0,0,1]];
// columns scaled by pixdim (2, 3, qfac*4): i -> (0, 2, 0), j -> (-3, 0, 0), k -> (0, 0, -4) in RAS,
// so in LPS i -> (0, -2, 0), j -> (3, 0, 0), k -> (0, 0, -4); origin RAS (10, 20, 30) -> LPS
// (-10, -20, 30).
TEST(CtVolumeIo, NiftiQformOnly) {
  TempDir t;
  std::string h(352, '\0');
  auto put16 = [&](std::size_t o, std::int16_t v) { std::memcpy(&h[o], &v, 2); };
  auto put32 = [&](std::size_t o, std::int32_t v) { std::memcpy(&h[o], &v, 4); };
  auto putf = [&](std::size_t o, float v) { std::memcpy(&h[o], &v, 4); };
  put32(0, 348);
  const std::int16_t dim[8] = {3, 2, 2, 2, 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) put16(40 + 2 * static_cast<std::size_t>(i), dim[i]);
  put16(70, 4);  // int16
  put16(72, 16);
  const float pixdim[8] = {-1, 2, 3, 4, 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) putf(76 + 4 * static_cast<std::size_t>(i), pixdim[i]);
  putf(108, 352);
  put16(252, 1);                                  // qform_code
  put16(254, 0);                                  // sform_code
  putf(264, static_cast<float>(std::sqrt(0.5)));  // quatern_d
  putf(268, 10);
  putf(272, 20);
  putf(276, 30);
  std::memcpy(&h[344], "n+1\0", 4);
  for (std::int16_t v = 0; v < 8; ++v) h.append(reinterpret_cast<const char*>(&v), 2);
  std::ofstream(t.path / "q.nii", std::ios::binary) << h;
  const Volume v = read_volume_data(t.path / "q.nii");
  EXPECT_NEAR(norm(v.grid.direction().column(0) - Vec3{0, -1, 0}), 0, 1e-6);
  EXPECT_NEAR(norm(v.grid.direction().column(1) - Vec3{1, 0, 0}), 0, 1e-6);
  EXPECT_NEAR(norm(v.grid.direction().column(2) - Vec3{0, 0, -1}), 0, 1e-6);
  EXPECT_NEAR(norm(v.grid.spacing() - Vec3{2, 3, 4}), 0, 1e-6);
  EXPECT_NEAR(norm(v.grid.origin() - Vec3{-10, -20, 30}), 0, 1e-5);
  EXPECT_EQ(v.values, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(CtVolumeIo, NrrdGzipEncoding) {
  TempDir t;
  const std::int16_t raw[8] = {-1000, 0, 40, 1500, 7, 8, 9, 10};
  uLongf len = compressBound(sizeof raw);
  std::string z(len, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(z.data()), &len, reinterpret_cast<const Bytef*>(raw),
                      sizeof raw, 6),
            Z_OK);
  z.resize(len);
  std::ofstream(t.path / "g.nrrd", std::ios::binary)
      << "NRRD0004\ntype: int16\ndimension: 3\nspace: left-posterior-superior\nsizes: 2 2 2\n"
         "space directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\nendian: little\n"
         "encoding: gzip\n\n"
      << z;
  const Volume v = read_volume_data(t.path / "g.nrrd");
  EXPECT_EQ(v.values, (std::vector<double>{-1000, 0, 40, 1500, 7, 8, 9, 10}));
}

TEST(CtVolumeIo, BrokenInputs) {
  TempDir t;
  // A truncated NIfTI: the header promises more voxels than the file holds.
  {
    std::ifstream in(kSpine / "totalseg.nii.gz", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    bytes.resize(bytes.size() / 2);
    std::ofstream(t.path / "cut.nii.gz", std::ios::binary) << bytes;
    try {
      read_volume_data(t.path / "cut.nii.gz");
      ADD_FAILURE() << "truncated NIfTI read";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_NE(std::string(e.what()).find("cut.nii.gz"), std::string::npos);
    }
  }
  // A label map on another grid is refused, not resampled silently.
  {
    const Grid3 g({4, 3, 2}, {1, 1, 1}, {0, 0, 0});
    write_nrrd(t.path / "labels.nrrd", g, std::vector<double>(g.voxel_count(), 1), "l", "");
    PatientModel m = read_volume(kSpine / "example_ct.nii.gz");
    EXPECT_THROW(add_label_map(m, t.path / "labels.nrrd"), Error);
  }
  // Not a volume at all.
  std::ofstream(t.path / "x.nrrd") << "hello\n";
  EXPECT_THROW(read_volume_data(t.path / "x.nrrd"), Error);
}

TEST(CtVolumeIo, NameTables) {
  TempDir t;
  std::ofstream(t.path / "a.json") << R"({"1": "liver", "2": "spleen"})";
  std::ofstream(t.path / "b.tsv") << "# comment\n1\tliver\n2\tspleen\n";
  for (const char* f : {"a.json", "b.tsv"}) {
    const auto n = read_label_names(t.path / f);
    ASSERT_EQ(n.size(), 2u) << f;
    EXPECT_EQ(n[1].label, 2);
    EXPECT_EQ(n[1].name, "spleen");
  }
  const auto ts = totalsegmentator_vertebra_names();
  EXPECT_EQ(ts.front().label, 26);
  EXPECT_EQ(ts.front().name, "vertebrae_S1");
  EXPECT_EQ(ts[5].label, 31);
  EXPECT_EQ(ts[5].name, "vertebrae_L1");
  EXPECT_EQ(ts[7].label, 33);
  EXPECT_EQ(ts[7].name, "vertebrae_T11");
}

// Issue 18's defects, each with its minimal input in tests/fuzz/regressions (also the fuzz
// targets' seeds). Before the fix: a negative vox_offset over-read the heap (ASan) and gave wrong
// HU with exit 0; a malformed "space origin" became (0,0,0); a fractional dimension or
// overflowing sizes threw std::invalid_argument (exit 1); byte skip and line skip were ignored
// (the skipped bytes read as voxels); "data file: /dev/zero" read without end.
const fs::path kRegress = fs::path(KIORT_REGRESSION_DIR);

void expect_refused(const fs::path& file, const std::string& field) {
  try {
    read_volume_data(file);
    ADD_FAILURE() << file << " was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.filename().string()), std::string::npos)
        << "message lacks the file: " << e.what();
    EXPECT_EQ(e.field().rfind(field, 0), 0u) << e.what();
  }
}

TEST(CtVolumeIo, MalformedNiftiHeadersAreRefused) {
  expect_refused(kRegress / "nifti/negative_vox_offset.nii", "vox_offset");
  expect_refused(kRegress / "nifti/huge_vox_offset.nii", "vox_offset");
  expect_refused(kRegress / "nifti/slope_inf.nii", "scl_slope");
}

TEST(CtVolumeIo, MalformedNrrdFieldsAreRefusedNamingFieldAndValue) {
  expect_refused(kRegress / "nrrd/origin_letter.nrrd", "space origin");
  expect_refused(kRegress / "nrrd/origin_garbage.nrrd", "space origin");
  expect_refused(kRegress / "nrrd/origin_nan.nrrd", "space origin");
  expect_refused(kRegress / "nrrd/dimension_fraction.nrrd", "dimension");
  expect_refused(kRegress / "nrrd/sizes_overflow.nrrd", "sizes");
  expect_refused(kRegress / "nrrd/sizes_fraction.nrrd", "sizes");
  expect_refused(kRegress / "nrrd/data_file_list.nrrd", "data file");
  try {
    read_volume_data(kRegress / "nrrd/origin_letter.nrrd");
  } catch (const Error& e) {
    EXPECT_EQ(e.value_seen(), "(-3,x,-5)");
  }
  // /dev/zero is not a regular file: refused at once, naming it.
  try {
    read_volume_data(kRegress / "nrrd/data_file_dev_zero.nrrd");
    ADD_FAILURE() << "/dev/zero read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/zero"), std::string::npos) << e.what();
  }
}

TEST(CtVolumeIo, NrrdByteSkipAndLineSkipAreHonoured) {
  for (const char* f : {"nrrd/byte_skip_4.nrrd", "nrrd/line_skip_1.nrrd"}) {
    const Volume v = read_volume_data(kRegress / f);
    EXPECT_EQ(v.values, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7})) << f;
  }
}

// Grid3's own checks did not know the file: "grid dimension must be positive" named no file.
TEST(CtVolumeIo, GridErrorsNameTheFile) {
  expect_refused(kRegress / "nifti/dim_zero.nii", "dim[1]");
}

}  // namespace
}  // namespace kiort
