#include "source/photon_source.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "core/error.h"

namespace kiort {
namespace {

TEST(Spectrum, LinearDensityIsSampledExactly) {
  // Density rising linearly from 0 at 10 keV to 1 at 50 keV: mean = 10 + 2/3 * 40.
  const Spectrum s({10, 50}, {0, 1}, "ramp");
  EXPECT_NEAR(s.mean_energy_kev(), 10 + 80.0 / 3, 1e-12);
  Philox rng(3, 0);
  double sum = 0, sum2 = 0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    const double e = s.sample(rng);
    ASSERT_GE(e, 10);
    ASSERT_LE(e, 50);
    sum += e;
    sum2 += e * e;
  }
  const double mean = sum / kN, var = sum2 / kN - mean * mean;
  EXPECT_NEAR(mean, s.mean_energy_kev(), 4 * std::sqrt(var / kN));
}

// The hybrid primary's spectral nodes: per piece the 2-point Gauss rule for the spectrum's own
// fluence as the weight, exact for any cubic times the piecewise-linear fluence however many of
// the spectrum's points a piece holds, with two nodes per piece (not per tabulated interval).
TEST(Spectrum, QuadratureIsExactForCubicsTimesTheFluence) {
  // A finely tabulated, kinked fluence on 10-50 keV: points every 0.1 keV.
  std::vector<double> e, f;
  for (int i = 0; i <= 400; ++i) {
    e.push_back(10 + 0.1 * i);
    f.push_back(1.0 + 0.5 * std::sin(0.37 * i) * std::sin(0.37 * i) + (i % 7 == 0 ? 2.0 : 0.0));
  }
  const Spectrum s(e, f, "kinked");
  const std::vector<double> breaks{17.3, 33.31};
  const auto nodes = s.quadrature(0.5, breaks);
  // Pieces of at most 0.5 keV between the breaks: 10-17.3 keV in 15, 17.3-33.31 in 33,
  // 33.31-50 in 34; 82 pieces, 2 nodes each.
  EXPECT_EQ(nodes.size(), 164u);
  // The exact normalised integrals of E^d f (d <= 3): 3-point Gauss-Legendre on each linear
  // interval of the fluence (exact up to degree 5 there).
  auto exact = [&](int d) {
    const double x3 = std::sqrt(0.6);
    double sum = 0, total = 0;
    for (std::size_t i = 1; i < e.size(); ++i) {
      const double a = e[i - 1], b = e[i], m = 0.5 * (a + b), h = 0.5 * (b - a);
      for (const auto& [t, w] : {std::pair{-x3, 5.0 / 9}, {0.0, 8.0 / 9}, {x3, 5.0 / 9}}) {
        const double x = m + h * t;
        const double fx = f[i - 1] + (f[i] - f[i - 1]) * (x - a) / (b - a);
        sum += h * w * fx * std::pow(x, d);
        total += h * w * fx;
      }
    }
    return sum / total;
  };
  for (int d = 0; d <= 3; ++d) {
    double q = 0;
    for (const auto& [x, w] : nodes) q += w * std::pow(x, d);
    EXPECT_NEAR(q / exact(d), 1.0, 1e-12) << "E^" << d;
  }
  double total = 0;
  for (const auto& [x, w] : nodes) {
    EXPECT_GT(w, 0);
    EXPECT_GE(x, 10);
    EXPECT_LE(x, 50);
    total += w;
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  // No node straddles a break: each break has nodes on both sides within its two pieces.
  for (double b : breaks) {
    int below = 0, above = 0;
    for (const auto& [x, w] : nodes) {
      if (x > b - 0.5 && x < b) ++below;
      if (x > b && x < b + 0.5) ++above;
    }
    EXPECT_GE(below, 2);
    EXPECT_GE(above, 2);
  }
  // A line is its own node.
  const auto line = Spectrum::monoenergetic(30).quadrature(0.5, {});
  ASSERT_EQ(line.size(), 1u);
  EXPECT_EQ(line[0].first, 30);
  EXPECT_EQ(line[0].second, 1.0);
}

TEST(Spectrum, FileErrorsNameTheLine) {
  const auto p = std::filesystem::temp_directory_path() / "kiort_bad_spectrum.txt";
  std::ofstream(p) << "# keV fluence\n10 1\n20 x\n";
  try {
    Spectrum::load(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(":3"), std::string::npos) << e.what();
  }
  std::ofstream(p) << "10 1\n70 1\n";
  EXPECT_THROW(Spectrum::load(p), Error);  // above 60 keV
  std::ofstream(p) << "10 1\n5 1\n";
  EXPECT_THROW(Spectrum::load(p), Error);  // not increasing
  std::filesystem::remove(p);
}

TEST(Philox, SameSeedAndStreamSameNumbers) {
  Philox a(42, 7), b(42, 7), c(42, 8);
  for (int i = 0; i < 10; ++i) {
    const double x = a.uniform();
    EXPECT_EQ(x, b.uniform());
    EXPECT_NE(x, c.uniform());
    EXPECT_GT(x, 0);
    EXPECT_LT(x, 1);
  }
}

}  // namespace
}  // namespace kiort
