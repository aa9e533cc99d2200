#include "transport/transport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "transport/problems.h"

namespace kiort {
namespace {

const MaterialLibrary& library() {
  static const MaterialLibrary lib =
      MaterialLibrary::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "materials");
  return lib;
}
const MaterialXs& xs(const char* name) {
  static std::map<std::string, MaterialXs> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, MaterialXs(library().get(name))).first;
  return it->second;
}

StopRules histories(std::uint64_t n) {
  StopRules s;
  s.histories = n;
  return s;
}

void expect_energy_conserved(const TransportResult& r) {
  const EnergyBalance& b = r.balance;
  const double out = b.deposited_voxels + b.deposited_solids + b.cutoff + b.escaped;
  // Every history conserves energy exactly (photoelectron, Compton electron and fluorescence
  // account for all of it); only fixed-point rounding of the tallies remains.
  EXPECT_NEAR(out, b.emitted, 1e-6 * b.emitted);
  EXPECT_GT(b.deposited_voxels + b.deposited_solids, 0);
  EXPECT_GT(b.escaped, 0);
}

TEST(Transport, EnergyBalanceInBoneWithFluorescenceAndAnApplicator) {
  // A 20 mm bone cube with a hollow titanium needle (lumen vacuum) whose tip is 1 mm from the
  // source: solids take precedence over voxels.
  const Grid3 grid({20, 20, 20}, {1, 1, 1}, {-9.5, -9.5, -9.5});
  Geometry g2(grid, {&xs("cortical-bone"), &xs("titanium")}, std::vector<std::int16_t>(8000, 0),
              std::vector<float>(8000, 1.92f));
  g2.add_solid(LayeredCapsule("needle", {0, 0, -12}, {0, 0, -1}, {{0.5, -1, 0}, {0.8, 1, 4.5}}));
  IsotropicPointSource src({0, 0, 0}, Spectrum({10, 50}, {1, 1}, "flat"));
  TransportOptions o;
  o.threads = 2;
  const TransportResult r = run_transport(g2, src, histories(20000), o);
  expect_energy_conserved(r);
  EXPECT_GT(r.balance.deposited_solids, 0);   // the needle absorbs
  EXPECT_NEAR(r.balance.emitted, 30.0, 0.5);  // flat 10-50 keV, mean 30
}

// Runs `o` on 1 and on 2 threads and requires the same dose and sigma (and analog dose), bit for
// bit; returns the one-thread result.
TransportResult expect_same_on_one_and_two_threads(const Geometry& g, const PhotonSource& src,
                                                   TransportOptions o, std::uint64_t n) {
  o.threads = 1;
  TransportResult a = run_transport(g, src, histories(n), o);
  o.threads = 2;
  const TransportResult b = run_transport(g, src, histories(n), o);
  EXPECT_EQ(a.dose.value.size(), b.dose.value.size());
  for (std::size_t i = 0; i < a.dose.value.size() && i < b.dose.value.size(); ++i) {
    EXPECT_EQ(a.dose.value[i], b.dose.value[i]) << i;  // bit for bit
    EXPECT_EQ(a.dose.sigma_rel[i], b.dose.sigma_rel[i]) << i;
    if (o.analog) {
      EXPECT_EQ(a.analog_dose.value[i], b.analog_dose.value[i]) << i;
    }
    if (::testing::Test::HasFailure()) break;
  }
  return a;
}

TEST(Transport, SameSeedBitIdenticalForOneAndTwoThreads) {
  const Geometry g = make_box_problem(xs("cortical-bone"), 15, 1);
  IsotropicPointSource src({0.2, -0.3, 0.1}, Spectrum::monoenergetic(30));
  TransportOptions o;
  o.seed = 77;
  o.analog = true;
  const TransportResult a = expect_same_on_one_and_two_threads(g, src, o, 30000);
  o.seed = 78;
  const TransportResult c = run_transport(g, src, histories(30000), o);
  EXPECT_NE(a.dose.value[g.grid().voxel_count() / 2], c.dose.value[g.grid().voxel_count() / 2]);
}

// The first-scatter split draws its photons from the history's own stream: the same result on
// any number of threads, bit for bit, and the energy balance still closes.
TEST(Transport, FirstScatterSplitBitIdenticalForOneAndTwoThreadsAndBalanced) {
  const Geometry g = make_box_problem(xs("water"), 21, 1);
  IsotropicPointSource src({0.2, -0.3, 0.1}, Spectrum::monoenergetic(30));
  TransportOptions o;
  o.seed = 79;
  o.hybrid = true;
  o.first_scatter_split = 8;
  const TransportResult a = expect_same_on_one_and_two_threads(g, src, o, 20000);
  expect_energy_conserved(a);
  o.first_scatter_split = 1;
  const TransportResult c = run_transport(g, src, histories(20000), o);
  // Splitting changes the photons after the first scatter (not a silent no-op).
  EXPECT_NE(a.dose.value[g.grid().voxel_count() / 3], c.dose.value[g.grid().voxel_count() / 3]);
}

// Track-length and analog estimators of the same dose agree voxel by voxel within statistics.
TEST(Transport, TrackLengthAgreesWithAnalog) {
  const Geometry g = make_box_problem(xs("water"), 21, 3);
  IsotropicPointSource src({0, 0, 0}, Spectrum::monoenergetic(20));
  TransportOptions o;
  o.analog = true;
  const TransportResult r = run_transport(g, src, histories(100000), o);
  int compared = 0, outliers = 0;
  double z_sum = 0;
  for (std::size_t i = 0; i < r.dose.value.size(); ++i) {
    const double tl = r.dose.value[i], an = r.analog_dose.value[i];
    const double s = std::hypot(tl * r.dose.sigma_rel[i], an * r.analog_dose.sigma_rel[i]);
    if (!(s > 0)) continue;
    const double z = (tl - an) / s;
    z_sum += z;
    ++compared;
    if (std::abs(z) > 3.5) ++outliers;
  }
  ASSERT_EQ(compared, 343);
  EXPECT_LE(outliers, 2);
  EXPECT_LT(std::abs(z_sum / compared), 0.3);
}

// Voxels and spherical shells scored in the same run agree where both apply (r = 8-14 mm).
TEST(Transport, VoxelAndShellTalliesAgree) {
  const Geometry g = make_box_problem(xs("water"), 41, 1);
  IsotropicPointSource src({0, 0, 0}, Spectrum::monoenergetic(30));
  TransportOptions o;
  o.shell_radii_mm = {8, 10, 12, 14};
  const TransportResult r = run_transport(g, src, histories(100000), o);
  for (std::size_t s = 0; s < 3; ++s) {
    double sum = 0, var = 0;
    int n = 0;
    for (std::size_t i = 0; i < r.dose.value.size(); ++i) {
      const double rad = norm(r.dose.grid->position(r.dose.grid->index3(i)));
      if (rad >= r.shells[s].r_inner_mm && rad < r.shells[s].r_outer_mm) {
        sum += r.dose.value[i];
        var += std::pow(r.dose.value[i] * r.dose.sigma_rel[i], 2);
        ++n;
      }
    }
    const double voxel_mean = sum / n, sigma = std::sqrt(var) / n;
    const double shell = r.shells[s].dose_gy_per_history;
    // Allow 3 sigma plus 1 % for voxel-centre selection and volume averaging.
    EXPECT_NEAR(voxel_mean, shell,
                3 * std::hypot(sigma, shell * r.shells[s].sigma_rel) + 0.01 * shell)
        << "shell " << s;
  }
}

TEST(Transport, BadInputIsRefused) {
  const Geometry g = make_box_problem(xs("water"), 10, 1);
  IsotropicPointSource inside({0, 0, 0}, Spectrum::monoenergetic(30));
  IsotropicPointSource outside({0, 0, 50}, Spectrum::monoenergetic(30));
  TransportOptions o;
  auto kind = [&](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::kInternal;
  };
  EXPECT_EQ(kind([&] { run_transport(g, inside, histories(0), o); }), ErrorKind::kBadInput);
  EXPECT_EQ(kind([&] { run_transport(g, outside, histories(10), o); }), ErrorKind::kBadInput);
  EXPECT_EQ(kind([&] { Spectrum::monoenergetic(75); }), ErrorKind::kBadInput);
  EXPECT_EQ(kind([&] { Spectrum::monoenergetic(0.5); }), ErrorKind::kBadInput);
  EXPECT_EQ(kind([&] { library().get("unobtainium"); }), ErrorKind::kBadInput);
  EXPECT_EQ(kind([&] { make_sphere_problem(xs("water"), -1); }), ErrorKind::kBadInput);
  TransportOptions bad_cut;
  bad_cut.cutoff_kev = 0.1;
  EXPECT_EQ(kind([&] { run_transport(g, inside, histories(10), bad_cut); }), ErrorKind::kBadInput);
  for (const int split : {0, 65}) {
    TransportOptions bad_split;
    bad_split.first_scatter_split = split;
    EXPECT_EQ(kind([&] { run_transport(g, inside, histories(10), bad_split); }),
              ErrorKind::kBadInput)
        << split;
  }
  TransportOptions bad_bin;
  bad_bin.hybrid = true;
  bad_bin.hybrid_spectrum_bin_kev = 0;
  EXPECT_EQ(kind([&] { run_transport(g, inside, histories(10), bad_bin); }), ErrorKind::kBadInput);
}

TEST(Transport, SigmaTargetStopsTheRun) {
  const Geometry g = make_box_problem(xs("water"), 11, 1);
  IsotropicPointSource src({0, 0, 0}, Spectrum::monoenergetic(30));
  StopRules s;
  s.target_sigma_rel = 0.05;
  s.time_limit_s = 60;  // safety net; the sigma target is reached long before
  const TransportResult r = run_transport(g, src, s, TransportOptions{});
  EXPECT_EQ(r.stopped_by, "sigma");
  EXPECT_LE(r.achieved_sigma_rel, 0.05);
}

// A run stopped on a sigma target checks on a fixed round schedule: 1 and 3 threads stop after
// the same histories with the same dose, bit for bit (issue 16 item 8).
TEST(Transport, SigmaStoppedRunBitIdenticalOnOneAndThreeThreads) {
  const Geometry g = make_box_problem(xs("water"), 11, 1);
  IsotropicPointSource src({0, 0, 0}, Spectrum::monoenergetic(30));
  StopRules s;
  s.target_sigma_rel = 0.02;
  s.sigma_point = Vec3{4, 0, 0};
  TransportOptions o;
  o.seed = 5;
  o.threads = 1;
  const TransportResult a = run_transport(g, src, s, o);
  o.threads = 3;
  const TransportResult b = run_transport(g, src, s, o);
  EXPECT_EQ(a.stopped_by, "sigma");
  EXPECT_GT(a.histories, 32768u);  // more than one round: the schedule is exercised
  ASSERT_EQ(a.histories, b.histories);
  EXPECT_EQ(a.achieved_sigma_rel, b.achieved_sigma_rel);
  ASSERT_EQ(a.dose.value.size(), b.dose.value.size());
  for (std::size_t i = 0; i < a.dose.value.size(); ++i) {
    ASSERT_EQ(a.dose.value[i], b.dose.value[i]) << i;
    ASSERT_EQ(a.dose.sigma_rel[i], b.dose.sigma_rel[i]) << i;
  }
}

}  // namespace
}  // namespace kiort

namespace kiort {
namespace {

// A 21 mm water cube (1 mm voxels) with a 4 mm cortical-bone slab beside the source and a
// titanium needle ending 2 mm from it: heterogeneous in voxels and solids.
Geometry heterogeneous_box() {
  const Grid3 grid({21, 21, 21}, {1, 1, 1}, {-10, -10, -10});
  std::vector<std::int16_t> medium(grid.voxel_count(), 0);
  std::vector<float> density(grid.voxel_count(), 1.0f);
  for (std::size_t v = 0; v < grid.voxel_count(); ++v)
    if (const Index3 ix = grid.index3(v); ix.i >= 13 && ix.i < 17) {
      medium[v] = 1;
      density[v] = 1.92f;
    }
  Geometry g(grid, {&xs("water"), &xs("cortical-bone"), &xs("titanium")}, medium, density);
  g.add_solid(LayeredCapsule("needle", {0, 0, -12}, {0, 0, -3}, {{0.4, -1, 0}, {0.7, 2, 4.5}}));
  return g;
}

// The hybrid mode (exact primary + Monte Carlo scatter) equals pure Monte Carlo within
// statistics over the voxels above 0.5 % of the maximum (a point source's dose falls as 1/r^2:
// only the few voxels next to it are above 10 %).
TEST(Transport, HybridEqualsPureMonteCarlo) {
  const Geometry g = heterogeneous_box();
  IsotropicPointSource src({0.3, 0.2, 0.1}, Spectrum({15, 45}, {1, 0.5}, "ramp"));
  TransportOptions o;
  const TransportResult pure = run_transport(g, src, histories(60000), o);
  o.hybrid = true;
  o.seed = 2;
  const TransportResult hybrid = run_transport(g, src, histories(60000), o);
  double max = 0;
  for (double d : pure.dose.value) max = std::max(max, d);
  int compared = 0, outliers = 0;
  double z_sum = 0;
  for (std::size_t i = 0; i < pure.dose.value.size(); ++i) {
    const double a = pure.dose.value[i], b = hybrid.dose.value[i];
    if (a < 0.005 * max) continue;
    const double s = std::hypot(a * pure.dose.sigma_rel[i], b * hybrid.dose.sigma_rel[i]);
    const double z = (b - a) / s;
    z_sum += z;
    ++compared;
    if (std::abs(z) > 4) ++outliers;
  }
  ASSERT_GT(compared, 20);
  EXPECT_LE(outliers, 1);
  EXPECT_LT(std::abs(z_sum / compared), 4.0 / std::sqrt(double(compared)));
  // The hybrid's uncertainty is smaller where the primary dominates.
  double s_pure = 0, s_hybrid = 0;
  for (std::size_t i = 0; i < pure.dose.value.size(); ++i)
    if (pure.dose.value[i] >= 0.005 * max) {
      s_pure += pure.dose.sigma_rel[i];
      s_hybrid += hybrid.dose.sigma_rel[i];
    }
  EXPECT_LT(s_hybrid, s_pure);
}

TEST(Transport, HybridNeedsAPointSource) {
  // A source with no point: the hybrid mode is refused with a clear error.
  struct Line : PhotonSource {
    Photon sample(Philox&) const override { return {{0, 0, 0}, {0, 0, 1}, 30, 1}; }
    double max_energy_kev() const override { return 30; }
    double mean_energy_kev() const override { return 30; }
    std::string describe() const override { return "pencil beam"; }
  } line;
  TransportOptions o;
  o.hybrid = true;
  EXPECT_THROW(run_transport(heterogeneous_box(), line, histories(10), o), Error);
}

}  // namespace
}  // namespace kiort

namespace kiort {
namespace {

// Polar bins and source-energy tags partition the spherical tally exactly: recombined, they give
// the whole-shell dose of the same histories; and an isotropic source gives equal polar bins.
TEST(Transport, PolarAndEnergyBinsPartitionTheShells) {
  const Geometry g = make_sphere_problem(xs("water"), 20);
  IsotropicPointSource src({0, 0, 0}, Spectrum({20, 40}, {1, 1}, "flat"));
  TransportOptions whole;
  whole.shell_radii_mm = {5, 10, 15};
  const TransportResult a = run_transport(g, src, histories(40000), whole);
  TransportOptions split = whole;
  split.shell_cos_edges = {-1, -0.5, 0, 0.25, 1};
  split.shell_axis = normalized(Vec3{1, 1, 0});
  split.shell_energy_edges_kev = {20, 30, 40};
  const TransportResult b = run_transport(g, src, histories(40000), split);
  ASSERT_EQ(b.shells.size(), 2u * 2u * 4u);
  for (std::size_t s = 0; s < 2; ++s) {
    double recombined = 0;
    for (const ShellResult& r : b.shells)
      if (r.r_inner_mm == a.shells[s].r_inner_mm)
        recombined += r.dose_gy_per_history * (r.cos_hi - r.cos_lo) / 2.0;
    EXPECT_NEAR(recombined, a.shells[s].dose_gy_per_history, 1e-6 * recombined) << s;
    // Isotropic emission: each polar bin (all energies) equals the whole shell within 4 sigma.
    for (std::size_t c = 0; c < 4; ++c) {
      double dose = 0, var = 0;
      for (int e = 0; e < 2; ++e) {
        const ShellResult& r = b.shells[(std::size_t(e) * 2 + s) * 4 + c];
        dose += r.dose_gy_per_history;
        var += std::pow(r.dose_gy_per_history * r.sigma_rel, 2);
      }
      EXPECT_NEAR(dose, a.shells[s].dose_gy_per_history, 4 * std::sqrt(var)) << s << " " << c;
    }
  }
}

// Shells have no fixed upper count: 150 one-millimetre shells of a 150 mm full-scatter phantom
// (the size egs_brachy and TG-43 work use) partition the coarse shells of the same histories
// exactly: the energy in [10, 15) mm is the sum over its five fine shells, so the coarse dose is
// their volume-weighted mean.
TEST(Transport, ManyFineShellsPartitionCoarseOnes) {
  const Geometry g = make_sphere_problem(xs("water"), 150);
  IsotropicPointSource src({0, 0, 0}, Spectrum::monoenergetic(30));
  TransportOptions coarse;
  coarse.shell_radii_mm = {0, 10, 15, 150};
  const TransportResult a = run_transport(g, src, histories(20000), coarse);
  TransportOptions fine;
  for (int i = 0; i <= 150; ++i) fine.shell_radii_mm.push_back(i);
  const TransportResult b = run_transport(g, src, histories(20000), fine);
  ASSERT_EQ(b.shells.size(), 150u);
  auto vol = [](double r0, double r1) { return r1 * r1 * r1 - r0 * r0 * r0; };
  for (std::size_t s = 0; s < a.shells.size(); ++s) {
    const ShellResult& c = a.shells[s];
    double sum = 0;
    for (const ShellResult& f : b.shells)
      if (f.r_inner_mm >= c.r_inner_mm && f.r_outer_mm <= c.r_outer_mm)
        sum += f.dose_gy_per_history * vol(f.r_inner_mm, f.r_outer_mm);
    const double mean = sum / vol(c.r_inner_mm, c.r_outer_mm);
    // 1e-6: the fixed-point tallies round each scored piece, and fine shells cut tracks into more.
    EXPECT_NEAR(mean, c.dose_gy_per_history, 1e-6 * c.dose_gy_per_history) << s;
  }
  EXPECT_GT(b.shells.back().dose_gy_per_history, 0);  // photons reach the 149-150 mm shell
}

}  // namespace
}  // namespace kiort
