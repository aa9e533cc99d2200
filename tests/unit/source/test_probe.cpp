#include "source/probe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

ProbeModel shipped() {
  return load_probe_model(fs::path(KIORT_TEST_DATA_DIR) / "sources" / "intrabeam-needle.json");
}

TEST(ProbeModel, UnfilteredContinuumFollowsKramers) {
  ProbeModel m = shipped();
  m.line_fraction = 0;
  const Spectrum s = m.unfiltered_spectrum();
  // N(E) ~ (E0 - E) / E: the fraction between 20 and 30 keV over that between 30 and 40 keV is
  // [E0 ln(E) - E] evaluated on each interval.
  auto integral = [&](double a, double b) { return 50 * std::log(b / a) - (b - a); };
  const double expected = integral(20, 30) / integral(30, 40);
  const double got =
      (s.cumulative(30) - s.cumulative(20)) / (s.cumulative(40) - s.cumulative(30));
  EXPECT_NEAR(got, expected, 0.01 * expected);  // piecewise-linear on a 0.25 keV grid
  EXPECT_DOUBLE_EQ(s.max_energy_kev(), 50);
}

TEST(ProbeModel, GoldLinesCarryTheirStatedFraction) {
  const ProbeModel m = shipped();
  ProbeModel no_lines = m;
  no_lines.line_fraction = 0;
  const Spectrum with = m.unfiltered_spectrum(), without = no_lines.unfiltered_spectrum();
  // Away from the lines (20-40 keV) the spectrum with lines holds (1 - line_fraction) of the
  // photons the continuum alone holds there.
  const double ratio = (with.cumulative(40) - with.cumulative(20)) /
                       (without.cumulative(40) - without.cumulative(20));
  const double in_lines = 1 - ratio;
  // (to 1e-4: the continuum is re-sampled at the line vertices, which moves its trapezoid area)
  EXPECT_NEAR(in_lines, m.line_fraction, 1e-4);
}

TEST(ProbeModel, FiltrationHardensTheSpectrum) {
  const MaterialLibrary lib = MaterialLibrary::load(fs::path(KIORT_TEST_DATA_DIR) / "materials");
  const ProbeModel m = shipped();
  const double e0 = m.spectrum(lib, 0).mean_energy_kev();
  const double e1 = m.spectrum(lib, 1).mean_energy_kev();
  const double e5 = m.spectrum(lib, 5).mean_energy_kev();
  EXPECT_LT(e0, e1);
  EXPECT_LT(e1, e5);
  EXPECT_LT(e5, 50);
}

TEST(ProbeModel, BadValuesAreRefused) {
  auto j = probe_model_to_json(shipped());
  EXPECT_NO_THROW(probe_model_from_json(j, "x.json"));
  auto bad = j;
  bad["kv"] = 80;
  EXPECT_THROW(probe_model_from_json(bad, "x.json"), Error);
  bad = j;
  bad["applicator"]["outer_radius_mm"] = 1.7;  // inner radius inside the probe
  EXPECT_THROW(probe_model_from_json(bad, "x.json"), Error);
  bad = j;
  bad["probe"].erase("radius_mm");
  EXPECT_THROW(probe_model_from_json(bad, "x.json"), Error);
}

TEST(ProbeSource, ForwardAnisotropySampledExactly) {
  // Density (1 + a cos) / 2 has mean cos = a / 3.
  const double a = 0.6;
  const ProbeSource src({1, 2, 3}, {0, 1, 0}, Spectrum::monoenergetic(30), a);
  Philox rng(9, 0);
  double sum = 0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    const Photon p = src.sample(rng);
    ASSERT_NEAR(norm(p.u), 1.0, 1e-12);
    sum += p.u.y;
  }
  const double sigma = std::sqrt((1.0 / 3 - a * a / 9) / kN);
  EXPECT_NEAR(sum / kN, a / 3, 4 * sigma);
  EXPECT_DOUBLE_EQ(src.relative_intensity({0, -1, 0}), 1 - a);
}

}  // namespace
}  // namespace kiort
