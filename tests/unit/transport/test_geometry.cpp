#include "geometry/geometry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/error.h"

namespace kiort {
namespace {

TEST(LayeredCapsule, SphereCrossings) {
  const LayeredCapsule s("s", {0, 0, 0}, {0, 0, 0}, {{2.0, 0, 1}, {3.0, 0, 1}});
  // From the centre outwards along x: first surface at r = 2.
  EXPECT_NEAR(s.distance_to_surface({0, 0, 0}, {1, 0, 0}), 2.0, 1e-12);
  EXPECT_NEAR(s.distance_to_surface({2.5, 0, 0}, {1, 0, 0}), 0.5, 1e-12);
  EXPECT_NEAR(s.distance_to_surface({2.5, 0, 0}, {-1, 0, 0}), 0.5, 1e-12);
  EXPECT_NEAR(s.distance_to_enter({-10, 0, 0}, {1, 0, 0}), 7.0, 1e-12);
  EXPECT_TRUE(std::isinf(s.distance_to_enter({-10, 5, 0}, {1, 0, 0})));
  EXPECT_EQ(*s.layer_at({1.9, 0, 0}), 0u);
  EXPECT_EQ(*s.layer_at({0, 2.1, 0}), 1u);
  EXPECT_FALSE(s.layer_at({0, 0, 3.1}));
}

TEST(LayeredCapsule, CylinderWithHemisphericalTip) {
  // A needle along +z from z=0 to z=20, outer radius 1.6 mm, inner 1.0 mm.
  const LayeredCapsule c("needle", {0, 0, 0}, {0, 0, 20}, {{1.0, -1, 0}, {1.6, 0, 1.3}});
  // A ray across the shaft at z = 10: chord through the outer cylinder starts at x = -1.6.
  EXPECT_NEAR(c.distance_to_enter({-5, 0, 10}, {1, 0, 0}), 3.4, 1e-12);
  // Through the tip along the axis from above: hits the hemisphere at z = 21.6.
  EXPECT_NEAR(c.distance_to_enter({0, 0, 30}, {0, 0, -1}), 8.4, 1e-12);
  // From inside the lumen at the tip centre, up the axis: inner hemisphere at z = 21.
  EXPECT_NEAR(c.distance_to_surface({0, 0, 20}, {0, 0, 1}), 1.0, 1e-12);
  // An oblique ray off axis at z = 10 crossing the wall: enters at x^2 + y^2 = 1.6^2.
  const Vec3 u = normalized(Vec3{1, 0, 0});
  EXPECT_NEAR(c.distance_to_enter({-5, 1.2, 10}, u), 5 - std::sqrt(1.6 * 1.6 - 1.44), 1e-12);
  EXPECT_EQ(*c.layer_at({0.5, 0, 5}), 0u);
  EXPECT_EQ(*c.layer_at({1.3, 0, 5}), 1u);
  EXPECT_EQ(*c.layer_at({0, 0, 21.5}), 1u);
  EXPECT_FALSE(c.layer_at({0, 0, 21.7}));
  EXPECT_THROW(LayeredCapsule("bad", {}, {}, {{1.0, 0, 1}, {0.5, 0, 1}}), Error);
}

TEST(Geometry, RejectsBadVoxels) {
  const Grid3 g({2, 1, 1}, {1, 1, 1}, {0, 0, 0});
  EXPECT_THROW(Geometry(g, {}, {0, 0}, {1, 1}), Error);  // unknown medium
  EXPECT_THROW(Geometry(g, {}, {-1, -1}, {1.0f, NAN}), Error);
  EXPECT_THROW(Geometry(g, {}, {-1, -1}, {1.0f, -1.0f}), Error);
  EXPECT_THROW(Geometry(g, {}, {-1}, {1.0f}), Error);
  try {
    Geometry(g, {}, {-1, -1}, {1.0f, -2.0f});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("density[1]"), std::string::npos) << e.what();
  }
}

TEST(Geometry, StepsThroughVoxelsAlongARay) {
  // 10 x 10 x 10 vacuum voxels of 2 mm on an oblique grid: walking from wall to wall along an
  // arbitrary direction, the boundary distances add up to the chord length.
  const double a = 0.3;
  const Mat3 rot = Mat3::from_columns({std::cos(a), std::sin(a), 0}, {-std::sin(a), std::cos(a), 0},
                                      {0, 0, 1});
  const Grid3 grid({10, 10, 10}, {2, 2, 2}, {5, -3, 7}, rot);
  Geometry g(grid, {}, std::vector<std::int16_t>(1000, -1), std::vector<float>(1000, 0));
  Vec3 p{10, 10, 10};  // local frame: the middle of the 20 mm box
  const Vec3 u = normalized(Vec3{0.3, -0.5, 0.81});
  EXPECT_NEAR(norm(g.to_local(g.to_lps(p)) - p), 0, 1e-12);
  auto ijk = g.voxel_ijk(p);
  const Vec3 inv{1 / u.x, 1 / u.y, 1 / u.z};
  double travelled = 0;
  int crossings = 0;
  for (;;) {
    int axis;
    const Region r = g.locate(p, ijk);
    const double d = g.distance_to_boundary(p, u, inv, r, ijk, axis);
    ASSERT_GE(axis, 0);
    p += u * d;
    travelled += d;
    ijk[axis] += u[axis] > 0 ? 1 : -1;
    if (ijk[axis] < 0 || ijk[axis] >= 10) break;
    ++crossings;
  }
  // Exit through the face z = 20 (u.z is the largest component): t = 10 / u.z.
  EXPECT_NEAR(travelled, 10 / u.z, 1e-9);
  EXPECT_GT(crossings, 5);
}

}  // namespace
}  // namespace kiort
