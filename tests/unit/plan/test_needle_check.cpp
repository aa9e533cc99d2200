// The needle check (issue 16, item 9): the applicator's whole surface plus a margin against the
// canal, with where along the needle and on which side it fails. Hand geometry: a canal of radius
// 4 mm along z through (20, 20) on a 1 mm grid (voxel centres on integers, so its outermost voxel
// centres towards +x lie at x = 23); a needle along +y at x = xn, z = 20, tip at y = 30.
#include "plan/needle_check.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kiort {
namespace {

PatientModel canal_phantom() {
  PatientModel p;
  p.grid = Grid3({40, 40, 40}, {1, 1, 1}, {0, 0, 0});
  Structure canal;
  canal.name = "SpinalCanal";
  canal.mask.assign(p.grid.voxel_count(), 0);
  for (std::size_t v = 0; v < canal.mask.size(); ++v) {
    const Vec3 x = p.grid.position(p.grid.index3(v));
    if ((x.x - 20) * (x.x - 20) + (x.y - 20) * (x.y - 20) < 16) canal.mask[v] = 1;
  }
  p.structures.push_back(canal);
  return p;
}

TEST(NeedleCheck, SurfaceAndMarginAgainstTheCanalByHand) {
  const PatientModel p = canal_phantom();
  const Structure* canal = &p.structures[0];
  // Axis at x = 26: the canal voxel (23, 20, 20) lies 3.0 mm from it, inside 2.2 + 1.0 mm.
  const NeedleCheck hit = check_needle(p, {26, 0, 20}, {26, 30, 20}, 2.2, 1.0, {canal, canal});
  ASSERT_FALSE(hit.pass());
  ASSERT_EQ(hit.hits.size(), 1u);  // the repeated structure counts once
  const NeedleHit& h = hit.hits[0];
  EXPECT_EQ(h.structure, "SpinalCanal");
  EXPECT_NEAR(h.deepest_mm, 0.2, 1e-9);  // 3.2 - 3.0
  // Five voxels (23, 18..22, 20) tie at 3.0 mm (|dy| <= 2 stays in the canal); the first in the
  // grid's order, y = 18, is named: 12 mm from the tip.
  EXPECT_NEAR(h.deepest_from_tip_mm, 12.0, 1e-9);
  EXPECT_EQ(h.side, "right");  // towards -x in LPS
  // Those five and (23, 18..22, 19|21) at sqrt(9 + 1) = 3.16 mm: 15 voxels, 8 to 12 mm from the
  // tip.
  EXPECT_EQ(h.voxels, 15u);
  EXPECT_NEAR(h.from_tip_min_mm, 8.0, 1e-9);
  EXPECT_NEAR(h.from_tip_max_mm, 12.0, 1e-9);
  EXPECT_NEAR(hit.clearance_mm, 0.8, 1e-9);  // 3.0 - 2.2
  const std::string msg = hit.describe();
  EXPECT_NE(msg.find("8.0 to 12.0 mm from the tip"), std::string::npos) << msg;
  EXPECT_NE(msg.find("right side"), std::string::npos) << msg;
  EXPECT_NE(msg.find("radius 2.2 mm + 1.0 mm margin"), std::string::npos) << msg;

  // 3.5 mm away: clear of 2.2 + 1.0 mm, not of 2.2 + 1.5 mm.
  EXPECT_TRUE(check_needle(p, {26.5, 0, 20}, {26.5, 30, 20}, 2.2, 1.0, {canal}).pass());
  EXPECT_FALSE(check_needle(p, {26.5, 0, 20}, {26.5, 30, 20}, 2.2, 1.5, {canal}).pass());
  // A voxel between the principal directions (45 degrees off x and z), 2.0 mm from the axis, is
  // inside the applicator itself.
  const NeedleCheck diag = check_needle(p, {23 + 1.4142, 0, 20 + 1.4142},
                                        {23 + 1.4142, 30, 20 + 1.4142}, 2.2, 0.0, {canal});
  EXPECT_FALSE(diag.pass());
  // Far away: passes, clearance 7 - 2.2 mm.
  const NeedleCheck far = check_needle(p, {30, 0, 20}, {30, 30, 20}, 2.2, 1.0, {canal, nullptr});
  EXPECT_TRUE(far.pass());
  EXPECT_NEAR(far.clearance_mm, 4.8, 1e-9);
  EXPECT_EQ(far.describe(), "");
}

TEST(NeedleCheck, TheRoundEndBeyondTheTipCounts) {
  const PatientModel p = canal_phantom();
  // A needle along -x stopping 3 mm short of the canal's outermost voxel (23, 20, 20): its round
  // end reaches 2.2 + 1.0 mm beyond the tip, so the voxel lies 3 mm beyond the tip, inside.
  const NeedleCheck c = check_needle(p, {39, 20, 20}, {26, 20, 20}, 2.2, 1.0, {&p.structures[0]});
  ASSERT_FALSE(c.pass());
  EXPECT_NEAR(c.hits[0].deepest_from_tip_mm, -3.0, 1e-9);  // negative: beyond the tip
  EXPECT_EQ(c.hits[0].side, "right");
}

TEST(NeedleCheck, SideInPatientWords) {
  EXPECT_EQ(lps_side({1, 0, 0}), "left");
  EXPECT_EQ(lps_side({-1, -0.5, 0}), "right, anterior");
  EXPECT_EQ(lps_side({0.1, 0.2, -1}), "inferior");
  EXPECT_EQ(lps_side({0, 1, 0.4}), "posterior, superior");
}

}  // namespace
}  // namespace kiort
