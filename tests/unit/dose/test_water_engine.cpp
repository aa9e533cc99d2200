// The fast water engine's lookup on a table whose truth is known analytically: interpolation,
// geometry (oblique axes, the shaft shadow, the applicator), TG-43 functions, table I/O, and the
// cache's decision under MPI (load or compute together).
// Agreement with an independent Monte Carlo run is the validation test (test_water_engine_mc).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>

#include "core/error.h"
#include "core/grid3.h"
#include "dose/water_engine.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

constexpr double kSurface = 1.6;  // mm, applicator radius of the synthetic table

// D(r, cos) = 100 / r^2 * exp(-0.05 r) * (1 + 0.3 cos): smooth, with the 1/r^2 and attenuation of
// a point source in water and a forward-peaked anisotropy.
double truth(double r, double c) {
  return 100.0 / (r * r) * std::exp(-0.05 * r) * (1 + 0.3 * c);
}

WaterTable analytic_table() {
  WaterTable t;
  t.source_checksum = "synthetic";
  const int n = 56;
  for (int k = 0; k < n; ++k)
    t.radii_mm.push_back(kSurface * std::pow(45.0 / kSurface, double(k) / (n - 1)));
  for (int k = 0; k <= 36; ++k) t.cos_edges.push_back(std::cos(M_PI * (36 - k) / 36.0));
  t.cos_edges.front() = -1;
  t.cos_edges.back() = 1;
  for (std::size_t i = 0; i + 1 < t.radii_mm.size(); ++i)
    for (std::size_t c = 0; c + 1 < t.cos_edges.size(); ++c) {
      // Bin averages, as the Monte Carlo scores them (midpoint rule on a fine sub-grid).
      const double a = t.radii_mm[i], b = t.radii_mm[i + 1];
      const double ca = t.cos_edges[c], cb = t.cos_edges[c + 1];
      double sum = 0, w = 0;
      for (int u = 0; u < 40; ++u)
        for (int v = 0; v < 10; ++v) {
          const double r = a + (b - a) * (u + 0.5) / 40, cc = ca + (cb - ca) * (v + 0.5) / 10;
          sum += truth(r, cc) * r * r;
          w += r * r;
        }
      t.dose.push_back(sum / w);
      t.sigma_rel.push_back(0.001);
    }
  t.histories = 1;
  return t;
}

TEST(WaterEngine, InterpolatesAnalyticTableWithinHalfPercent) {
  const WaterEngine e(analytic_table(), kSurface);
  double worst = 0;
  for (double r = 3.0; r <= 40.0; r += 0.37)
    for (double c = -0.95; c <= 1.0; c += 0.05)
      worst = std::max(worst, std::abs(e.dose_rate(r, c) / truth(r, c) - 1));
  EXPECT_LT(worst, 0.005);
}

TEST(WaterEngine, NoDoseInsideApplicatorOrBeyondTable) {
  const WaterEngine e(analytic_table(), kSurface);
  EXPECT_EQ(e.dose_rate(1.0, 0.0), 0.0);
  EXPECT_EQ(e.dose_rate(50.0, 0.0), 0.0);
  EXPECT_GT(e.dose_rate(2.0, 0.0), 0.0);
  // Behind the tip within the shaft's radius: the probe is there, not water.
  EXPECT_EQ(e.dose_rate_at({0, 0, -10}, {0, 0, 0}, {0, 0, 1}), 0.0);
  EXPECT_GT(e.dose_rate_at({3, 0, -10}, {0, 0, 0}, {0, 0, 1}), 0.0);
}

TEST(WaterEngine, TG43FunctionsAreNormalisedAtReferencePoint) {
  const WaterEngine e(analytic_table(), kSurface);
  EXPECT_NEAR(e.radial_dose_function(10.0), 1.0, 1e-12);
  EXPECT_NEAR(e.anisotropy(20.0, 90.0), 1.0, 1e-12);
  // g(r) = D(r) r^2 / (D(r0) r0^2): exp(-0.05 (r - r0)) for the synthetic source.
  EXPECT_NEAR(e.radial_dose_function(20.0), std::exp(-0.5), 0.005);
  EXPECT_NEAR(e.anisotropy(20.0, 30.0), 1 + 0.3 * std::cos(M_PI / 6), 0.005);
}

TEST(WaterEngine, FillOnObliqueGridMatchesPointLookup) {
  const WaterEngine e(analytic_table(), kSurface);
  // A grid rotated 30 degrees about z, and a probe axis that is not a grid axis.
  const double a = M_PI / 6;
  const Mat3 dir =
      Mat3::from_columns({std::cos(a), std::sin(a), 0}, {-std::sin(a), std::cos(a), 0}, {0, 0, 1});
  const Grid3 grid({21, 17, 13}, {2.0, 2.5, 3.0}, {-20, -18, -15}, dir);
  const Vec3 tip{1.0, -2.0, 0.5};
  const Vec3 axis = normalized(Vec3{0.3, 0.2, 1.0});
  const auto filled = e.fill(grid, tip, axis, 2);
  ASSERT_EQ(filled.size(), grid.voxel_count());
  for (std::size_t v = 0; v < filled.size(); v += 7) {
    const Vec3 p = grid.position(grid.index3(v));
    EXPECT_NEAR(filled[v], e.dose_rate_at(p, tip, axis), 1e-4 * (1 + std::abs(filled[v])));
  }
}

TEST(WaterEngine, TableRoundTripsThroughDisk) {
  const fs::path dir = fs::temp_directory_path() / "kiort-water-table-test";
  fs::remove_all(dir);
  WaterTable t = analytic_table();
  t.dose[3] = std::numeric_limits<double>::quiet_NaN();  // a bin the shaft occupies
  save_water_table(dir / "t.water.json", t);
  const WaterTable back = load_water_table(dir / "t.water.json");
  ASSERT_EQ(back.dose.size(), t.dose.size());
  EXPECT_TRUE(std::isnan(back.dose[3]));
  EXPECT_DOUBLE_EQ(back.dose[4], t.dose[4]);
  EXPECT_EQ(back.radii_mm, t.radii_mm);
  EXPECT_EQ(back.source_checksum, "synthetic");
  fs::remove_all(dir);
}

TEST(WaterEngine, MalformedTableIsBadInput) {
  const fs::path dir = fs::temp_directory_path() / "kiort-water-table-bad";
  fs::create_directories(dir);
  { std::ofstream(dir / "bad.water.json") << "{\"source_checksum\": 3}"; }
  try {
    load_water_table(dir / "bad.water.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("bad.water.json"), std::string::npos);
  }
  fs::remove_all(dir);
}

// Under MPI every rank must take the same branch of for_source (load or compute together): a rank
// computing alone would wait in the transport's reductions for the others. These one-process
// Collectives play one rank of a run: their first sum is for_source's count of ranks lacking the
// table (here: one more), the later ones the tallies (this rank's own).
class AnotherRankLacksTheTable : public Collective {
 public:
  AnotherRankLacksTheTable(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::span<Int128> data) const override {
    if (sums_++ == 0) data[0] += 1;
  }
  mutable int sums_ = 0;

 private:
  int rank_, size_;
};

bool same_doses(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

TEST(WaterEngine, TheRanksComputeTheTableWhenAnyLacksItAndRankZeroWritesIt) {
  const MaterialLibrary lib = MaterialLibrary::load(fs::path(KIORT_TEST_DATA_DIR) / "materials");
  const CommissionedSource src = load_commissioned_source(
      fs::path(KIORT_TEST_DATA_DIR) / "sources" / "intrabeam-needle-50kv-sample.commissioned.json");
  const fs::path dir =
      fs::temp_directory_path() / ("kiort-water-ranks-" + std::to_string(getpid()));
  fs::remove_all(dir);
  McSettings mc;
  mc.histories = 4096;
  mc.threads = 1;
  const WaterTable fresh = WaterEngine::for_source(src, lib, dir / "a", mc).table();
  ASSERT_EQ(std::distance(fs::directory_iterator(dir / "a"), fs::directory_iterator{}), 1);
  const fs::path cached = fs::directory_iterator(dir / "a")->path();
  // This rank's cache holds another table of the same source (doses doubled): alone it loads it.
  WaterTable doctored = fresh;
  for (double& d : doctored.dose) d *= 2;
  save_water_table(cached, doctored);
  EXPECT_TRUE(
      same_doses(WaterEngine::for_source(src, lib, dir / "a", mc).table().dose, doctored.dose));
  // Another rank lacks it: this one (rank 0 of 1) computes too and writes what it computed.
  const AnotherRankLacksTheTable rank0(0, 1);
  mc.world = &rank0;
  EXPECT_TRUE(
      same_doses(WaterEngine::for_source(src, lib, dir / "a", mc).table().dose, fresh.dose));
  EXPECT_TRUE(same_doses(load_water_table(cached).dose, fresh.dose));
  // Rank 1 of 2 computes its share and writes nothing.
  const AnotherRankLacksTheTable rank1(1, 2);
  mc.world = &rank1;
  WaterEngine::for_source(src, lib, dir / "b", mc);
  EXPECT_GT(rank1.sums_, 1);  // the flag, then the transport's tallies
  EXPECT_FALSE(fs::exists(dir / "b"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kiort
