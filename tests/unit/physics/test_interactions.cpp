#include "physics/interactions.h"

#include <gtest/gtest.h>
#include <xraylib/xraylib.h>

#include <cmath>
#include <filesystem>

#include "test_support.h"

namespace kiort {
namespace {

using test::chi_square_p;
using test::TestRng;

const MaterialLibrary& library() {
  static const MaterialLibrary lib =
      MaterialLibrary::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "materials");
  return lib;
}

Material single_element(int z) {
  Material m;
  m.name = "element";
  m.density_g_cm3 = 1;
  m.composition = {{z, 1.0}};
  return m;
}

// Expected probability of each of `bins` equal bins in cos(theta), by integrating a differential
// cross section (per steradian) with Simpson's rule.
template <class Dcs>
std::vector<double> expected_cos_bins(int bins, Dcs dcs) {
  std::vector<double> p(bins);
  double total = 0;
  for (int b = 0; b < bins; ++b) {
    const double lo = -1.0 + 2.0 * b / bins, hi = lo + 2.0 / bins;
    constexpr int kSub = 40;
    double s = 0;
    for (int k = 0; k <= kSub; ++k) {
      const double c = lo + (hi - lo) * k / kSub;
      const double w = (k == 0 || k == kSub) ? 1 : (k % 2 ? 4 : 2);
      s += w * dcs(std::acos(std::clamp(c, -1.0, 1.0)));
    }
    p[b] = s * (hi - lo) / (3 * kSub);
    total += p[b];
  }
  for (double& x : p) x /= total;
  return p;
}

std::vector<double> histogram_cos(const std::vector<double>& cos_values, int bins) {
  std::vector<double> h(bins, 0);
  for (double c : cos_values)
    h[std::min(bins - 1, static_cast<int>((c + 1.0) / 2.0 * bins))] += 1;
  return h;
}

// Incoherent: sampled angles follow Klein-Nishina x S(x, Z) as xraylib's DCS_Compt gives it.
TEST(Incoherent, AngularDistributionMatchesDcsCompt) {
  constexpr int kN = 200000, kBins = 40;
  for (int z : {8, 20}) {
    for (double e : {10.0, 30.0, 60.0}) {
      const MaterialXs xs(single_element(z));
      TestRng rng(1234 + z);
      const XsPoint p = xs.locate(e);
      std::vector<double> cos_values;
      for (int i = 0; i < kN; ++i) cos_values.push_back(sample_incoherent(xs, p, e, rng).cos_theta);
      const auto expected =
          expected_cos_bins(kBins, [&](double th) { return DCS_Compt(z, e, th, nullptr); });
      EXPECT_GT(chi_square_p(histogram_cos(cos_values, kBins), expected, kN), 1e-3)
          << "Z=" << z << " E=" << e;
    }
  }
}

TEST(Incoherent, ComptonKinematicsConserveEnergy) {
  const MaterialXs xs(library().get("water"));
  TestRng rng(7);
  for (double e : {5.0, 20.0, 50.0, 60.0}) {
    const double k = e / kElectronRestKeV;
    const XsPoint p = xs.locate(e);
    for (int i = 0; i < 20000; ++i) {
      const ScatterResult s = sample_incoherent(xs, p, e, rng);
      // E' = E / (1 + k (1 - cos)): photon + electron energy = incoming energy.
      EXPECT_NEAR(s.energy_kev, e / (1 + k * (1 - s.cos_theta)), 1e-9 * e);
      ASSERT_GE(s.energy_kev, e / (1 + 2 * k) * (1 - 1e-12));
      ASSERT_LE(s.energy_kev, e);
      ASSERT_GE(s.cos_theta, -1.0);
      ASSERT_LE(s.cos_theta, 1.0);
    }
  }
}

// Coherent: sampled angles follow (1 + cos^2) F^2 of the mixture, i.e. sum_i w_i DCS_Rayl(Z_i).
TEST(Coherent, AngularDistributionMatchesDcsRayl) {
  constexpr int kN = 200000, kBins = 50;
  for (const char* name : {"water", "cortical-bone", "gold"}) {
    const Material& m = library().get(name);
    const MaterialXs xs(m);
    for (double e : {15.0, 40.0}) {
      TestRng rng(99);
      std::vector<double> cos_values;
      for (int i = 0; i < kN; ++i) cos_values.push_back(sample_coherent_cos(xs, e, rng));
      const auto expected = expected_cos_bins(kBins, [&](double th) {
        double s = 0;
        for (const auto& el : m.composition)
          s += el.mass_fraction * DCS_Rayl(el.z, e, th, nullptr);
        return s;
      });
      EXPECT_GT(chi_square_p(histogram_cos(cos_values, kBins), expected, kN), 1e-3)
          << name << " E=" << e;
    }
  }
}

// Photoabsorption in cortical bone at 20 keV: energy is conserved, and Ca K fluorescence appears
// as often as xraylib's partial cross sections and yields predict.
TEST(Photoelectric, CalciumKFluorescenceInBone) {
  const Material& m = library().get("cortical-bone");
  const MaterialXs xs(m);
  constexpr int kN = 400000;
  const double e = 20.0;
  const XsPoint p = xs.locate(e);
  TestRng rng(2024);
  int ca_k = 0;
  const double ka = LineEnergy(20, KL3_LINE, nullptr), kb = LineEnergy(20, KM3_LINE, nullptr);
  for (int i = 0; i < kN; ++i) {
    const PhotoResult r = sample_photoelectric(xs, p, e, rng);
    ASSERT_NEAR(r.local_kev + r.fluorescence_kev, e, 1e-12);
    ASSERT_GE(r.local_kev, 0);
    if (r.fluorescence_kev > 3.5 && r.fluorescence_kev < 4.1) ++ca_k;
  }
  double photo_total = 0, w_ca = 0;
  for (const auto& el : m.composition) {
    photo_total += el.mass_fraction * CS_Photo(el.z, e, nullptr);
    if (el.z == 20) w_ca = el.mass_fraction;
  }
  const double expected = w_ca * CS_Photo(20, e, nullptr) / photo_total *
                          CS_Photo_Partial(20, K_SHELL, e, nullptr) / CS_Photo(20, e, nullptr) *
                          FluorYield(20, K_SHELL, nullptr);
  const double sigma = std::sqrt(kN * expected * (1 - expected));
  EXPECT_NEAR(ca_k, kN * expected, 4 * sigma);
  EXPECT_GT(expected, 0.05);  // Ca K fluorescence is not negligible in bone
  EXPECT_GT(ka, 3.6);
  EXPECT_LT(kb, 4.1);
}

TEST(Photoelectric, NoFluorescenceBelowCutoff) {
  TableOptions opts;
  opts.fluorescence_cutoff_kev = 5.0;  // above the Ca K lines
  const MaterialXs xs(library().get("cortical-bone"), opts);
  TestRng rng(5);
  const XsPoint p = xs.locate(20.0);
  for (int i = 0; i < 20000; ++i)
    ASSERT_EQ(sample_photoelectric(xs, p, 20.0, rng).fluorescence_kev, 0.0);
}

TEST(Directions, RotationKeepsAngleAndLength) {
  TestRng rng(11);
  for (int i = 0; i < 10000; ++i) {
    const Vec3 u = i == 0 ? Vec3{0, 0, 1} : (i == 1 ? Vec3{0, 0, -1} : sample_isotropic(rng));
    const double c = 2 * rng.uniform() - 1;
    const Vec3 v = rotate_direction(u, c, 6.283185307179586 * rng.uniform());
    ASSERT_NEAR(norm(v), 1.0, 1e-12);
    ASSERT_NEAR(dot(u, v), c, 1e-12);
  }
}

}  // namespace
}  // namespace kiort
