// Slice rendering on a small synthetic image: a PNG comes out, isodose lines are drawn where the
// dose crosses the levels, and bad parameters are refused as bad input.
#include <gtest/gtest.h>

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

TEST(PlanView, CatalogRefusesUnknownPlans) {
  PlanCatalog none("");
  EXPECT_TRUE(none.list().empty());
  EXPECT_FALSE(none.has("x"));
  EXPECT_THROW(none.details(".."), Error);
}

}  // namespace
}  // namespace kiort
