// Commissioning the probe model to the shipped calibration sample (issue 5): the model's Monte
// Carlo depth dose in water must match the table within 3 % at 5-30 mm. The sample is
// illustrative (data/calibration/sample-intrabeam-needle-50kv.csv says what it rests on); a
// clinic's measured table goes through the same code.
#include <gtest/gtest.h>

#include <filesystem>

#include "dose/probe_dosimetry.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

TEST(Commissioning, ModelMatchesCalibrationWithinThreePercent) {
  const MaterialLibrary lib = MaterialLibrary::load(fs::path(KIORT_TEST_DATA_DIR) / "materials");
  const ProbeModel model =
      load_probe_model(fs::path(KIORT_TEST_DATA_DIR) / "sources" / "intrabeam-needle.json");
  const CalibrationTable table = load_calibration(fs::path(KIORT_TEST_DATA_DIR) / "calibration" /
                                                  "sample-intrabeam-needle-50kv.csv");
  McSettings mc;  // default 10^7 histories
  const CommissioningResult r = commission(model, table, lib, mc);
  EXPECT_TRUE(r.pass) << "max residual " << r.max_abs_residual;
  EXPECT_GT(r.model.filter_mm, 0.0);
  EXPECT_LT(r.model.filter_mm, 10.0);
  int checked = 0;
  for (const auto& row : r.rows)
    if (row.in_tolerance_range) {
      EXPECT_LE(std::abs(row.residual), 0.03) << row.depth_mm << " mm";
      EXPECT_LT(row.sigma_rel, 0.01) << row.depth_mm << " mm";
      ++checked;
    }
  EXPECT_EQ(checked, 11);
  // In the calibration's phantom: full scatter, 150 mm of water (issue 16); an illustrative table's
  // PASS says it validates nothing about a real probe.
  EXPECT_EQ(r.calibration.phantom_radius_mm, 150.0);
  EXPECT_NE(commissioning_validates(r).find("validates nothing"), std::string::npos);
  // The absolute scale reproduces the anchor point 7.04 Gy/min at 5 mm within the tolerance.
  for (const auto& row : r.rows)
    if (row.depth_mm == 5.0) {
      EXPECT_NEAR(row.model_gy_per_min, 7.04, 0.03 * 7.04);
    }
}

}  // namespace
}  // namespace kiort
