// The coarse scatter grid's bias (issue 21: the dose within 0.5 % of the plain engine at 2-40 mm,
// in water and at an interface of bone and soft tissue), measured with paired runs: the grid
// changes no random number, so a hybrid run with and one without it, on the same seed, follow the
// same photons, and their ratio over a region carries only the scoring's difference, not the
// photons' noise. The spread of that ratio over independent seeds gives its standard error.
// Required for every region: |mean - 1| + 2 standard errors < 0.5 % (the bias is below 0.5 % with
// about 97 % confidence), and the comparison resolves 0.25 %.
// The fine-grid hybrid differs from the plain engine only by its primary, the exact expectation of
// the plain engine's Monte Carlo primary up to the voxel averaging's error (below 2e-4,
// HybridPrimary.VoxelAveragesMatchTheAnalyticPrimary): against the plain engine itself the
// pairing would not cancel the plain primary's noise, and the same precision would take 30 times
// the histories.
// The defaults are the ones plans use: 3^3-voxel cells, fine scoring within three cell sides of
// the source, the primary's interpolation test at 2 %. The first-scatter split's own test is at
// the end of the file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "physics/material.h"
#include "seed_stats.h"
#include "transport/transport.h"

namespace kiort {
namespace {

const MaterialXs& xs(const std::string& name) {
  static const MaterialLibrary lib =
      MaterialLibrary::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "materials");
  static const MaterialXs water(lib.get("water")), bone(lib.get("cortical-bone"));
  return name == "water" ? water : bone;
}

const Vec3 kSource{0.3, 0.2, 0.1};  // off the voxel corners and centres

// A cube of n^3 voxels of 1 mm centred on the origin: water, with cortical bone (1.92 g/cm^3)
// where `bone` says so.
Geometry cube(int n, const std::function<bool(const Vec3&)>& bone) {
  const double c = -0.5 * n + 0.5;
  const Grid3 grid({n, n, n}, {1, 1, 1}, {c, c, c});
  std::vector<std::int16_t> medium(grid.voxel_count(), 0);
  std::vector<float> density(grid.voxel_count(), 1.0f);
  for (std::size_t v = 0; v < grid.voxel_count(); ++v)
    if (bone(grid.position(grid.index3(v)))) {
      medium[v] = 1;
      density[v] = 1.92f;
    }
  return Geometry(grid, {&xs("water"), &xs("cortical-bone")}, medium, density);
}

enum class Engine { kHybrid, kHybridCoarse };

struct Region {
  std::string name;
  std::function<bool(const Vec3&)> contains;  // voxel centre, relative to the origin
};

// How a run scores: the scatter on k^3 cells (0: fine), a source photon's first scatter split in
// n, or only the photons' flight to their first collision (on the same seed, exactly the primary
// part of the full run).
struct Scoring {
  int cells = 0, split = 1;
  bool primary_only = false;
};

// Per seed, the dose summed over each region.
std::vector<double> region_sums(const Geometry& g, const Spectrum& spectrum, const Scoring& sc,
                                std::uint64_t seed, std::uint64_t histories,
                                const std::vector<Region>& regions) {
  const IsotropicPointSource src(kSource, spectrum);
  TransportOptions o;
  o.hybrid = true;
  o.scatter_cell_voxels = sc.cells;
  o.first_scatter_split = sc.split;
  o.primary_only = sc.primary_only;
  o.seed = seed;
  StopRules s;
  s.histories = histories;
  const TransportResult r = run_transport(g, src, s, o);
  if (sc.cells > 1) {
    EXPECT_GT(r.scatter_coarse_voxels, 0u);
  }
  std::vector<double> sums(regions.size(), 0.0);
  const Grid3& box = *r.dose.grid;
  for (std::size_t i = 0; i < r.dose.value.size(); ++i) {
    const Vec3 p = box.position(box.index3(i));
    for (std::size_t k = 0; k < regions.size(); ++k)
      if (regions[k].contains(p)) sums[k] += r.dose.value[i];
  }
  return sums;
}

// Runs `test` against `reference` on `seeds` seeds and checks every region's paired ratio.
void expect_unbiased(const char* what, const Geometry& g, const Spectrum& spectrum,
                     Engine reference, int seeds, std::uint64_t histories,
                     const std::vector<Region>& regions) {
  std::vector<std::vector<double>> ratios(regions.size());
  for (int s = 0; s < seeds; ++s) {
    const auto ref = region_sums(g, spectrum, {reference == Engine::kHybridCoarse ? 3 : 0},
                                 1000 + s, histories, regions);
    const auto test = region_sums(g, spectrum, {3}, 1000 + s, histories, regions);
    for (std::size_t k = 0; k < regions.size(); ++k) ratios[k].push_back(test[k] / ref[k] - 1);
  }
  for (std::size_t k = 0; k < regions.size(); ++k) {
    const auto [m, se] = mean_and_se(ratios[k]);
    std::printf("%s, %s: %+.3f %% (standard error %.3f %%)\n", what, regions[k].name.c_str(),
                100 * m, 100 * se);
    EXPECT_LT(std::abs(m) + 2 * se, 0.005) << what << ", " << regions[k].name;
    EXPECT_LT(se, 0.0025) << what << ", " << regions[k].name << ": does not resolve the bias";
  }
}

std::vector<Region> radial_shells(const std::vector<double>& edges) {
  std::vector<Region> out;
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    const double a = edges[i], b = edges[i + 1];
    out.push_back(
        {std::to_string(int(a)) + "-" + std::to_string(int(b)) + " mm", [a, b](const Vec3& p) {
           const double r = norm(p - kSource);
           return r >= a && r < b;
         }});
  }
  return out;
}

const Spectrum& mono30() {
  static const Spectrum s = Spectrum::monoenergetic(30);
  return s;
}

TEST(ScatterGridBias, WaterAt30keVWithinHalfAPercentFrom2To40mm) {
  const Geometry g = cube(81, [](const Vec3&) { return false; });
  expect_unbiased("water, 30 keV", g, mono30(), Engine::kHybrid, 6, 100000,
                  radial_shells({2, 9, 12, 15, 20, 25, 30, 35, 40}));
}

// A slab of cortical bone 3.5 < x < 11.5 mm in water, within 12 mm of the source's axis: the
// regions either side of both interfaces. Against the fine-grid hybrid (the same primary), so that
// only the grid's part is compared; the plain engine's noise in bone is ten times larger.
// Measured (3 seeds x 3e5, 81 mm cube): bone +0.00..+0.08 %, water behind it -0.02 %; without the
// primary's test the 3^3 cells were +4.1 % in the last millimetre of bone.
TEST(ScatterGridBias, BoneSlabInterfacesWithinHalfAPercentOfTheFineGrid) {
  const auto in_slab = [](const Vec3& p) { return p.x > 3.5 && p.x < 11.5; };
  const Geometry g = cube(45, in_slab);
  std::vector<Region> regions;
  for (auto [x0, x1, name] :
       {std::tuple{1.0, 3.0, "water 0-2 mm before the bone"},
        std::tuple{4.0, 6.0, "bone 0-2 mm inside"}, std::tuple{7.0, 11.0, "bone 3-7 mm inside"},
        std::tuple{12.0, 18.0, "water 0-6 mm behind the bone"},
        std::tuple{-10.0, -2.0, "water on the opposite side"}})
    regions.push_back({name, [x0, x1](const Vec3& p) {
                         return p.x > x0 - 0.01 && p.x < x1 + 0.01 && std::hypot(p.y, p.z) <= 12;
                       }});
  expect_unbiased("cortical bone slab, 30 keV", g, mono30(), Engine::kHybrid, 6, 200000, regions);
}

// A soft, broad spectrum (Kramers' 50 kV thick-target law cut at 10 keV: the benchmark spectrum)
// in water: the primary's test must hold where the spectrum hardens with depth. Against the
// fine-grid hybrid: the hybrid primary's own spectral binning is tested elsewhere.
TEST(ScatterGridBias, Kramers50SpectrumInWaterWithinHalfAPercentOfTheFineGrid) {
  const Geometry g = cube(61, [](const Vec3&) { return false; });
  const Spectrum spectrum = Spectrum::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "spectra" /
                                           "kramers50-benchmark.txt");
  expect_unbiased("water, Kramers 50 kV", g, spectrum, Engine::kHybrid, 6, 100000,
                  radial_shells({2, 6, 9, 12, 15, 20, 25, 30}));
}

// The first-scatter split (TransportOptions::first_scatter_split, 8 in plans) is unbiased by
// construction: each of the n photons that leave a source photon's first scatter is a sample of
// that interaction with 1/n of the weight. Checked on the scatter alone (the full run minus its
// primary, which is the same in both runs and would dilute a bias by the scatter fraction), split
// 8 against none, seed by seed (the split changes every random number after the first scatter; on
// the same seed the source photons and their first interactions are shared, which pairs the runs
// in part): |mean| < 4 standard errors (12 seeds: a false alarm about once in 500 per region) and
// < 2 % of the scatter, resolved to 1 % of it (0.07-0.7 % here; the scatter is a fifth to a half
// of the dose).
void expect_split_unbiased(const char* what, const Geometry& g, const Spectrum& spectrum, int cells,
                           int seeds, std::uint64_t histories, const std::vector<Region>& regions) {
  std::vector<std::vector<double>> ratios(regions.size());
  for (int s = 0; s < seeds; ++s) {
    const auto p = region_sums(g, spectrum, {cells, 1, true}, 2000 + s, histories, regions);
    const auto a = region_sums(g, spectrum, {cells, 1}, 2000 + s, histories, regions);
    const auto b = region_sums(g, spectrum, {cells, 8}, 2000 + s, histories, regions);
    for (std::size_t k = 0; k < regions.size(); ++k)
      ratios[k].push_back((b[k] - p[k]) / (a[k] - p[k]) - 1);
  }
  for (std::size_t k = 0; k < regions.size(); ++k) {
    const auto [m, se] = mean_and_se(ratios[k]);
    std::printf("%s, %s: scatter, split 8 / none - 1 = %+.3f %% (standard error %.3f %%)\n", what,
                regions[k].name.c_str(), 100 * m, 100 * se);
    EXPECT_LT(std::abs(m), 4 * se) << what << ", " << regions[k].name;
    EXPECT_LT(std::abs(m), 0.02) << what << ", " << regions[k].name;
    EXPECT_LT(se, 0.01) << what << ", " << regions[k].name << ": does not resolve 1 %";
  }
}

TEST(FirstScatterSplit, UnbiasedInWaterFineAndOnCoarseCells) {
  const Geometry g = cube(41, [](const Vec3&) { return false; });
  const auto shells = radial_shells({2, 5, 10, 15, 20});
  expect_split_unbiased("water, 30 keV, fine", g, mono30(), 0, 12, 100000, shells);
  expect_split_unbiased("water, 30 keV, 3^3 cells", g, mono30(), 3, 12, 100000, shells);
}

// Cortical bone 3.5 < x < 7.5 mm beside the source, the 50 kV benchmark spectrum: the regions in
// the bone, in the water behind it and on the other side, within 12 mm of the source's axis.
TEST(FirstScatterSplit, UnbiasedAcrossABoneSlab) {
  const auto in_slab = [](const Vec3& p) { return p.x > 3.5 && p.x < 7.5; };
  const Geometry g = cube(41, in_slab);
  const Spectrum kramers = Spectrum::load(std::filesystem::path(KIORT_TEST_DATA_DIR) /
                                          "spectra/kramers50-benchmark.txt");
  const auto near_axis = [](const Vec3& p) { return p.y * p.y + p.z * p.z < 144; };
  const std::vector<Region> regions = {
      {"bone", [&](const Vec3& p) { return in_slab(p) && near_axis(p); }},
      {"water behind the bone",
       [&](const Vec3& p) { return p.x >= 7.5 && p.x < 11 && near_axis(p); }},
      {"water on the other side",
       [&](const Vec3& p) { return p.x <= -3.5 && p.x > -15 && near_axis(p); }}};
  expect_split_unbiased("bone slab, 50 kV, 3^3 cells", g, kramers, 3, 12, 300000, regions);
}

}  // namespace
}  // namespace kiort
