// The stages of a plan (plan/stages.h), each run alone: the basis against the water engine read
// directly, the optimiser and the evaluation on hand-made bases whose answers are hand
// calculations, the second check against its defining ratio.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "plan/stages.h"
#include "plan_fixture.h"

namespace kiort {
namespace {

using test::PlanFixture;

// A basis on the plan's dose box whose every dwell position gives `rate[i]` Gy/s to every voxel,
// with relative sigma `sigma[i]`.
DoseBasis uniform_basis(const Plan& plan, const PlanContext& ctx, const std::vector<double>& rate,
                        const std::vector<double>& sigma) {
  DoseBasis b;
  for (const auto& a : plan.accesses)
    for (const Vec3& d : a.dwell_positions()) {
      b.dwells.push_back(d);
      b.axes.push_back(a.axis());
    }
  b.box = dose_box(plan, ctx, b.dwells);
  const std::size_t nv = b.box.grid.voxel_count();
  for (std::size_t i = 0; i < rate.size(); ++i) {
    b.primary.emplace_back(nv, float(rate[i]));
    b.water.emplace_back(nv, float(rate[i]));
    b.sigma.emplace_back(nv, float(sigma[i]));
  }
  return b;
}

TEST(PlanStages, BasisIsTheWaterEngineAtEachVoxelCentre) {
  PlanFixture f;
  Plan p = f.point_plan();
  const WaterEngine water = water_engine_for(f.ctx);
  const DoseBasis b = compute_basis(p, f.ctx, water);
  ASSERT_EQ(b.dwells.size(), 1u);
  EXPECT_FALSE(b.monte_carlo());
  const Grid3& g = b.box.grid;
  // The box reaches margin_mm (35 mm) around the dwell position, clipped to the patient grid.
  for (int ax = 0; ax < 3; ++ax) EXPECT_LE(g.dims()[std::size_t(ax)], int(2 * 35 / 2.0) + 2);
  std::size_t checked = 0;
  for (std::size_t v = 0; v < g.voxel_count(); v += 97) {
    const Vec3 x = g.position(g.index3(v));
    const double want = water.dose_rate_at(x, b.dwells[0], b.axes[0]) / 60.0;  // Gy/s
    EXPECT_NEAR(b.water[0][v], want, 1e-6 * std::max(1.0, want)) << v;
    EXPECT_EQ(b.primary[0][v], b.water[0][v]);  // the water plan's primary is the water engine
    EXPECT_EQ(b.sigma[0][v], 0.0f);
    ++checked;
  }
  EXPECT_GT(checked, 100u);
  // The applicator's voxels: the dwell position's own voxel is one, the prescription point's not.
  const auto in_app = [&](const Vec3& x) {
    return b.box.applicator_mask[f.patient.grid.linear(*f.patient.grid.voxel_at(x))] != 0;
  };
  EXPECT_TRUE(in_app(b.dwells[0]));
  EXPECT_FALSE(in_app(prescription_point(p, f.ctx, b.dwells[0], b.axes[0])));
}

TEST(PlanStages, PointPrescriptionTimeIsDoseOverCalibrationRate) {
  PlanFixture f;
  Plan p = f.point_plan();
  p.prescription.dose_gy = 8.0;
  p.prescription.depth_mm = 13.0;
  const DoseBasis b = uniform_basis(p, f.ctx, {1.0}, {0.0});  // the basis plays no part
  const DwellTimes t = optimise_dwell_times(p, f.ctx, b, "plan.json");
  // Hand calculation: 8 Gy / 0.7482 Gy/min (the sample table at 13 mm from the surface) x 60 s.
  EXPECT_NEAR(t.calibration_rate_gy_per_min, 0.7482, 5e-5);
  ASSERT_EQ(t.times_s.size(), 1u);
  EXPECT_DOUBLE_EQ(t.times_s[0], std::round(8.0 / t.calibration_rate_gy_per_min * 600.0) / 10.0);
}

TEST(PlanStages, CoverageOptimiserOnAHandMadeBasis) {
  PlanFixture f;
  Plan p = f.point_plan();
  p.accesses[0].dwell_count = 2;
  p.accesses[0].dwell_step_mm = 4.0;
  p.prescription.kind = "coverage";
  p.prescription.dose_gy = 8.0;
  p.prescription.coverage_pct = 90;
  // Position 0 gives 0.01 Gy/s everywhere, position 1 nothing: least squares puts all the time on
  // position 0 and D90 = 8 Gy needs 8 / 0.01 = 800 s there (hand calculation), none on position 1.
  const DoseBasis b = uniform_basis(p, f.ctx, {0.01, 0.0}, {0.0, 0.0});
  const DwellTimes t = optimise_dwell_times(p, f.ctx, b, "plan.json");
  ASSERT_EQ(t.times_s.size(), 2u);
  EXPECT_NEAR(t.times_s[0], 800.0, 0.05);
  EXPECT_EQ(t.times_s[1], 0.0);
  // Two equal positions share the dose: t0 + t1 = 800 s, neither negative.
  const DoseBasis b2 = uniform_basis(p, f.ctx, {0.01, 0.01}, {0.0, 0.0});
  const DwellTimes t2 = optimise_dwell_times(p, f.ctx, b2, "plan.json");
  EXPECT_NEAR(t2.times_s[0] + t2.times_s[1], 800.0, 0.1);
  EXPECT_GE(t2.times_s[0], 0.0);
  EXPECT_GE(t2.times_s[1], 0.0);
  // A basis that gives the target nothing cannot meet any goal.
  const DoseBasis zero = uniform_basis(p, f.ctx, {0.0, 0.0}, {0.0, 0.0});
  try {
    optimise_dwell_times(p, f.ctx, zero, "plan.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kGoalNotMet);
  }
}

TEST(PlanStages, SecondCheckIsTheRatioOfCalibrationToWaterEngineRate) {
  PlanFixture f;
  Plan p = f.point_plan();
  const WaterEngine water = water_engine_for(f.ctx);
  DwellTimes t;
  t.times_s = {600.0};
  t.calibration_rate_gy_per_min = 0.75;
  const double r = p.prescription.depth_mm + f.source.model.surface_radius_mm();
  const double w = water.perpendicular_dose_rate(r);
  const SecondCheck c = second_check(p, f.ctx, water, t);
  EXPECT_NEAR(c.deviation, 0.75 / w - 1.0, 1e-12);
  EXPECT_NEAR(c.json["water_engine_dwell_times_s"][0].get<double>(),
              std::round(600.0 * 0.75 / w * 10.0) / 10.0, 1e-9);
  EXPECT_EQ(c.flagged, std::abs(0.75 / w - 1.0) > p.engine.second_check_tolerance);
  t.calibration_rate_gy_per_min = 2.0 * w;  // 100 % off: flagged
  EXPECT_TRUE(second_check(p, f.ctx, water, t).flagged);
}

TEST(PlanStages, EvaluationOfAUniformDoseIsTheHandCalculation) {
  PlanFixture f;
  Plan p = f.point_plan();
  p.accesses[0].dwell_count = 2;
  p.accesses[0].dwell_step_mm = 4.0;
  p.prescription.kind = "coverage";
  p.prescription.dose_gy = 8.0;
  const WaterEngine water = water_engine_for(f.ctx);
  // Two positions of 2^-7 Gy/s each (exact in float), relative sigma 0.10 each: 512 s on both give
  // 4 + 4 = 8 Gy everywhere, sigma sqrt(2 x (4 x 0.1)^2) / 8 = 0.0707.
  const DoseBasis b = uniform_basis(p, f.ctx, {0.0078125, 0.0078125}, {0.10, 0.10});
  DwellTimes t;
  t.times_s = {512.0, 512.0};
  t.calibration_rate_gy_per_min = 0.75;
  const SecondCheck check = second_check(p, f.ctx, water, t);
  const PlanComputation c = evaluate_plan(p, f.ctx, b, water, t, check, "plan.json");
  const auto& s = c.summary;
  EXPECT_NEAR(s["target"]["D90_gy"].get<double>(), 8.0, 1e-5);
  EXPECT_NEAR(s["target"]["Dmean_gy"].get<double>(), 8.0, 1e-5);
  EXPECT_NEAR(s["target"]["V100_pct"].get<double>(), 100.0, 1e-9);
  EXPECT_NEAR(s["target"]["V150_pct"].get<double>(), 0.0, 1e-9);
  EXPECT_NEAR(s["total_time_s"].get<double>(), 1024.0, 1e-9);
  EXPECT_NEAR(c.sigma_rel[0], std::sqrt(2.0) * 0.4 / 8.0, 1e-6);
  EXPECT_EQ(s["second_check"], check.json);
  EXPECT_TRUE(s["goals_met"].get<bool>());
  ASSERT_FALSE(c.dvh_primary.empty());
}

}  // namespace
}  // namespace kiort
