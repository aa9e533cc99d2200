#include "physics/ct_calibration.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"

namespace kiort {
namespace {

CtCalibration default_calibration() {
  return CtCalibration::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "ct" / "default.json");
}

TEST(CtCalibration, BinEdgesBelongToTheUpperBin) {
  const CtCalibration ct = default_calibration();
  auto material = [&](double hu) { return ct.bins()[ct(hu).bin].material; };
  EXPECT_EQ(material(-1024), "air");
  EXPECT_EQ(material(-950.001), "air");
  EXPECT_EQ(material(-950), "lung");
  EXPECT_EQ(material(-200.001), "lung");
  EXPECT_EQ(material(-200), "adipose");
  EXPECT_EQ(material(-30), "soft-tissue");
  EXPECT_EQ(material(99.999), "soft-tissue");
  EXPECT_EQ(material(100), "spongiosa");
  EXPECT_EQ(material(399.999), "spongiosa");
  EXPECT_EQ(material(400), "cortical-bone");
  EXPECT_EQ(material(3071), "cortical-bone");
}

TEST(CtCalibration, DensityMonotoneAndThroughAnchors) {
  const CtCalibration ct = default_calibration();
  double prev = 0;
  for (int hu = -1024; hu <= 4000; ++hu) {
    const double d = ct.density(hu);
    EXPECT_GE(d, prev) << hu;
    EXPECT_GT(d, 0) << hu;
    prev = d;
  }
  EXPECT_NEAR(ct.density(-1000), 0.00121, 1e-12);
  EXPECT_NEAR(ct.density(0), 1.0, 1e-12);
  EXPECT_NEAR(ct.density(1500), 1.92, 1e-12);
  EXPECT_NEAR(ct.density(750), 1.46, 1e-12);  // linear within a segment
  EXPECT_NEAR(ct.density(-2000), 0.00121, 1e-12);  // clamped
}

TEST(CtCalibration, RejectsNonMonotoneCurveAndUnorderedBins) {
  EXPECT_THROW(CtCalibration("x", "s", {{"air", 0}, {"water", 1e9}}, {{-1000, 1.0}, {0, 0.5}}),
               Error);
  EXPECT_THROW(CtCalibration("x", "s", {{"air", 0}, {"water", 1e9}}, {{0, 1.0}, {-10, 1.1}}),
               Error);
  EXPECT_THROW(
      CtCalibration("x", "s", {{"a", 0}, {"b", -10}, {"c", 1e9}}, {{-1000, 0.1}, {0, 1.0}}),
      Error);
  EXPECT_THROW(CtCalibration("x", "s", {{"a", 0}}, {{-1000, 0.0}, {0, 1.0}}), Error);
}

}  // namespace
}  // namespace kiort
