// The transport's tallies by estimator (tally_track_length.h, tally_analog.h,
// tally_energy_balance.h) and the scoring box (scoring_box.h): index maps, exact merges of
// workers, and the conversion of their sums to results.
#include <gtest/gtest.h>

#include <cmath>

#include "test_materials.h"
#include "transport/scoring_box.h"
#include "transport/tally_analog.h"
#include "transport/tally_energy_balance.h"
#include "transport/tally_track_length.h"

namespace kiort {
namespace {

TEST(ScoringBox, IndexAndVoxelAreInverseAndTheBoxIsClampedToTheGrid) {
  const Grid3 grid({6, 5, 4}, {1, 2, 0.5}, {-3, -4, -1});
  const ScoringBox box(grid, std::array<std::array<int, 3>, 2>{{{1, -2, 1}, {4, 3, 9}}});
  EXPECT_EQ(box.lo(), (std::array<int, 3>{1, 0, 1}));
  EXPECT_EQ(box.dims(), (std::array<int, 3>{3, 3, 3}));
  ASSERT_EQ(box.voxels(), 27u);
  for (std::size_t b = 0; b < box.voxels(); ++b) EXPECT_EQ(box.index(box.ijk(b)), std::int64_t(b));
  EXPECT_EQ(box.index({0, 0, 1}), -1);
  EXPECT_EQ(box.index({4, 0, 1}), -1);
  // The box's own grid: voxel 0 sits where grid voxel lo does.
  ASSERT_TRUE(box.grid());
  const Vec3 p0 = box.grid()->position(Index3{0, 0, 0}), q0 = grid.position(Index3{1, 0, 1});
  EXPECT_EQ(p0.x, q0.x);
  EXPECT_EQ(p0.y, q0.y);
  EXPECT_EQ(p0.z, q0.z);
  // An empty box scores nothing and has no grid.
  const ScoringBox empty(grid, std::array<std::array<int, 3>, 2>{{{2, 2, 2}, {2, 5, 5}}});
  EXPECT_EQ(empty.voxels(), 0u);
  EXPECT_FALSE(empty.grid());
}

// Two workers' tallies merged give, bit for bit, what one worker scoring every history gives.
TEST(TrackLengthTally, TwoWorkersMergedEqualOne) {
  const Grid3 grid({2, 1, 1}, {1, 1, 1}, {0, 0, 0});
  TrackLengthTally one(2, true), a(2, true), b(2, true);
  for (std::uint64_t h = 0; h < 100; ++h) {
    const double per_mm = 1.0 + 0.01 * double(h), ew = 30.0, water = 0.15, step = 0.3;
    one.score(h % 2, per_mm, ew, water, step, h);
    (h % 3 ? a : b).score(h % 2, per_mm, ew, water, step, h);
  }
  one.flush();
  a.flush();
  b.flush();
  a.merge(b);
  const ScoredGrid d1 = one.dose(100, grid), d2 = a.dose(100, grid);
  const ScoredGrid w1 = one.dose_water(100, grid), w2 = a.dose_water(100, grid);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(d1.value[i], d2.value[i]);
    EXPECT_EQ(d1.sigma_rel[i], d2.sigma_rel[i]);
    EXPECT_EQ(w1.value[i], w2.value[i]);
  }
  // Water: 30 keV x 0.15 cm^2/g x 0.3 mm per history in each of the 50 histories of a voxel.
  const double gy = TrackLengthTally::gy_per_unit(grid);
  EXPECT_NEAR(w1.value[0], 50 * 30.0 * 0.15 * 0.3 / 100 * gy, 1e-6 * w1.value[0]);  // fixed point
  EXPECT_DOUBLE_EQ(gy, 100.0 * kGyPerKeVPerGram);                                   // 1 mm^3 voxels
}

TEST(TrackLengthTally, SigmaAddsTheNoiseFreePrimaryToTheTotal) {
  ScoreArray dose(1);
  for (std::uint64_t h = 0; h < 4; ++h) dose.score(0, double(h + 1), h);  // mean 2.5
  dose.flush();
  const double sigma_mc = dose.sigma(0, 4);
  EXPECT_DOUBLE_EQ(sigma_rel_of(dose, 4, 0, nullptr, 1.0), sigma_mc / 2.5);
  const std::vector<double> primary{7.5};
  EXPECT_DOUBLE_EQ(sigma_rel_of(dose, 4, 0, &primary, 1.0), sigma_mc / 10.0);
  ScoredGrid g;
  g.value = {2.5};
  g.sigma_rel = {sigma_mc / 2.5};
  add_primary(g, primary);
  EXPECT_DOUBLE_EQ(g.value[0], 10.0);
  EXPECT_DOUBLE_EQ(sigma_rel_of(g, -1), sigma_mc / 10.0);
}

TEST(AnalogTally, EnergyOverTheVoxelsMass) {
  const MaterialXs& water = test_support::material_xs("water");
  const Grid3 grid({2, 1, 1}, {2, 1, 1}, {0, 0, 0});  // 2 mm^3 voxels
  const Geometry g(grid, {&water}, {0, 0}, {1.0f, 0.5f});
  const ScoringBox box(grid, std::nullopt);
  AnalogTally t(2), u(2);
  t.score(0, 10.0, 0);
  u.score(1, 10.0, 1);
  t.flush();
  u.flush();
  t.merge(u);
  const ScoredGrid d = t.dose(2, box, g);
  // 5 keV per history over 2e-3 g (rho 1) and 1e-3 g (rho 0.5).
  EXPECT_NEAR(d.value[0], 5.0 / 2e-3 * kGyPerKeVPerGram, 1e-12 * d.value[0]);
  EXPECT_NEAR(d.value[1], 5.0 / 1e-3 * kGyPerKeVPerGram, 1e-12 * d.value[1]);
}

TEST(EnergyBalanceTally, EachPathHasItsBin) {
  EnergyBalanceTally a, b;
  for (std::uint64_t h = 0; h < 10; ++h) {
    EnergyBalanceTally& t = h % 2 ? a : b;
    t.emitted(30, h);
    t.deposited(false, 20, h);
    t.deposited(true, 4, h);
    t.cut_off(1, h);
    t.escaped(5, h);
  }
  a.flush();
  b.flush();
  a.merge(b);
  const EnergyBalance e = a.result(10);
  EXPECT_DOUBLE_EQ(e.emitted, 30);
  EXPECT_DOUBLE_EQ(e.deposited_voxels, 20);
  EXPECT_DOUBLE_EQ(e.deposited_solids, 4);
  EXPECT_DOUBLE_EQ(e.cutoff, 1);
  EXPECT_DOUBLE_EQ(e.escaped, 5);
  EXPECT_EQ(e.sigma_emitted, 0);  // every history emitted the same
}

}  // namespace
}  // namespace kiort
