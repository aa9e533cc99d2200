// What a plan's dose rests on (issue 16, items 4, 5, 10): a point prescription names its depth
// reference (plan.json has no default), a computed plan's summary carries the calibration's
// provenance, the uncertainty budget, the source model's parameters, the shadow behind the tip
// and the needle's clearance. On the water engine (the shipped table), about a second.
#include "plan/provenance.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "plan/needle_check.h"
#include "plan/stages.h"
#include "plan/uncertainty.h"
#include "plan_fixture.h"

namespace kiort {
namespace {

using test::PlanFixture;

TEST(Provenance, APointPrescriptionNamesItsReference) {
  PlanFixture f;
  Plan p = f.point_plan();
  p.prescription.from = DepthConvention::kSourceCentre;
  const std::string text = plan_to_json(p);
  EXPECT_EQ(plan_from_json(text, "plan.json").prescription.from, DepthConvention::kSourceCentre);
  // Without "from": refused, naming the field; kiort assumes neither reference.
  p.prescription.from.reset();
  try {
    plan_from_json(plan_to_json(p), "plan.json");
    ADD_FAILURE() << "a point prescription without a reference was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_EQ(e.field(), "prescription.from") << e.what();
  }
  // A coverage prescription needs none: its report point lies from the surface.
  p.prescription.kind = "coverage";
  const Plan c = plan_from_json(plan_to_json(p), "plan.json");
  EXPECT_FALSE(c.prescription.from.has_value());
  EXPECT_EQ(c.prescription.reference(), DepthConvention::kApplicatorSurface);
}

TEST(Provenance, SummaryStatesCalibrationUncertaintyModelAndNeedle) {
  PlanFixture f;
  Plan p = f.point_plan();
  const PlanComputation c = compute_plan(p, f.ctx, "test");
  const auto& s = c.summary;
  // The sample calibration is illustrative: said in "calibration" and first in "messages".
  EXPECT_TRUE(s["calibration"]["illustrative"].get<bool>());
  EXPECT_EQ(s["calibration"]["banner"], kIllustrativeBanner);
  EXPECT_EQ(s["calibration"]["depth_reference"], "applicator-surface");
  EXPECT_EQ(s["messages"][0].get<std::string>().rfind(kIllustrativeBanner, 0), 0u);
  // The budget: the positional term is the water engine's gradient at r = 13 + 2.2 mm x 1 mm.
  const WaterEngine water = water_engine_for(f.ctx);
  const double g =
      relative_gradient_per_mm([&](double r) { return water.perpendicular_dose_rate(r); }, 15.2);
  const auto& u = s["uncertainty_budget"];
  EXPECT_NEAR(u["components"][2]["rel"].get<double>(), g, 1e-12);
  EXPECT_NEAR(g, 3.0 / 15.2, 0.03);                         // close to 1/r^3's 3/r, 19.7 %/mm
  EXPECT_EQ(u["components"][0]["rel"].get<double>(), 0.0);  // water engine
  EXPECT_EQ(u["components"][1]["rel"].get<double>(), f.source.calibration.uncertainty_rel);
  double ss = 0;
  for (const auto& x : u["components"]) ss += std::pow(x["rel"].get<double>(), 2);
  EXPECT_NEAR(u["combined_rel"].get<double>(), std::sqrt(ss), 1e-12);
  // The model's parameters, the fitted filtration among them; the shadow behind the tip: the
  // cord lies behind the left access's tip (posterior), so in the shadow.
  bool fitted = false;
  for (const auto& x : s["source_model"]["parameters"])
    fitted = fitted || (x["status"] == "fitted" &&
                        std::abs(x["value"].get<double>() - f.source.model.filter_mm) < 1e-12);
  EXPECT_TRUE(fitted);
  const auto& sh = s["source_model"]["shadow"];
  EXPECT_GT(sh["shadow_angle_deg"].get<double>(), 90.0);
  EXPECT_LT(sh["shadow_angle_deg"].get<double>(), 150.0);
  for (const auto& st : sh["structures"])
    if (st["role"] == "cord") {
      EXPECT_GT(st["fraction_in_shadow"].get<double>(), 0.9);
      EXPECT_LT(st["water_dose_ratio_to_isotropic"].get<double>(), 0.6);
    }
  // The needle: clear by more than its margin, the clearance stated.
  ASSERT_EQ(s["needle_check"].size(), 1u);
  EXPECT_TRUE(s["needle_check"][0]["pass"].get<bool>());
  EXPECT_GT(s["needle_check"][0]["clearance_mm"].get<double>(), kNeedleMarginMm);
}

}  // namespace
}  // namespace kiort
