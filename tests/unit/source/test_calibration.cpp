#include "source/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

const char* kHeader =
    "# probe_serial: X-1\n# kv: 50\n# applicator: needle\n# calibration_date: 2026-01-01\n"
    "# dose_definition: absorbed dose to water\n# depth_convention: applicator-surface\n"
    "# units: depth_mm, dose_rate_gy_per_min\n";

TEST(Calibration, LoadsTheShippedSample) {
  const auto t = load_calibration(fs::path(KIORT_TEST_DATA_DIR) / "calibration" /
                                  "sample-intrabeam-needle-50kv.csv");
  EXPECT_EQ(t.probe_serial, "SAMPLE-0000");
  EXPECT_EQ(t.kv, 50);
  EXPECT_EQ(t.convention, DepthConvention::kApplicatorSurface);
  // The published anchor: 7.04 Gy/min at 5 mm from the needle applicator's surface (Sethi 2018).
  EXPECT_NEAR(t.dose_rate_at(5.0), 7.04, 1e-9);
  // Log-linear interpolation between 5 and 6 mm stays between the neighbours.
  EXPECT_LT(t.dose_rate_at(5.5), t.dose_rate_at(5.0));
  EXPECT_GT(t.dose_rate_at(5.5), t.dose_rate_at(6.0));
  EXPECT_THROW(t.dose_rate_at(40), Error);
}

class BadCalibration : public ::testing::Test {
 protected:
  void expect(const std::string& content, const std::string& field, const std::string& line) {
    const fs::path p = fs::temp_directory_path() / "kiort_bad_calibration.csv";
    std::ofstream(p) << content;
    try {
      load_calibration(p);
      ADD_FAILURE() << "accepted:\n" << content;
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_NE(m.find(field), std::string::npos) << m;
      EXPECT_NE(m.find(p.string() + line), std::string::npos) << m;
    }
    fs::remove(p);
  }
};

TEST_F(BadCalibration, EachDefectNamesLineAndField) {
  const std::string cols = "depth_mm,dose_rate_gy_per_min\n";
  // Depths not increasing (line 11 holds the offending 4 mm).
  expect(std::string(kHeader) + cols + "3,10\n5,7\n4,8\n", "depth_mm", ":11");
  // Negative and missing dose rates.
  expect(std::string(kHeader) + cols + "3,10\n5,-7\n", "dose_rate_gy_per_min", ":10");
  expect(std::string(kHeader) + cols + "3,10\n5,\n", "dose_rate_gy_per_min", ":10");
  expect(std::string(kHeader) + cols + "3,10\n5,abc\n", "dose_rate_gy_per_min", ":10");
  // Header fields: a missing serial, no units, no or an unknown depth convention.
  std::string no_serial = kHeader;
  no_serial.erase(0, no_serial.find('\n') + 1);
  expect(no_serial + cols + "3,10\n5,7\n", "probe_serial", "");
  std::string no_units = kHeader;
  no_units.erase(no_units.find("# units"));
  expect(no_units + cols + "3,10\n5,7\n", "units", "");
  std::string bad_conv = kHeader;
  bad_conv.replace(bad_conv.find("applicator-surface"), 18, "somewhere");
  expect(bad_conv + cols + "3,10\n5,7\n", "depth_convention", "");
  // Wrong column header.
  expect(std::string(kHeader) + "depth,rate\n3,10\n", "depth_mm,dose_rate_gy_per_min", ":8");
}

}  // namespace
}  // namespace kiort
