// The plan report on a coarse phantom with an analytic dose: the PDF has the pages the layout
// gives (title and dwell table, dose and constraints, DVH and one overlay per dwell position,
// approval), the PNG figures are not blank and the overlays carry coloured isodose lines; a
// plan that is not computed is refused and leaves no file.
#include <cairo.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "patient/phantom.h"
#include "plan/dvh.h"
#include "report/evidence_sections.h"
#include "report/markdown.h"
#include "report/plan_report.h"
#include "report_test_util.h"

namespace kiort {
namespace {

int pdf_page_objects(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string pdf = ss.str();
  int n = 0;
  for (std::size_t at = pdf.find("/Type /Page"); at != std::string::npos;
       at = pdf.find("/Type /Page", at + 1))
    n += pdf.compare(at, 12, "/Type /Pages") != 0 ? 1 : 0;
  return n;
}

struct Case {
  PatientModel patient = make_vertebra_phantom({.level = "L1", .lesion = "lytic", .voxel_mm = 4});
  Plan plan;
  PlanReportData data;
  Case() {
    plan.id = "KIORT-TEST-REPORT";
    plan.level = "L1";
    plan.engine.engine = "mc";
    Access a;
    a.name = "left";
    a.entry_lps = {30, 50, 0};
    a.tip_lps = {0, 0, 0};
    a.dwell_count = 2;
    a.dwell_step_mm = 5;
    plan.accesses.push_back(a);
    plan.dwell_times_s = {300, 200};
    plan.evaluation_json = R"json({
        "engine": "monte-carlo (dose to medium)",
        "prescription": {"dose_at_point_water_engine_gy": 8.0, "dose_at_point_medium_gy": 9.5,
                         "sigma_at_point_rel": 0.02, "calibration_rate_gy_per_min": 0.75,
                         "quantity": "dw_w", "quantity_text": "Dw,w at the point",
                         "dose_at_point": {"dm_m_gy": 9.5, "dw_m_gy": 5.7, "dw_w_gy": 8.0,
                                           "sigma_rel": 0.02, "method": "m"}},
        "target": {"name": "CTV", "D90_gy": 7.9, "water_engine": {"D90_gy": 7.1},
                   "dm_m": {"D90_gy": 7.9, "Dmean_gy": 60.0, "D2cc_gy": 20.0},
                   "dw_m": {"D90_gy": 6.0, "Dmean_gy": 55.0, "D2cc_gy": 18.0},
                   "dw_w": {"D90_gy": 7.1, "Dmean_gy": 58.0, "D2cc_gy": 19.0}},
        "media_ratios": [{"structure": "VB_L1", "medium": "spongiosa", "voxels": 100,
                          "dm_m_over_dw_w": 1.31, "dw_m_over_dw_w": 0.80,
                          "dm_m_over_dw_m": 1.64}],
        "near_applicator": [{"from_surface_mm": 0, "medium": "soft-tissue", "dm_m_gy": null,
                             "dw_m_gy": null, "dw_w_gy": 2205.8, "sigma_rel": null},
                            {"from_surface_mm": 5, "medium": "soft-tissue", "dm_m_gy": 73.9,
                             "dw_m_gy": 72.1, "dw_w_gy": 77.4, "sigma_rel": 0.006}],
        "applicator_voxels": {"voxels_left_out": 61, "tissue_left_out_cc": 0.2, "rule": "r"},
        "second_check": {"deviation": -0.014, "tolerance": 0.05, "flagged": false,
                         "water_engine_dwell_times_s": [296, 197]},
        "constraints": [], "messages": []})json";
    data.dose_grid = patient.grid;
    data.dose_gy.resize(patient.grid.voxel_count());
    for (std::size_t v = 0; v < data.dose_gy.size(); ++v) {
      const Vec3 r = patient.grid.position(patient.grid.index3(v));
      data.dose_gy[v] = 8.0 * 169.0 / (1.0 + dot(r, r));  // 8 Gy at 13 mm
    }
    data.dose_water_gy = data.dose_gy;
    for (double& d : data.dose_water_gy) d *= 0.85;
    data.sigma_rel.assign(data.dose_gy.size(), 0.02);
    for (const char* name : {"CTV", "SpinalCord"}) {
      const Structure* st = patient.find(name);
      std::vector<double> doses, water;
      for (std::size_t v = 0; v < st->mask.size(); ++v)
        if (st->mask[v]) {
          doses.push_back(data.dose_gy[v]);
          water.push_back(data.dose_water_gy[v]);
        }
      data.dvh_primary.push_back(cumulative_dvh(name, dose_stats(doses, 0.064), 0.1, 24));
      data.dvh_water.push_back(cumulative_dvh(name, dose_stats(water, 0.064), 0.1, 24));
    }
    data.summary_json = plan.evaluation_json;
    data.probe_serial = "SN-TEST";
    data.calibration_date = "2026-01-01";
  }
};

TEST(PlanReport, PagesAndFiguresThatAreNotBlank) {
  Case c;
  const auto dir = test::scratch_dir("plan_report");
  const PlanReportResult r =
      write_plan_report(c.plan, c.patient, c.data, dir / "report.pdf", dir / "figures");
  // Title, patient and dwell table; dose, constraints; DVH and two overlays; approval.
  EXPECT_GE(r.pages, 3);
  EXPECT_LE(r.pages, 5);
  EXPECT_EQ(pdf_page_objects(dir / "report.pdf"), r.pages);
  ASSERT_EQ(r.figures.size(), 3u);  // dvh.png and one overlay per dwell position
  for (const auto& png : r.figures) {
    cairo_surface_t* img = cairo_image_surface_create_from_png(png.c_str());
    ASSERT_EQ(cairo_surface_status(img), CAIRO_STATUS_SUCCESS) << png;
    EXPECT_GT(test::non_white_fraction(img), 0.005) << png;  // a blank figure: 0
    EXPECT_GT(test::coloured_pixels(img), 500) << png;       // curves and isodose lines in colour
    cairo_surface_destroy(img);
  }
}

TEST(PlanReport, RefusesAPlanThatIsNotComputed) {
  Case c;
  const auto dir = test::scratch_dir("plan_report_refused");
  Plan draft = c.plan;
  draft.dwell_times_s.clear();
  EXPECT_THROW(write_plan_report(draft, c.patient, c.data, dir / "r.pdf", dir / "figures"), Error);
  PlanReportData wrong = c.data;
  wrong.dose_gy.resize(3);
  EXPECT_THROW(write_plan_report(c.plan, c.patient, wrong, dir / "r.pdf", dir / "figures"), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "r.pdf"));
}

// Issue 18: the report reads the evaluation (plan.json, summary.json) only through the checked
// accessor: a field of the wrong type is a clear bad-input error naming plan, field, value and
// what was expected, never a json::type_error (exit 1) or a silent "n/a".
TEST(PlanReport, AnEvaluationFieldOfTheWrongTypeIsNamed) {
  const std::pair<std::pair<std::string, std::string>, std::string> cases[] = {
      {{"\"deviation\": -0.014", "\"deviation\": \"x\""},
       "evaluation.second_check.deviation: field missing or of the wrong type: got '\"x\"', "
       "expected a number"},
      {{"[296, 197]", "[296, \"a\"]"}, "evaluation.second_check.water_engine_dwell_times_s[1]"},
      {{"\"dm_m\": {\"D90_gy\": 7.9", "\"dm_m\": {\"D90_gy\": true"},
       "evaluation.target.dm_m.D90_gy"},  // the metrics per TG-186 quantity (issue 16)
      {{"\"messages\": []", "\"messages\": [1]"}, "evaluation.messages[0]: "},
      // The point's sigma as the report reads it since issue 16 (dose_at_point, evaluated at it).
      {{"\"sigma_rel\": 0.02, \"method\"", "\"sigma_rel\": [0.02], \"method\""},
       "evaluation.prescription.dose_at_point.sigma_rel"},
      {{"\"engine\": \"monte-carlo (dose to medium)\"", "\"engine\": 3"}, "evaluation.engine"},
  };
  for (const auto& [swap, needle] : cases) {
    Case c;
    const auto dir = test::scratch_dir("plan_report_types");
    const std::size_t at = c.data.summary_json.find(swap.first);
    ASSERT_NE(at, std::string::npos) << swap.first;
    c.data.summary_json.replace(at, swap.first.size(), swap.second);
    try {
      write_plan_report(c.plan, c.patient, c.data, dir / "r.pdf", dir / "figures");
      ADD_FAILURE() << "accepted " << swap.second;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << e.what();
      EXPECT_NE(std::string(e.what()).find("plan.json of plan KIORT-TEST-REPORT"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "r.pdf"));
  }
}

// Issue 22: the plan's rationale as its own section (one call in the report): the linked
// references with the stances citing them, the findings with their depth reference; an id the
// base does not have stops the report naming it.
TEST(PlanReport, RationaleSectionShowsTheLinkedEvidence) {
  Case c;
  c.plan.rationale = {"2026.12.02", {"bludau2019", "wenz2010ijrobp"}, {"bludau2019.depth.1"}};
  MarkdownDocument md;
  add_rationale_section(md, c.plan);
  const std::string& text = md.str();
  for (const char* needle :
       {"Prescription rationale", "[bludau2019]", "[wenz2010ijrobp]", "bludau2019.depth.1 (depth)",
        "| 13 mm |", "depth reference: not stated", "abstract, Methods"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  MarkdownDocument none;
  c.plan.rationale = {};
  add_rationale_section(none, c.plan);
  EXPECT_TRUE(none.str().empty());
  // In the PDF; an unknown id is bad input naming it, and no PDF is written.
  const auto dir = test::scratch_dir("plan_report_rationale");
  c.plan.rationale = {"2026.12.02", {"bludau2019"}, {"bludau2019.dose.1"}};
  EXPECT_GE(write_plan_report(c.plan, c.patient, c.data, dir / "r.pdf", dir / "figures").pages, 3);
  c.plan.rationale.references.push_back("nobody1999");
  try {
    write_plan_report(c.plan, c.patient, c.data, dir / "bad.pdf", dir / "figures");
    ADD_FAILURE() << "an unknown reference id was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rationale.references[1]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nobody1999"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.pdf"));
}

}  // namespace
}  // namespace kiort
