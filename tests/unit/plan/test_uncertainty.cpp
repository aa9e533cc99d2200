// The uncertainty budget (issue 16, item 10), by hand. Inputs as for the demo: Monte Carlo 2 %,
// calibration 5 % (the sample file's uncertainty_rel_k1), an inverse-cube fall-off at r = 15.2 mm
// from the source centre (13 mm from the 2.2 mm applicator surface) with 1 mm placement
// uncertainty, medium assignment 5 %.
//   gradient of r^-3 by central difference, h = 0.5 mm:
//     (14.7^-3 - 15.7^-3) / (2 x 0.5 x 15.2^-3) = (3.14809e-4 - 2.58405e-4) / 2.84753e-4 = 0.19808
//   (the analytic 3 / r = 0.19737 /mm; the difference is the central difference's h^2 term)
//   combined = sqrt(0.02^2 + 0.05^2 + 0.19808^2 + 0.05^2) = sqrt(0.0004 + 0.0025 + 0.039236 +
//              0.0025) = sqrt(0.044636) = 0.21127
#include "plan/uncertainty.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace kiort {
namespace {

TEST(Uncertainty, GradientOfAnInverseCubeByHand) {
  const auto inv_cube = [](double r) { return 1.0 / (r * r * r); };
  EXPECT_NEAR(relative_gradient_per_mm(inv_cube, 15.2), 0.19808, 2e-5);
  EXPECT_NEAR(relative_gradient_per_mm(inv_cube, 15.2, 1e-3), 3.0 / 15.2, 1e-6);
  EXPECT_EQ(relative_gradient_per_mm([](double) { return 0.0; }, 10), 0.0);
}

TEST(Uncertainty, BudgetCombinesInQuadratureByHand) {
  UncertaintyInputs in;
  in.mc_sigma_rel = 0.02;
  in.calibration_rel = 0.05;
  in.gradient_rel_per_mm = 0.19808;
  in.medium_rel = 0.05;
  const UncertaintyBudget b = uncertainty_budget(in);
  ASSERT_EQ(b.components.size(), 4u);
  EXPECT_EQ(b.components[0].name, "monte_carlo_statistics");
  EXPECT_EQ(b.components[1].name, "calibration");
  EXPECT_EQ(b.components[2].name, "positional_sensitivity");
  EXPECT_EQ(b.components[3].name, "medium_assignment");
  EXPECT_NEAR(b.components[2].rel, 0.19808, 1e-12);  // x 1 mm (the stated default)
  EXPECT_NEAR(b.combined_rel, 0.21127, 1e-5);
  EXPECT_EQ(b.coverage, "k=1");
  EXPECT_NE(b.components[2].basis.find("1.0 mm"), std::string::npos) << b.components[2].basis;
  // A 2 mm placement uncertainty doubles the positional term.
  in.placement_mm = 2.0;
  EXPECT_NEAR(uncertainty_budget(in).components[2].rel, 0.39616, 1e-9);
  const auto j = to_json(b);
  EXPECT_EQ(j["components"].size(), 4u);
  EXPECT_EQ(j["coverage"], "k=1");
  EXPECT_NEAR(j["combined_rel"].get<double>(), 0.21127, 1e-5);
  in.mc_sigma_rel = -1;
  EXPECT_THROW(uncertainty_budget(in), Error);
}

}  // namespace
}  // namespace kiort
