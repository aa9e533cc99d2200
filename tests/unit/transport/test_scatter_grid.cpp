// The coarse scatter grid (transport/scatter_grid.h, issue 21): thread independence, the lower
// sigma it is for, and the test that keeps voxels fine where the field is rough.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "test_materials.h"
#include "transport/scatter_grid.h"
#include "transport/transport.h"

namespace kiort {
namespace {

const MaterialXs& scatter_xs(const char* name) {
  return test_support::material_xs(name);
}

// A 41 mm cube of 1 mm voxels (centres -20..20 mm) of water, optionally with a slab of cortical
// bone at 4 <= x < 12 mm: an interface of bone and soft tissue 4 mm from the source.
Geometry cube(bool bone_slab) {
  const Grid3 grid({41, 41, 41}, {1, 1, 1}, {-20, -20, -20});
  std::vector<std::int16_t> medium(grid.voxel_count(), 0);
  std::vector<float> density(grid.voxel_count(), 1.0f);
  if (bone_slab)
    for (std::size_t v = 0; v < grid.voxel_count(); ++v)
      if (const Index3 ix = grid.index3(v); ix.i >= 24 && ix.i < 32) {
        medium[v] = 1;
        density[v] = 1.92f;
      }
  return Geometry(grid, {&scatter_xs("water"), &scatter_xs("cortical-bone")}, medium, density);
}

TransportResult run(const Geometry& g, int cell_voxels, std::uint64_t seed, unsigned threads,
                    std::uint64_t histories) {
  static const IsotropicPointSource src({0.3, 0.2, 0.1}, Spectrum({30}, {1}, "30 keV"));
  TransportOptions o;
  o.hybrid = true;
  o.scatter_cell_voxels = cell_voxels;
  o.seed = seed;
  o.threads = threads;
  StopRules s;
  s.histories = histories;
  return run_transport(g, src, s, o);
}

// The grid's bias against the fine grid is measured with paired runs in
// tests/validation/test_scatter_grid_bias.cpp (release builds); these tests check its mechanics.

TEST(ScatterGrid, BitIdenticalOnOneAndThreeThreads) {
  const Geometry g = cube(true);
  const TransportResult a = run(g, 2, 5, 1, 20000);
  const TransportResult b = run(g, 2, 5, 3, 20000);
  ASSERT_EQ(a.dose.value.size(), b.dose.value.size());
  for (std::size_t i = 0; i < a.dose.value.size(); ++i) {
    ASSERT_EQ(a.dose.value[i], b.dose.value[i]) << i;
    ASSERT_EQ(a.dose.sigma_rel[i], b.dose.sigma_rel[i]) << i;
  }
}

// The coarse grid lowers the uncertainty where scatter dominates (its purpose).
TEST(ScatterGrid, LowersTheMeanSigmaAt10To15mm) {
  const Geometry g = cube(false);
  const TransportResult fine = run(g, 0, 31, 0, 40000);
  const TransportResult coarse = run(g, 2, 31, 0, 40000);
  const Grid3& box = *fine.dose.grid;
  double sf = 0, sc = 0;
  for (std::size_t i = 0; i < fine.dose.value.size(); ++i) {
    const double r = norm(box.position(box.index3(i)) - Vec3{0.3, 0.2, 0.1});
    if (r < 10 || r > 15) continue;
    sf += fine.dose.sigma_rel[i];
    sc += coarse.dose.sigma_rel[i];
  }
  EXPECT_LT(sc, 0.7 * sf);
}

// keep_fine_where_rough with a synthetic primary: a smooth 1/r^2 field passes everywhere (the
// mapping back through the voxel's mean 1/r^2 is exact for it); a step of 10 % across x = 10.5 mm
// (a shadow's edge) turns back to fine the voxels whose interpolation reaches across it, and no
// voxel far from the step.
TEST(ScatterGrid, KeepsFineScoringWhereThePrimaryIsRough) {
  const Geometry g = cube(false);
  const Vec3 source{0.3, 0.2, 0.1};
  const Grid3& grid = g.grid();
  std::vector<std::uint8_t> deterministic(grid.voxel_count(), 1);
  ScatterGridSetup s;
  s.cell_voxels = 3;
  s.fine_radius_mm = 9;
  s.box_lo = {0, 0, 0};
  s.box_dims = grid.dims();
  s.deterministic = &deterministic;
  s.source_local = g.to_local(source);
  auto smooth = [&](std::size_t v) {
    const Vec3 d = grid.position(grid.index3(v)) - source;
    // The voxel average of 1/r^2 is what a smooth r^2 K = 1 gives: the same midpoint rule.
    double sum = 0;
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j)
        for (int k = 0; k < 8; ++k) {
          const Vec3 p = d + Vec3{(i + 0.5) / 8 - 0.5, (j + 0.5) / 8 - 0.5, (k + 0.5) / 8 - 0.5};
          sum += 1.0 / dot(p, p);
        }
    return sum / 512;
  };
  std::vector<double> primary(grid.voxel_count()), stepped(grid.voxel_count());
  for (std::size_t v = 0; v < primary.size(); ++v) {
    primary[v] = smooth(v);
    stepped[v] = primary[v] * (grid.position(grid.index3(v)).x > 10.5 ? 0.9 : 1.0);
  }
  ScatterGrid plain(g, s), step(g, s);
  const std::size_t coarse = plain.coarse_voxels();
  ASSERT_GT(coarse, 0u);
  EXPECT_EQ(plain.keep_fine_where_rough(primary, 0.02), 0u);
  const std::size_t dropped = step.keep_fine_where_rough(stepped, 0.02);
  EXPECT_GT(dropped, 0u);
  for (std::size_t v = 0; v < primary.size(); ++v) {
    const double x = grid.position(grid.index3(v)).x;
    const bool far = std::abs(x - 10.5) > 4.5, at_step = std::abs(x - 10.5) < 1.0;
    EXPECT_TRUE(!far || step.coarse(v) == plain.coarse(v)) << "x = " << x;
    EXPECT_TRUE(!at_step || !step.coarse(v)) << "x = " << x;
  }
}

}  // namespace
}  // namespace kiort
