// Commissioning refuses a calibration that does not fit the probe model before any Monte Carlo
// (issue 16): an applicator of another radius than the model's (depths from another surface), a
// phantom smaller than the table's deepest depth; and the shipped commissioned source carries its
// calibration's provenance, an illustrative one saying that its PASS validates nothing.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "dose/probe_dosimetry.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

struct Inputs {
  MaterialLibrary lib = MaterialLibrary::load(fs::path(KIORT_TEST_DATA_DIR) / "materials");
  ProbeModel model =
      load_probe_model(fs::path(KIORT_TEST_DATA_DIR) / "sources" / "intrabeam-needle.json");
  CalibrationTable table = load_calibration(fs::path(KIORT_TEST_DATA_DIR) / "calibration" /
                                            "sample-intrabeam-needle-50kv.csv");
};

void expect_refused(const Inputs& in, const std::string& field) {
  McSettings mc;
  mc.histories = 1000;
  try {
    commission(in.model, in.table, in.lib, mc);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find("sample-intrabeam-needle-50kv.csv"), std::string::npos);
  }
}

TEST(CommissioningInputs, ApplicatorAndPhantomMustFitTheModel) {
  Inputs a;
  a.table.applicator_outer_radius_mm = 3.0;  // the model's needle is 2.2 mm
  expect_refused(a, "applicator_outer_radius_mm");
  Inputs b;
  b.table.phantom_radius_mm = 35.0;  // the table reaches 30 mm from the surface, r = 32.2 mm
  expect_refused(b, "phantom_radius_mm");
}

TEST(CommissioningInputs, ShippedSourceCarriesItsCalibrationsProvenance) {
  const CommissionedSource s = load_commissioned_source(
      fs::path(KIORT_TEST_DATA_DIR) / "sources" / "intrabeam-needle-50kv-sample.commissioned.json");
  EXPECT_TRUE(s.calibration.illustrative);
  EXPECT_EQ(s.calibration.phantom_radius_mm, kFullScatterRadiusMm);
  EXPECT_EQ(s.calibration.applicator_outer_radius_mm, s.model.surface_radius_mm());
  EXPECT_EQ(s.calibration.uncertainty_rel, 0.05);
  CommissioningResult r;
  r.calibration = s.calibration;
  r.pass = true;
  EXPECT_NE(commissioning_validates(r).find("validates nothing about a real probe"),
            std::string::npos);
  r.calibration.illustrative = false;
  EXPECT_EQ(commissioning_validates(r).find("validates nothing"), std::string::npos);
}

}  // namespace
}  // namespace kiort
