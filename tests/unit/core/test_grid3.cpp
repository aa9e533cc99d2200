#include "core/grid3.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace kiort {
namespace {

void expect_near(const Vec3& a, const Vec3& b, double tol = 1e-9) {
  EXPECT_NEAR(a.x, b.x, tol);
  EXPECT_NEAR(a.y, b.y, tol);
  EXPECT_NEAR(a.z, b.z, tol);
}

TEST(Grid3, AxialIndexPositionRoundTripWithNonUnitSpacing) {
  // A typical axial CT: 0.9766 mm pixels, 2 mm slices, origin off-centre.
  const Grid3 g({512, 512, 20}, {0.9766, 0.9766, 2.0}, {-249.5, -180.2, -601.0});
  EXPECT_TRUE(g.axis_aligned());
  EXPECT_EQ(g.voxel_count(), 512u * 512u * 20u);
  const Index3 ix{17, 300, 13};
  const Vec3 p = g.position(ix);
  expect_near(p, {-249.5 + 17 * 0.9766, -180.2 + 300 * 0.9766, -601.0 + 13 * 2.0});
  expect_near(g.continuous_index(p), {17, 300, 13});
  ASSERT_TRUE(g.voxel_at(p).has_value());
  EXPECT_EQ(*g.voxel_at(p), ix);
  EXPECT_EQ(g.index3(g.linear(ix)), ix);
  // A point 0.49 voxel away still falls in the same voxel; 0.51 falls in the next.
  EXPECT_EQ(*g.voxel_at(p + Vec3{0.49 * 0.9766, 0, 0.49 * 2.0}), ix);
  EXPECT_EQ(g.voxel_at(p + Vec3{0.51 * 0.9766, 0, 0})->i, 18);
}

TEST(Grid3, ObliqueOrientationRoundTrip) {
  // Rows along a direction rotated 30 degrees about S, a tilt of 10 degrees about L.
  const double a = 30 * M_PI / 180, t = 10 * M_PI / 180;
  const Vec3 row{std::cos(a), std::sin(a), 0};
  const Vec3 col0{-std::sin(a), std::cos(a), 0};
  const Vec3 col = col0 * std::cos(t) + Vec3{0, 0, std::sin(t)};
  const Vec3 normal = cross(row, col);
  const Grid3 g({64, 48, 30}, {0.8, 1.2, 2.5}, {10, -20, 30}, Mat3::from_columns(row, col, normal));
  EXPECT_FALSE(g.axis_aligned());
  for (std::int64_t i : {0, 5, 63})
    for (std::int64_t j : {0, 11, 47})
      for (std::int64_t k : {0, 7, 29}) {
        const Index3 ix{i, j, k};
        const Vec3 p = g.position(ix);
        expect_near(g.continuous_index(p), {double(i), double(j), double(k)});
        ASSERT_TRUE(g.voxel_at(p));
        EXPECT_EQ(*g.voxel_at(p), ix);
      }
  // Moving one voxel along the row direction moves the index by exactly one in i.
  const Vec3 p = g.position(Index3{5, 5, 5}) + row * 0.8;
  expect_near(g.continuous_index(p), {6, 5, 5});
  // Distance between voxel centres equals the spacing along each axis.
  EXPECT_NEAR(norm(g.position(Index3{1, 0, 0}) - g.position(Index3{0, 0, 0})), 0.8, 1e-12);
  EXPECT_NEAR(norm(g.position(Index3{0, 0, 1}) - g.position(Index3{0, 0, 0})), 2.5, 1e-12);
}

TEST(Grid3, OutsideAndBounds) {
  const Grid3 g({10, 20, 5}, {1, 2, 3}, {0, 0, 0});
  EXPECT_FALSE(g.voxel_at({-0.51, 0, 0}));
  EXPECT_TRUE(g.voxel_at({-0.49, 0, 0}));
  EXPECT_FALSE(g.voxel_at({9.51, 0, 0}));
  EXPECT_FALSE(g.voxel_at({0, 0, 13.6}));
  const Bounds b = g.bounds();
  expect_near(b.lo, {-0.5, -1, -1.5});
  expect_near(b.hi, {9.5, 39, 13.5});
  EXPECT_FALSE(g.in_range({10, 0, 0}));
  EXPECT_TRUE(g.in_range({9, 19, 4}));
}

// The voxel centres a point's trilinear interpolation reads: weights that sum to 1 and
// reproduce the point as the weighted mean of the centres; the grid's faces and exact centres
// leave voxels out.
TEST(Grid3, TrilinearNeighbours) {
  const Grid3 g({10, 20, 5}, {1, 2, 3}, {0, 0, 0});
  const Vec3 p{3.25, 7.0, 4.5};  // index (3.25, 3.5, 1.5)
  const auto n = g.trilinear_neighbours(p);
  ASSERT_EQ(n.size(), 8u);
  double wsum = 0;
  Vec3 mean{0, 0, 0};
  for (const auto& [ix, w] : n) {
    EXPECT_TRUE(g.in_range(ix));
    wsum += w;
    mean += g.position(ix) * w;
  }
  EXPECT_NEAR(wsum, 1.0, 1e-12);
  expect_near(mean, p, 1e-12);
  EXPECT_EQ(n.front().first, (Index3{3, 3, 1}));  // x slowest, z fastest
  EXPECT_EQ(n[1].first, (Index3{3, 3, 2}));
  // On a voxel centre: that voxel alone, weight 1.
  const auto c = g.trilinear_neighbours(g.position(Index3{2, 4, 1}));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].first, (Index3{2, 4, 1}));
  EXPECT_EQ(c[0].second, 1.0);
  // Beyond the last centre along x (index 9.3): only the voxels inside, weights not renormalised.
  const auto f = g.trilinear_neighbours({9.3, 7.0, 4.5});
  ASSERT_EQ(f.size(), 4u);
  double fsum = 0;
  for (const auto& [ix, w] : f) {
    EXPECT_EQ(ix.i, 9);
    fsum += w;
  }
  EXPECT_NEAR(fsum, 0.7, 1e-12);
}

TEST(Grid3, FlippedAxesBounds) {
  // LPS grid whose rows run towards -L (as a RAS NIfTI does): bounds still span the corners.
  const Grid3 g({4, 4, 4}, {1, 1, 1}, {0, 0, 0},
                Mat3::from_columns({-1, 0, 0}, {0, -1, 0}, {0, 0, 1}));
  const Bounds b = g.bounds();
  expect_near(b.lo, {-3.5, -3.5, -0.5});
  expect_near(b.hi, {0.5, 0.5, 3.5});
  EXPECT_EQ(*g.voxel_at({-3, -2, 1}), (Index3{3, 2, 1}));
}

TEST(Grid3, RejectsBadGeometry) {
  EXPECT_THROW(Grid3({0, 1, 1}, {1, 1, 1}, {}), Error);
  EXPECT_THROW(Grid3({1, 1, 1}, {1, -1, 1}, {}), Error);
  EXPECT_THROW(Grid3({1, 1, 1}, {1, NAN, 1}, {}), Error);
  EXPECT_THROW(Grid3({1, 1, 1}, {1, 1, 1}, {}, Mat3::from_columns({1, 0, 0}, {1, 0, 0}, {0, 0, 1})),
               Error);
  try {
    Grid3({4, 4, 4}, {1, 0, 1}, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_EQ(e.field(), "spacing_mm");
  }
}

}  // namespace
}  // namespace kiort
