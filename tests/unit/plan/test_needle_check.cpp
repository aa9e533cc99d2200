// The needle check (issue 16, item 9): the applicator's whole surface plus a margin against the
// canal, with where along the needle and on which side it fails. Hand geometry: a canal of radius
// 4 mm along z through (20, 20) on a 1 mm grid (voxel centres on integers): its voxels nearest +x
// are (23, 18..22, z), whose faces lie at x = 23.5. A needle along +y at x = xn, z = 20, from
// y = 0.25 to the tip at y = 30.25 (samples every 0.5 mm at y = 0.25 + 0.5 k, off the faces).
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

NeedleCheck along_y(const PatientModel& p, double xn, double margin) {
  return check_needle(p, {xn, 0.25, 20}, {xn, 30.25, 20}, 2.2, margin,
                      {&p.structures[0], &p.structures[0]});
}

TEST(NeedleCheck, SurfaceAndMarginAgainstTheCanalByHand) {
  const PatientModel p = canal_phantom();
  // Axis at x = 26.05: the canal's face at x = 23.5 lies 2.55 mm from it, inside 2.2 + 1.0 mm;
  // the first 0.1 mm shell that reaches it is 2.6 mm: 0.6 mm inside radius + margin.
  const NeedleCheck hit = along_y(p, 26.05, 1.0);
  ASSERT_FALSE(hit.pass());
  ASSERT_EQ(hit.hits.size(), 1u);  // the repeated structure counts once
  const NeedleHit& h = hit.hits[0];
  EXPECT_EQ(h.structure, "SpinalCanal");
  EXPECT_NEAR(h.deepest_mm, 0.6, 1e-9);
  EXPECT_EQ(h.side, "right");  // towards -x in LPS
  // The canal's +x face spans y = 17.5 to 22.5: samples y = 17.75 ... 22.25, i.e. 12.5 to 8.0 mm
  // back from the tip; the first one met (y = 17.75) is where the deepest point is named.
  EXPECT_NEAR(h.from_tip_min_mm, 8.0, 1e-9);
  EXPECT_NEAR(h.from_tip_max_mm, 12.5, 1e-9);
  EXPECT_NEAR(h.deepest_from_tip_mm, 12.5, 1e-9);
  EXPECT_GE(h.voxels, 5u);                   // (23, 18..22, 20) at least
  EXPECT_NEAR(hit.clearance_mm, 0.4, 1e-9);  // 2.6 - 2.2 mm
  const std::string msg = hit.describe();
  EXPECT_NE(msg.find("8.0 to 12.5 mm from the tip"), std::string::npos) << msg;
  EXPECT_NE(msg.find("right side"), std::string::npos) << msg;
  EXPECT_NE(msg.find("radius 2.2 mm + 1.0 mm margin"), std::string::npos) << msg;

  // Axis at x = 26.85: the face lies 3.35 mm away, clear of 2.2 + 1.0 mm, not of 2.2 + 1.5 mm;
  // the clearance is 1.15 mm to the 0.25 mm sampling beyond the margin.
  const NeedleCheck near = along_y(p, 26.85, 1.0);
  EXPECT_TRUE(near.pass());
  EXPECT_GE(near.clearance_mm, 1.15 - 1e-9);
  EXPECT_LE(near.clearance_mm, 1.40 + 1e-9);
  EXPECT_FALSE(along_y(p, 26.85, 1.5).pass());
  // Far away: passes, the clearance 6.55 - 2.2 = 4.35 mm (to 0.25 mm); the description is empty.
  const NeedleCheck far = along_y(p, 30.05, 1.0);
  EXPECT_TRUE(far.pass());
  EXPECT_NEAR(far.clearance_mm, 4.35, 0.25 + 1e-9);
  EXPECT_EQ(far.describe(), "");
}

TEST(NeedleCheck, TheRoundEndBeyondTheTipCounts) {
  const PatientModel p = canal_phantom();
  // A needle along -x stopping with its tip at x = 26.05, y = z = 20: the round end reaches the
  // canal's face (x = 23.5) 2.55 mm beyond the tip.
  const NeedleCheck c =
      check_needle(p, {39.05, 20, 20}, {26.05, 20, 20}, 2.2, 1.0, {&p.structures[0]});
  ASSERT_FALSE(c.pass());
  EXPECT_NEAR(c.hits[0].deepest_from_tip_mm, -2.6, 1e-9);  // negative: beyond the tip
  EXPECT_NEAR(c.hits[0].deepest_mm, 0.6, 1e-9);
  EXPECT_EQ(c.hits[0].side, "right");
}

TEST(NeedleCheck, ACoarseVoxelEnteredFarFromItsCentre) {
  // 3 mm voxels (as the TotalSegmentator spine CT): a canal column at i = 10 spans x = 28.5 to
  // 31.5. The needle's axis at x = 33.45 puts its surface (2.2 mm) 0.25 mm into the column while
  // the voxels' centres lie 3.45 mm from the axis, beyond radius + margin: a test of voxel centres
  // would pass it.
  PatientModel p;
  p.grid = Grid3({20, 20, 20}, {3, 3, 3}, {0, 0, 0});
  Structure canal;
  canal.name = "SpinalCanal (derived)";
  canal.mask.assign(p.grid.voxel_count(), 0);
  for (std::size_t v = 0; v < canal.mask.size(); ++v)
    if (p.grid.index3(v).i == 10) canal.mask[v] = 1;
  p.structures.push_back(canal);
  const NeedleCheck c =
      check_needle(p, {33.45, 1.2, 30.2}, {33.45, 40.2, 30.2}, 2.2, 0.0, {&p.structures[0]});
  ASSERT_FALSE(c.pass());
  EXPECT_NEAR(c.hits[0].deepest_mm, 0.2, 1e-9);  // shell 2.0 mm is the first past x = 31.5
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
