#include "source/photon_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
