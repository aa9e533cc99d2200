// The coarse scatter grid (transport/scatter_grid.h, issue 21) against the fine-grid hybrid run it
// replaces: the same physics, so any difference beyond statistics is the grid's bias.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "test_materials.h"
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

// A group of voxels: the summed dose and its standard error with the voxels' errors in
// quadrature. Neighbouring voxels' scatter is correlated (in both engines), so this understates
// the group's error and makes the comparison stricter, not looser; the seeds are fixed, so the
// test is deterministic.
struct Group {
  double sum = 0, var = 0;
  int n = 0;
};

void add(Group& gr, const TransportResult& r, std::size_t i) {
  const double d = r.dose.value[i], s = d * r.dose.sigma_rel[i];
  gr.sum += d;
  gr.var += s * s;
  ++gr.n;
}

// |coarse/fine - 1| must be within 0.5 % plus three standard errors of the comparison.
// Measured (2026-12-02, default 6 fine voxel widths around the source): water 0.23/0.37/0.27/
// 0.02/-0.01/0.61 % at 2-4/4-7/7-10/10-14/14-18/18-22 mm (the last at the cube's faces, where
// cells are held constant beyond the outermost centres), at the bone interface 0.22/0.53/0.51/
// 0.16 %; each with sigma 0.08-0.29 %: not yet a proof of < 0.5 % (issue 21, open).
void expect_within_half_percent(const char* what, const Group& fine, const Group& coarse) {
  ASSERT_GT(fine.n, 0);
  const double ratio = coarse.sum / fine.sum;
  const double sigma =
      std::hypot(std::sqrt(fine.var) / fine.sum, std::sqrt(coarse.var) / coarse.sum);
  std::printf("%s: %d voxels, coarse/fine %.4f, sigma %.4f\n", what, fine.n, ratio, sigma);
  EXPECT_LT(std::abs(ratio - 1), 0.005 + 3 * sigma) << what;
  EXPECT_LT(sigma, 0.01) << what << ": the comparison must resolve a 0.5 % bias";
}

TEST(ScatterGrid, WaterRadialShellsWithinHalfAPercentOfTheFineGrid) {
  const Geometry g = cube(false);
  const TransportResult fine = run(g, 0, 11, 0, 200000);
  const TransportResult coarse = run(g, 2, 12, 0, 200000);
  const Grid3& box = *fine.dose.grid;
  for (double r0 : {2.0, 4.0, 7.0, 10.0, 14.0, 18.0}) {
    const double r1 = r0 == 2.0 ? 4.0 : r0 == 4.0 ? 7.0 : r0 == 7.0 ? 10.0 : r0 + 4.0;
    Group f, c;
    for (std::size_t i = 0; i < fine.dose.value.size(); ++i) {
      const Vec3 p = box.position(box.index3(i)) - Vec3{0.3, 0.2, 0.1};
      const double r = norm(p);
      if (r < r0 || r >= r1) continue;
      add(f, fine, i);
      add(c, coarse, i);
    }
    expect_within_half_percent(
        ("water " + std::to_string(int(r0)) + "-" + std::to_string(int(r1)) + " mm").c_str(), f, c);
  }
}

TEST(ScatterGrid, BoneWaterInterfaceWithinHalfAPercentOnBothSides) {
  const Geometry g = cube(true);
  const TransportResult fine = run(g, 0, 21, 0, 200000);
  const TransportResult coarse = run(g, 2, 22, 0, 200000);
  const Grid3& box = *fine.dose.grid;
  // Slabs either side of the interface at x = 3.5 mm (between voxel centres 3 and 4), within
  // 8 mm of the source's axis.
  for (auto [x0, x1, name] :
       {std::tuple{1.0, 3.0, "water 1-3 mm before bone"},
        std::tuple{4.0, 6.0, "bone 0-2 mm inside"}, std::tuple{7.0, 11.0, "bone 3-7 mm inside"},
        std::tuple{-6.0, -2.0, "water opposite side"}}) {
    Group f, c;
    for (std::size_t i = 0; i < fine.dose.value.size(); ++i) {
      const Vec3 p = box.position(box.index3(i));
      if (p.x < x0 - 0.01 || p.x > x1 + 0.01 || std::hypot(p.y, p.z) > 8) continue;
      add(f, fine, i);
      add(c, coarse, i);
    }
    expect_within_half_percent(name, f, c);
  }
}

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

}  // namespace
}  // namespace kiort
