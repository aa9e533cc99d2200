// Slice rendering on a small synthetic image: a PNG comes out, isodose lines are drawn where the
// dose crosses the levels, and bad parameters are refused as bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "server/plan_view.h"

namespace kiort {
namespace {

PlanImage blob() {
  PlanImage img;
  img.patient.grid = Grid3({20, 20, 10}, {1, 1, 2}, {0, 0, 0});
  const std::size_t n = img.patient.grid.voxel_count();
  img.patient.hu.assign(n, 40);
  img.dose_gy.assign(n, 0.0f);
  Structure ctv;
  ctv.name = "CTV";
  ctv.mask.assign(n, 0);
  for (std::size_t li = 0; li < n; ++li) {
    const Index3 ix = img.patient.grid.index3(li);
    const double r2 = double((ix.i - 10) * (ix.i - 10) + (ix.j - 10) * (ix.j - 10));
    img.dose_gy[li] = static_cast<float>(16.0 / (1.0 + r2 / 10.0));
    ctv.mask[li] = r2 < 16 ? 1 : 0;
  }
  img.patient.structures.push_back(ctv);
  img.reference_gy = 8;
  return img;
}

TEST(PlanView, RendersPngForEachAxis) {
  const PlanImage img = blob();
  for (SliceAxis axis : {SliceAxis::kAxial, SliceAxis::kSagittal, SliceAxis::kCoronal}) {
    const std::string png = render_slice_png(img, axis, 5, 400, 40);
    ASSERT_GT(png.size(), 8u);
    EXPECT_EQ(png.substr(1, 3), "PNG");
  }
  EXPECT_EQ(slice_count(img, SliceAxis::kAxial), 10);
  EXPECT_EQ(slice_count(img, SliceAxis::kSagittal), 20);
}

TEST(PlanView, IsodoseChangesTheImage) {
  PlanImage img = blob();
  const std::string with = render_slice_png(img, SliceAxis::kAxial, 5, 400, 40);
  img.reference_gy = 0;  // no isodose lines
  const std::string without = render_slice_png(img, SliceAxis::kAxial, 5, 400, 40);
  EXPECT_NE(with, without);
}

TEST(PlanView, RefusesBadParameters) {
  const PlanImage img = blob();
  EXPECT_THROW(render_slice_png(img, SliceAxis::kAxial, 10, 400, 40), Error);
  EXPECT_THROW(render_slice_png(img, SliceAxis::kAxial, -1, 400, 40), Error);
  EXPECT_THROW(render_slice_png(img, SliceAxis::kAxial, 0, 0, 40), Error);
  EXPECT_THROW(parse_slice_axis("oblique"), Error);
}

TEST(PlanView, ViewPointsInvertTheSliceMapping) {
  const PlanImage img = blob();
  // Voxel (3, 4, 7): axial slice 7 pixel (3, 4); sagittal slice 3 pixel (4, 10-1-7);
  // coronal slice 4 pixel (3, 2).
  const Index3 x{3, 4, 7};
  const Vec3 ci{3, 4, 7};
  for (SliceAxis axis : {SliceAxis::kAxial, SliceAxis::kSagittal, SliceAxis::kCoronal}) {
    const ViewPoint p = view_point(img, axis, ci);
    const Index3 back = view_voxel(img, axis, int(p.slice), int(p.u), int(p.v));
    EXPECT_EQ(back.i, x.i);
    EXPECT_EQ(back.j, x.j);
    EXPECT_EQ(back.k, x.k);
  }
  const ViewPoint s = view_point(img, SliceAxis::kSagittal, ci);
  EXPECT_DOUBLE_EQ(s.slice, 3);
  EXPECT_DOUBLE_EQ(s.u, 4.5);
  EXPECT_DOUBLE_EQ(s.v, 2.5);
  EXPECT_THROW(view_voxel(img, SliceAxis::kAxial, 0, 20, 0), Error);
  EXPECT_THROW(view_voxel(img, SliceAxis::kAxial, 0, 0, -1), Error);
  EXPECT_THROW(view_voxel(img, SliceAxis::kAxial, 10, 0, 0), Error);
}

// A value out of range is refused naming its field, the value and the range (the slice index in
// both the readout and the slice image, the pixel's u and v).
TEST(PlanView, OutOfRangeNamesFieldValueAndRange) {
  const PlanImage img = blob();
  const auto refusal = [](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      return e.field() + " " + e.value_seen() + " " + e.expectation() + ": " + e.summary();
    }
    return std::string("no error");
  };
  EXPECT_EQ(refusal([&] { view_voxel(img, SliceAxis::kAxial, 10, 0, 0); }),
            "index 10 0 to 9: slice index outside the volume");
  EXPECT_EQ(refusal([&] { render_slice_png(img, SliceAxis::kSagittal, 20, 400, 40); }),
            "index 20 0 to 19: slice index outside the volume");
  EXPECT_EQ(refusal([&] { view_voxel(img, SliceAxis::kAxial, 0, 20, 0); }),
            "u 20 0 to 19: pixel outside the slice");
  EXPECT_EQ(refusal([&] { view_voxel(img, SliceAxis::kCoronal, 0, 0, -1); }),
            "v -1 0 to 9: pixel outside the slice");
}

TEST(PlanView, OrientationLabelsFollowTheGridDirection) {
  PlanImage img = blob();
  // Radiological convention for a standard axial grid: patient right on the image's left.
  auto labels = view_geometry(img, SliceAxis::kAxial)["labels"];
  EXPECT_EQ(labels["left"], "R");
  EXPECT_EQ(labels["right"], "L");
  EXPECT_EQ(labels["top"], "A");
  EXPECT_EQ(labels["bottom"], "P");
  labels = view_geometry(img, SliceAxis::kSagittal)["labels"];
  EXPECT_EQ(labels["left"], "A");
  EXPECT_EQ(labels["right"], "P");
  EXPECT_EQ(labels["top"], "S");
  EXPECT_EQ(labels["bottom"], "I");
  labels = view_geometry(img, SliceAxis::kCoronal)["labels"];
  EXPECT_EQ(labels["left"], "R");
  EXPECT_EQ(labels["top"], "S");
  EXPECT_DOUBLE_EQ(view_geometry(img, SliceAxis::kCoronal)["dv_mm"].get<double>(), 2.0);
  // A grid whose i axis runs to the patient's right (a flipped series): the labels swap.
  img.patient.grid = Grid3({20, 20, 10}, {1, 1, 2}, {0, 0, 0},
                           Mat3::from_columns({-1, 0, 0}, {0, 1, 0}, {0, 0, 1}));
  labels = view_geometry(img, SliceAxis::kAxial)["labels"];
  EXPECT_EQ(labels["left"], "L");
  EXPECT_EQ(labels["right"], "R");
}

TEST(PlanView, PointReadoutNamesDoseAndStructures) {
  const PlanImage img = blob();
  const auto r = point_readout(img, {10, 10, 5});
  EXPECT_NEAR(r["dose_gy"].get<double>(), 16.0, 1e-6);  // the blob's peak, 16 / (1 + 0)
  EXPECT_NEAR(r["percent_of_reference"].get<double>(), 200.0, 1e-4);
  EXPECT_EQ(r["structures"], nlohmann::json::array({"CTV"}));
  EXPECT_EQ(r["hu"], 40);
  EXPECT_DOUBLE_EQ(r["views"]["axial"]["slice"].get<double>(), 5);
  EXPECT_TRUE(point_readout(img, {0, 0, 0})["structures"].empty());
  EXPECT_THROW(point_readout(img, {20, 0, 0}), Error);
}

// The documents a plan page links: report.pdf and the DICOM set's files, nothing else (no other
// extension, no symbolic link out of the folder), and only by a listed name.
TEST(PlanView, DocumentsAreOnlyTheListedFiles) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "kiort-plan-view-documents";
  fs::remove_all(dir);
  fs::create_directories(dir / "p" / "dicom" / "ct");
  auto touch = [](const fs::path& f) { std::ofstream(f) << "x"; };
  touch(dir / "p" / "plan.json");  // only its existence makes the folder a plan
  touch(dir / "p" / "report.pdf");
  touch(dir / "p" / "dicom" / "RTPLAN.dcm");
  touch(dir / "p" / "dicom" / "notes.txt");
  touch(dir / "p" / "dicom" / "ct" / "CT_0001.dcm");
  touch(dir / "secret.dcm");
  fs::create_symlink(dir / "secret.dcm", dir / "p" / "dicom" / "link.dcm");
  PlanCatalog plans(dir);
  const auto docs = plans.documents("p");
  std::vector<std::string> names;
  for (const auto& d : docs) names.push_back(d["name"].get<std::string>());
  EXPECT_EQ(names,
            (std::vector<std::string>{"report.pdf", "dicom/RTPLAN.dcm", "dicom/ct/CT_0001.dcm"}));
  EXPECT_EQ(docs[0]["bytes"], 1);
  EXPECT_EQ(plans.document("p", "dicom/RTPLAN.dcm"), dir / "p" / "dicom" / "RTPLAN.dcm");
  for (const char* bad :
       {"dicom/link.dcm", "dicom/notes.txt", "plan.json", "../secret.dcm", "dicom/../plan.json"})
    EXPECT_THROW(plans.document("p", bad), Error) << bad;
  EXPECT_THROW(plans.documents("q"), Error);
  fs::remove_all(dir);
}

TEST(PlanView, CatalogRefusesUnknownPlans) {
  PlanCatalog none("");
  EXPECT_TRUE(none.list().empty());
  EXPECT_FALSE(none.has("x"));
  EXPECT_THROW(none.details(".."), Error);
}

}  // namespace
}  // namespace kiort
