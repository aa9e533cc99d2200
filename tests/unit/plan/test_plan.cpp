// Planning (issue 7): hand-calculated dwell times, the optimiser on feasible and infeasible
// goals, DVH metrics on a uniform-dose sphere, NNLS, approval and immutability, and the checks
// that refuse bad plans. Dose here comes from the fast water engine (its shipped table), so the
// tests take a second; Monte Carlo against the water engine is tests/validation/test_plan_mc.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>

#include "core/error.h"
#include "core/paths.h"
#include "patient/phantom.h"
#include "plan/compute.h"
#include "plan/dvh.h"
#include "plan/plan.h"
#include "plan_fixture.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

using PlanFixture = test::PlanFixture;

// The calibration table's value at a depth, read from the CSV itself (not through kiort's parser).
double table_value(double depth_mm) {
  std::ifstream in(fs::path(KIORT_TEST_DATA_DIR) / "calibration" /
                   "sample-intrabeam-needle-50kv.csv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || !std::isdigit(static_cast<unsigned char>(line[0])))
      continue;
    std::stringstream ss(line);
    std::string d, r;
    std::getline(ss, d, ',');
    std::getline(ss, r, ',');
    if (std::stod(d) == depth_mm) return std::stod(r);
  }
  return NAN;
}

TEST(Plan, SinglePositionTimeIsTheHandCalculationFromTheCalibrationTable) {
  PlanFixture f;
  Plan p = f.point_plan();
  p.prescription.dose_gy = 8.0;
  p.prescription.depth_mm = 13.0;  // the sample table is stated from the applicator surface
  const PlanComputation c = compute_plan(p, f.ctx, "test");
  // Hand calculation: t = D / Ddot(13 mm) = 8 Gy / 0.7482 Gy/min = 10.692 min = 641.5 s.
  const double hand = std::round(8.0 / table_value(13.0) * 60.0 * 10) / 10;
  ASSERT_EQ(c.times_s.size(), 1u);
  EXPECT_DOUBLE_EQ(c.times_s[0], hand);
  EXPECT_NEAR(hand, 641.5, 0.05);
  // Depth from the source centre: 13 mm from the centre is 13 - 2.2 mm from the surface.
  p.prescription.from = DepthConvention::kSourceCentre;
  p.dwell_times_s.clear();
  const PlanComputation c2 = compute_plan(p, f.ctx, "test");
  EXPECT_GT(c2.times_s[0], 0.0);
  EXPECT_LT(c2.times_s[0], c.times_s[0]);  // closer to the source: less time
  // The water engine at the prescription point agrees with the prescription within 5 %
  // (2 mm voxels: the nearest voxel centre is up to 1.7 mm off the point).
  EXPECT_NEAR(c.summary["prescription"]["dose_at_point_water_engine_gy"].get<double>(), 8.0, 1.0);
  EXPECT_FALSE(c.summary["second_check"]["flagged"].get<bool>());
}

TEST(Plan, OptimiserMeetsFeasibleGoals) {
  PlanFixture f;
  Plan p = f.coverage_plan(3, 4.0);
  p.prescription.oar_metric = "Dmax";
  p.prescription.oar_limit_gy = 40.0;  // generous: the cord lies beyond the canal wall
  const PlanComputation c = compute_plan(p, f.ctx, "test");
  EXPECT_TRUE(c.goals_met);
  ASSERT_EQ(c.times_s.size(), 3u);
  for (double t : c.times_s) EXPECT_GE(t, 0.0);
  const double d90 = c.summary["target"]["D90_gy"].get<double>();
  EXPECT_GE(d90, 8.0 * 0.999);
  EXPECT_LE(d90, 8.0 * 1.01);  // scaled to the goal, not beyond
  for (const auto& con : c.summary["constraints"])
    EXPECT_TRUE(con["pass"].get<bool>()) << con.dump();
}

TEST(Plan, OptimiserReportsInfeasibleGoalsAndTheBestCompromise) {
  PlanFixture f;
  Plan p = f.coverage_plan(3, 4.0);
  p.prescription.oar_limit_gy = 0.05;  // cannot be met together with D90 >= 8 Gy
  const PlanComputation c = compute_plan(p, f.ctx, "test");
  EXPECT_FALSE(c.goals_met);
  bool target_failed = false, oar_ok = false;
  for (const auto& con : c.summary["constraints"]) {
    if (con["name"].get<std::string>().find("CTV") == 0)
      target_failed = !con["pass"].get<bool>();
    else
      oar_ok = con["pass"].get<bool>();
  }
  EXPECT_TRUE(target_failed);
  EXPECT_TRUE(oar_ok)
      << c.summary["constraints"].dump()
      << c.summary["dwell_times_s"].dump();  // the compromise keeps the organ at risk at its limit
  bool said = false;
  for (const auto& m : c.summary["messages"])
    said = said || m.get<std::string>().find("goal not met") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(Dvh, UniformDoseSphereStepsAtItsVolume) {
  // A 10 mm radius sphere in 0.5 mm voxels, 5 Gy inside, 0 outside.
  const Grid3 g({60, 60, 60}, {0.5, 0.5, 0.5}, {-14.75, -14.75, -14.75});
  std::vector<double> inside;
  for (std::size_t v = 0; v < g.voxel_count(); ++v)
    if (norm(g.position(g.index3(v))) <= 10.0) inside.push_back(5.0);
  const DoseStats s = dose_stats(inside, g.voxel_volume_mm3() / 1000.0);
  EXPECT_NEAR(s.volume_cc(), 4.0 / 3.0 * M_PI * 1.0, 0.02 * 4.19);  // 4.19 cc within 2 %
  EXPECT_DOUBLE_EQ(s.v_gy(4.999), 1.0);
  EXPECT_DOUBLE_EQ(s.v_gy(5.0), 1.0);
  EXPECT_DOUBLE_EQ(s.v_gy(5.001), 0.0);
  EXPECT_DOUBLE_EQ(s.d_pct(90), 5.0);
  EXPECT_DOUBLE_EQ(s.max(), 5.0);
  EXPECT_DOUBLE_EQ(s.mean(), 5.0);
  const DvhCurve dvh = cumulative_dvh("sphere", s, 0.5, 10.0);
  for (std::size_t i = 0; i < dvh.dose_gy.size(); ++i)
    EXPECT_DOUBLE_EQ(dvh.volume_fraction[i], dvh.dose_gy[i] <= 5.0 ? 1.0 : 0.0) << dvh.dose_gy[i];
  // D<cc> on a two-level distribution: the hottest 1 cc at 10 Gy, the rest at 2 Gy.
  std::vector<double> two(1000, 2.0);
  for (int i = 0; i < 100; ++i) two[std::size_t(i)] = 10.0;
  const DoseStats t = dose_stats(two, 0.01);  // 10 cc, the hot part 1 cc
  EXPECT_DOUBLE_EQ(t.d_cc(1.0), 10.0);
  EXPECT_DOUBLE_EQ(t.d_cc(1.01), 2.0);
  EXPECT_DOUBLE_EQ(t.d_pct(10), 10.0);
  EXPECT_DOUBLE_EQ(t.d_pct(10.1), 2.0);
}

TEST(Nnls, FindsTheNonNegativeLeastSquaresSolution) {
  // min |A t - b|, A = [[1,0],[0,1],[1,1]] (column-major), b = (1, -1, 1): unconstrained
  // t = (4/3, -2/3) has a negative part; with t >= 0 the answer is t = (1, 0).
  const std::vector<double> a{1, 0, 1, 0, 1, 1};
  const auto t = nnls(a, 3, 2, {1, -1, 1});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_NEAR(t[0], 1.0, 1e-12);
  EXPECT_NEAR(t[1], 0.0, 1e-12);
  // A feasible exact system is solved exactly.
  const auto u = nnls({2, 0, 0, 3}, 2, 2, {4, 9});
  EXPECT_NEAR(u[0], 2.0, 1e-12);
  EXPECT_NEAR(u[1], 3.0, 1e-12);
}

TEST(Plan, ApprovedPlansAreImmutable) {
  PlanFixture f;
  Plan p = f.point_plan();
  EXPECT_THROW(approve(p, "Dr Physicist"), Error);  // not computed yet
  compute_plan(p, f.ctx, "test");
  approve(p, "Dr Physicist");
  EXPECT_TRUE(p.approval.approved);
  EXPECT_EQ(p.approval.checksum.size(), 64u);  // SHA-256 hex
  const std::string text = plan_to_json(p);
  EXPECT_NO_THROW(plan_from_json(text, "plan.json"));
  EXPECT_EQ(text.find("\"comment\""), std::string::npos);  // none given: none written
  // The approver's comment (the web approval asks for one) is kept with the approval, outside
  // the checksum: the same content approved with a comment has the same checksum.
  Plan commented = p;
  commented.approval = {};
  approve(commented, "Dr Physicist", "cord Dmax reviewed");
  const Plan back = plan_from_json(plan_to_json(commented), "plan.json");
  EXPECT_EQ(back.approval.comment, "cord Dmax reviewed");
  EXPECT_EQ(back.approval.checksum, p.approval.checksum);
  // An edit after approval breaks the checksum: refused on load.
  std::string edited = text;
  const auto pos = edited.find("641.5");
  ASSERT_NE(pos, std::string::npos);
  edited.replace(pos, 5, "900.0");
  try {
    plan_from_json(edited, "plan.json");
    FAIL() << "edited approved plan accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos);
  }
  // No computing, no second approval, no overwriting on disk.
  EXPECT_THROW(compute_plan(p, f.ctx, "test"), Error);
  EXPECT_THROW(approve(p, "Someone else"), Error);
  const fs::path dir = fs::temp_directory_path() / "kiort-plan-immutable";
  fs::remove_all(dir);
  save_plan(dir / "plan.json", p);
  Plan changed = p;
  changed.dwell_times_s[0] = 1.0;
  EXPECT_THROW(save_plan(dir / "plan.json", changed), Error);
  // A copy is a new, editable draft that remembers where it came from.
  Plan copy = copy_as_draft(p);
  EXPECT_FALSE(copy.approval.approved);
  EXPECT_NE(copy.id, p.id);
  EXPECT_EQ(copy.parent_id, p.id);
  EXPECT_NO_THROW(require_editable(copy, "copy.json"));
  fs::remove_all(dir);
}

void expect_bad(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Plan, BadPlansAreRefusedWithTheirField) {
  PlanFixture f;
  // Tip outside the CT.
  Plan p = f.point_plan();
  p.accesses[0].tip_lps = {0, 0, 500};
  expect_bad([&] { check_plan(p, f.ctx, "plan.json"); }, "outside the CT");
  // A needle straight down the midline from behind: through the spinal canal.
  p = f.point_plan();
  p.accesses[0].entry_lps = {0, 45, 0};
  p.accesses[0].tip_lps = {0, -5, 0};
  expect_bad([&] { check_plan(p, f.ctx, "plan.json"); }, "crosses the spinal canal");
  // Prescription point beyond the grid: a 40 mm depth from a tip near the front of the grid.
  p = f.point_plan();
  p.accesses[0].tip_lps = {0, -45, 0};
  p.accesses[0].entry_lps = {30, 0, 0};
  p.prescription.depth_mm = 40;
  expect_bad([&] { check_plan(p, f.ctx, "plan.json"); }, "depth");
  // Unknown target.
  p = f.point_plan();
  p.target = "GTV_nowhere";
  expect_bad([&] { check_plan(p, f.ctx, "plan.json"); }, "GTV_nowhere");
  // A point prescription with several dwell positions.
  p = f.point_plan();
  p.accesses[0].dwell_count = 2;
  expect_bad([&] { check_plan(p, f.ctx, "plan.json"); }, "one dwell position");
  // Negative dwell time and bad schema values in the file.
  p = f.point_plan();
  p.dwell_times_s = {-5.0};
  expect_bad([&] { plan_from_json(plan_to_json(p), "plan.json"); }, "dwell_times_s[0]");
  std::string text = plan_to_json(f.point_plan());
  text.replace(text.find("\"kind\": \"point\""), 15, "\"kind\": \"pointy\"");
  expect_bad([&] { plan_from_json(text, "plan.json"); }, "prescription.kind");
  expect_bad([&] { plan_from_json("{]", "plan.json"); }, "plan.json");
  // A float where an integer is wanted (fuzz_plan_json: 1e30 into an int was undefined behaviour;
  // tests/fuzz/regressions/plan_json/accesses_dwell_count_1e30.json).
  for (const auto& [from, to, field] :
       {std::tuple{"\"kiort_plan\": 1", "\"kiort_plan\": 1.1e30", "kiort_plan"},
        std::tuple{"\"dwell_count\": 1", "\"dwell_count\": 1.1e30", "accesses[0].dwell_count"},
        std::tuple{"\"dwell_count\": 1", "\"dwell_count\": -1", "accesses[0].dwell_count"},
        std::tuple{"\"seed\": 1", "\"seed\": -1e300", "engine.seed"}}) {
    std::string bad = plan_to_json(f.point_plan());
    const auto at = bad.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    bad.replace(at, std::string(from).size(), to);
    expect_bad([&] { plan_from_json(bad, "plan.json"); },
               std::string("plan.json: ") + field + ": not a whole number in range");
  }
  // Unknown probe file.
  expect_bad([&] { resolve_commissioned_source("no-such-probe.commissioned.json"); },
             "no-such-probe");
}

// Issue 22: plan.json "rationale" links the prescription to the evidence base by id; a plan
// without one is written (and checksummed) as before; wrong types name their field.
TEST(Plan, RationaleTravelsInPlanJsonAndWrongTypesAreNamed) {
  PlanFixture f;
  Plan p = f.point_plan();
  const std::string plain = plan_to_json(p);
  EXPECT_EQ(plain.find("rationale"), std::string::npos);
  const std::string checksum = plan_checksum(p);
  p.rationale = {"2026.12.02", {"bludau2019"}, {"bludau2019.depth.1"}};
  EXPECT_NE(plan_checksum(p), checksum);  // the rationale is part of the approved content
  const Plan back = plan_from_json(plan_to_json(p), "plan.json");
  EXPECT_EQ(back.rationale.evidence_base, "2026.12.02");
  EXPECT_EQ(back.rationale.references, std::vector<std::string>{"bludau2019"});
  EXPECT_EQ(back.rationale.findings, std::vector<std::string>{"bludau2019.depth.1"});
  EXPECT_EQ(copy_as_draft(back).rationale.references, back.rationale.references);
  std::string text = plan_to_json(p);
  text.replace(text.find("\"bludau2019\"\n"), 12, "19");
  expect_bad([&] { plan_from_json(text, "plan.json"); },
             "plan.json: rationale.references[0]: field missing or of the wrong type: got '19', "
             "expected a string");
  text = plain;
  text.replace(text.find("\"engine\": {"), 0, "\"rationale\": {\"evidence_base\": \"x\"},\n");
  expect_bad([&] { plan_from_json(text, "plan.json"); }, "at least one id");
}

TEST(Plan, ProposedTranspedicularPathAvoidsTheCanal) {
  PlanFixture f;
  for (const char* side : {"left", "right"}) {
    Plan p = f.point_plan();
    p.accesses = {propose_access(f.patient, "CTV", side, false, 1, 5.0)};
    EXPECT_NO_THROW(check_plan(p, f.ctx, "plan.json")) << side;
    // Left (+x in LPS) enters from the left and behind (+y: posterior).
    const Access& a = p.accesses[0];
    EXPECT_GT(a.entry_lps.y, a.tip_lps.y);
    EXPECT_EQ(a.entry_lps.x > a.tip_lps.x, std::string(side) == "left");
  }
  Plan b = f.point_plan();
  b.accesses = {propose_access(f.patient, "CTV", "left", true, 1, 5.0),
                propose_access(f.patient, "CTV", "right", true, 1, 5.0)};
  b.prescription.kind = "coverage";
  EXPECT_NO_THROW(check_plan(b, f.ctx, "plan.json"));
  EXPECT_GT(b.accesses[0].tip_lps.x, b.accesses[1].tip_lps.x);  // each on its own side
}

}  // namespace
}  // namespace kiort
