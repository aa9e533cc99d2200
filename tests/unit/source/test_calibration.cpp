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
    "# formalism: watson-2018-cq\n# applicator_outer_radius_mm: 2.2\n"
    "# phantom: PTW MP3 water tank\n# phantom_radius_mm: 150\n# detector: PTW 34013\n"
    "# measured_by: A. Physicist\n# illustrative: no\n# uncertainty_rel_k1: 0.04\n"
    "# units: depth_mm, dose_rate_gy_per_min\n";
const int kHeaderLines = 15;

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
  // Its provenance says it is illustrative, and what it stands for.
  EXPECT_TRUE(t.illustrative);
  EXPECT_EQ(t.formalism, CalibrationFormalism::kVendorDoseToWater);
  EXPECT_EQ(t.applicator_outer_radius_mm, 2.2);
  EXPECT_EQ(t.phantom_radius_mm, 150);
  EXPECT_EQ(t.uncertainty_rel, 0.05);
  EXPECT_FALSE(t.measured_by.empty());
  EXPECT_FALSE(t.detector.empty());
}

TEST(Calibration, ReadsEveryProvenanceField) {
  const fs::path p = fs::temp_directory_path() / "kiort_good_calibration.csv";
  std::ofstream(p) << kHeader << "depth_mm,dose_rate_gy_per_min\n3,10\n5,7\n";
  const auto t = load_calibration(p);
  EXPECT_FALSE(t.illustrative);
  EXPECT_EQ(t.formalism, CalibrationFormalism::kWatson2018Cq);
  EXPECT_EQ(t.phantom, "PTW MP3 water tank");
  EXPECT_EQ(t.detector, "PTW 34013");
  EXPECT_EQ(t.measured_by, "A. Physicist");
  EXPECT_EQ(t.uncertainty_rel, 0.04);
  EXPECT_STREQ(to_string(t.formalism), "watson-2018-cq");
  EXPECT_EQ(formalism_from_string("targit"), CalibrationFormalism::kTargit);
  EXPECT_FALSE(formalism_from_string("tg-61").has_value());
  fs::remove(p);
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
  // Depths not increasing (the third row holds the offending 4 mm).
  expect(std::string(kHeader) + cols + "3,10\n5,7\n4,8\n", "depth_mm",
         ":" + std::to_string(kHeaderLines + 4));
  // Negative and missing dose rates.
  expect(std::string(kHeader) + cols + "3,10\n5,-7\n", "dose_rate_gy_per_min",
         ":" + std::to_string(kHeaderLines + 3));
  expect(std::string(kHeader) + cols + "3,10\n5,\n", "dose_rate_gy_per_min",
         ":" + std::to_string(kHeaderLines + 3));
  expect(std::string(kHeader) + cols + "3,10\n5,abc\n", "dose_rate_gy_per_min",
         ":" + std::to_string(kHeaderLines + 3));
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
  expect(std::string(kHeader) + "depth,rate\n3,10\n", "depth_mm,dose_rate_gy_per_min",
         ":" + std::to_string(kHeaderLines + 1));
  // Provenance: each field missing, and malformed values, name the field and the value seen.
  for (const char* key : {"formalism", "applicator_outer_radius_mm", "phantom", "phantom_radius_mm",
                          "detector", "measured_by", "illustrative", "uncertainty_rel_k1"}) {
    std::string h = kHeader;
    const auto at = h.find(std::string("# ") + key + ":");
    h.erase(at, h.find('\n', at) - at + 1);
    expect(h + cols + "3,10\n5,7\n", key, "");
  }
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string h = kHeader;
    h.replace(h.find(from), from.size(), to);
    return h + cols + "3,10\n5,7\n";
  };
  expect(replaced("watson-2018-cq", "tg-61"), "tg-61", "");
  expect(replaced("illustrative: no", "illustrative: maybe"), "maybe", "");
  expect(replaced("phantom_radius_mm: 150", "phantom_radius_mm: 20"), "phantom_radius_mm", "");
  expect(replaced("applicator_outer_radius_mm: 2.2", "applicator_outer_radius_mm: x"),
         "applicator_outer_radius_mm", "");
  expect(replaced("uncertainty_rel_k1: 0.04", "uncertainty_rel_k1: 4"), "uncertainty_rel_k1", "");
  expect(replaced("2026-01-01", "1 Jan 2026"), "calibration_date", "");
}

}  // namespace
}  // namespace kiort
