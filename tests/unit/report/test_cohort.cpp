// The cohort summary on a tiny registry built by hand, with every expectation worked out below,
// and the full report written from it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "outcomes/cohort.h"
#include "registry/repository.h"
#include "registry/transfer.h"
#include "report/cohort_report.h"
#include "report/evidence_sections.h"
#include "report/markdown.h"
#include "report_test_util.h"

// Plain rows are written with designated initializers; members left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace kiort {
namespace {

Row row(std::initializer_list<std::pair<const char*, const char*>> kv) {
  Row r;
  for (const auto& [k, v] : kv) r[k] = v ? std::optional<std::string>(v) : std::nullopt;
  return r;
}

// Two treated patients and one registered but not yet treated:
//   P1 female, born 1950, breast; procedure 1 on 2024-01-10: T12 8 Gy at 10 mm, dwell 60 + 120 s
//      (3 min), L1 10 Gy at 5 mm, dwell 90 s (1.5 min). Baseline pain 8 with morphine 60 mg/day
//      oral (OMED 60); 1 month pain 3 with morphine 30 (OMED 30): pain -5 without OMED increase
//      = partial response (Chow 2012), relief. A minor grade-1 cement leak. Died 2024-07-08
//      (day 180).
//   P2 male, born 1960, prostate; procedure 2 on 2024-03-01: L3 8 Gy at 10 mm, dwell 150 s.
//      Baseline pain 6 without analgesics (asked, none: OMED 0); 1 month pain 7, OMED 0: +1 =
//      indeterminate, no relief. Alive at last contact 2024-12-31 (day 305).
//   P3 female, born 1970: no procedure, so not part of the series.
// Expected: 2 patients (1 female, 1 male), age at first procedure 2024-1950 = 74 and 2024-1960 =
// 64: mean 69, range 64-74; 3 levels; baseline pain mean 7; at m1 pain mean 5, relief 1 of 2,
// evaluable 2, responders 1; dose median 8 Gy; time median 2.5 min (1.5, 2.5, 3); 1 death, KM
// S(180) = 1/2; mean follow-up of the living 305 days.
std::unique_ptr<Repository> tiny_registry(const std::filesystem::path& db) {
  // The default schedule has the pre-operative baseline 'preop' since schema version 5 (this
  // test added it itself before).
  auto repo = open_repository(db.string(), OpenMode::kCreate);
  const std::string u = "test";
  const auto p1 = std::to_string(repo->insert("patients",
                                              row({{"pseudonym", "TT-0001"},
                                                   {"sex", "female"},
                                                   {"birth_year", "1950"},
                                                   {"primary_site", "breast"}}),
                                              u));
  const auto p2 = std::to_string(repo->insert("patients",
                                              row({{"pseudonym", "TT-0002"},
                                                   {"sex", "male"},
                                                   {"birth_year", "1960"},
                                                   {"primary_site", "prostate"}}),
                                              u));
  repo->insert("patients",
               row({{"pseudonym", "TT-0003"},
                    {"sex", "female"},
                    {"birth_year", "1970"},
                    {"primary_site", "breast"}}),
               u);
  const auto pr1 = std::to_string(repo->insert(
      "procedures", row({{"patient_id", p1.c_str()}, {"procedure_date", "2024-01-10"}}), u));
  const auto pr2 = std::to_string(repo->insert(
      "procedures", row({{"patient_id", p2.c_str()}, {"procedure_date", "2024-03-01"}}), u));
  repo->insert("levels",
               row({{"procedure_id", pr1.c_str()},
                    {"level", "T12"},
                    {"dose_gy", "8"},
                    {"ref_depth_mm", "10"},
                    {"dwell_json",
                     R"([{"position_mm": 0, "time_s": 60}, {"position_mm": 5, "time_s": 120}])"}}),
               u);
  repo->insert("levels",
               row({{"procedure_id", pr1.c_str()},
                    {"level", "L1"},
                    {"dose_gy", "10"},
                    {"ref_depth_mm", "5"},
                    {"dwell_json", R"([{"position_mm": 0, "time_s": 90}])"}}),
               u);
  repo->insert("levels",
               row({{"procedure_id", pr2.c_str()},
                    {"level", "L3"},
                    {"dose_gy", "8"},
                    {"ref_depth_mm", "10"},
                    {"dwell_json", R"([{"position_mm": 0, "time_s": 150}])"}}),
               u);
  auto visit = [&](const std::string& pr, const char* ev, const char* date, const char* pain) {
    return std::to_string(repo->insert("visits",
                                       row({{"procedure_id", pr.c_str()},
                                            {"event", ev},
                                            {"visit_date", date},
                                            {"pain_worst", pain},
                                            {"analgesics_assessed", "yes"}}),
                                       u));
  };
  const auto v1 = visit(pr1, "preop", "2024-01-10", "8");
  const auto v2 = visit(pr1, "m1", "2024-02-09", "3");
  visit(pr2, "preop", "2024-03-01", "6");
  visit(pr2, "m1", "2024-03-31", "7");
  repo->insert("analgesics",
               row({{"visit_id", v1.c_str()},
                    {"drug", "morphine"},
                    {"route", "oral"},
                    {"daily_dose", "60"}}),
               u);
  repo->insert("analgesics",
               row({{"visit_id", v2.c_str()},
                    {"drug", "morphine"},
                    {"route", "oral"},
                    {"daily_dose", "30"}}),
               u);
  repo->insert("complications",
               row({{"procedure_id", pr1.c_str()},
                    {"level", "T12"},
                    {"type", "cement_leak"},
                    {"leak_location", "paravertebral"},
                    {"ctcae_grade", "1"},
                    {"severity", "minor"},
                    {"onset_date", "2024-01-10"}}),
               u);
  repo->insert("vital_status",
               row({{"patient_id", p1.c_str()},
                    {"last_contact_date", "2024-07-08"},
                    {"death_date", "2024-07-08"},
                    {"death_cause", "progressive disease"}}),
               u);
  repo->insert("vital_status",
               row({{"patient_id", p2.c_str()}, {"last_contact_date", "2024-12-31"}}), u);
  return repo;
}

TEST(CohortSummary, HandWorkedTinyRegistry) {
  const auto dir = test::scratch_dir("tiny");
  auto repo = tiny_registry(dir / "tiny.db");
  const LoadedCohort c = load_cohort(*repo);
  const CohortSummary s = summarize_cohort(c.data);
  EXPECT_EQ(s.n_patients, 2u);
  EXPECT_EQ(s.n_procedures, 2u);
  EXPECT_EQ(s.n_levels, 3u);
  ASSERT_EQ(s.sex.size(), 2u);
  EXPECT_EQ(s.sex[0].second, 1u);
  EXPECT_DOUBLE_EQ(s.age_years.mean, 69);
  EXPECT_DOUBLE_EQ(s.age_years.min, 64);
  EXPECT_DOUBLE_EQ(s.age_years.max, 74);
  ASSERT_EQ(s.levels.size(), 3u);  // cranial to caudal
  EXPECT_EQ(s.levels[0].first, "T12");
  EXPECT_EQ(s.levels[2].first, "L3");
  ASSERT_EQ(s.regions.size(), 2u);
  EXPECT_EQ(s.regions[1], (std::pair<std::string, std::size_t>{"lumbar", 2}));
  EXPECT_DOUBLE_EQ(s.dose_gy.median, 8);
  EXPECT_DOUBLE_EQ(s.time_min.median, 2.5);
  EXPECT_DOUBLE_EQ(s.time_min.max, 3);
  EXPECT_EQ(s.prescriptions[0], (std::pair<std::string, std::size_t>{"8 Gy at 10 mm", 2}));

  EXPECT_EQ(s.n_with_baseline, 2u);
  EXPECT_DOUBLE_EQ(s.baseline_pain.mean, 7);
  EXPECT_DOUBLE_EQ(s.baseline_omed.max, 60);
  ASSERT_EQ(s.pain.size(), 1u);
  const PainAtVisit& m1 = s.pain[0];
  EXPECT_EQ(m1.event, "m1");
  EXPECT_EQ(m1.n_assessed, 2u);
  EXPECT_DOUBLE_EQ(m1.pain.mean, 5);
  EXPECT_EQ(m1.n_paired, 2u);
  EXPECT_DOUBLE_EQ(m1.change.mean, -2);  // (-5 + 1) / 2
  EXPECT_EQ(m1.n_relief, 1u);
  EXPECT_EQ(m1.n_evaluable, 2u);
  EXPECT_EQ(m1.n_responders, 1u);
  EXPECT_EQ(m1.response.at(PainResponse::kPartial), 1u);
  EXPECT_EQ(m1.response.at(PainResponse::kIndeterminate), 1u);

  ASSERT_EQ(s.complications.size(), 1u);
  EXPECT_EQ(s.complications[0].type, "cement_leak");
  EXPECT_EQ(s.n_procedures_with_complication, 1u);

  EXPECT_EQ(s.n_deaths, 1u);
  EXPECT_EQ(s.n_deaths_30d, 0u);
  EXPECT_EQ(s.os.n, 2);
  EXPECT_EQ(s.os.events, 1);
  ASSERT_FALSE(s.os.table.empty());
  EXPECT_DOUBLE_EQ(s.os.table[0].time, 180);
  EXPECT_DOUBLE_EQ(s.os.table[0].surv, 0.5);
  EXPECT_DOUBLE_EQ(s.mean_follow_up_alive_days, 305);
  EXPECT_EQ(numbers_at_risk(s.survival, {0, 180, 181, 400}), (std::vector<int>{2, 2, 1, 0}));

  // The SQL re-counts agree with the summary.
  for (const CohortQuery& q : c.queries) {
    if (q.purpose == "number of treated patients") {
      EXPECT_EQ(q.result, "2");
    } else if (q.purpose == "number of treated levels") {
      EXPECT_EQ(q.result, "3");
    } else if (q.purpose == "number of deaths among treated patients") {
      EXPECT_EQ(q.result, "1");
    }
  }
}

// Missing is not none: the same registry with P2's analgesics not recorded (analgesics_assessed
// empty). P2's OMED is unknown at baseline and at 1 month, so its response is not evaluable:
// evaluable 1 (P1, partial), not evaluable 1 (no OMED); baseline OMED known for 1 of 2.
TEST(CohortSummary, AVisitWithoutAnalgesicDataIsNotOmedZero) {
  const auto dir = test::scratch_dir("tiny_missing");
  auto repo = tiny_registry(dir / "tiny.db");
  for (const Row& v : repo->list("visits"))
    if (v.at("procedure_id") == "2")
      repo->update("visits", std::stoll(*v.at("id")), {{"analgesics_assessed", std::nullopt}}, "t");
  const CohortSummary s = summarize_cohort(load_cohort(*repo).data);
  EXPECT_EQ(s.baseline_omed.n, 1u);
  EXPECT_EQ(s.n_baseline_visits, 2u);
  ASSERT_EQ(s.pain.size(), 1u);
  EXPECT_EQ(s.pain[0].n_paired, 2u);
  EXPECT_EQ(s.pain[0].n_evaluable, 1u);
  EXPECT_EQ(s.pain[0].n_not_evaluable, 1u);
  EXPECT_EQ(s.pain[0].n_not_evaluable_no_omed, 1u);
  EXPECT_EQ(s.pain[0].n_responders, 1u);
  EXPECT_EQ(s.pain[0].n_omed_unknown, 1u);
  EXPECT_EQ(s.pain[0].response.count(PainResponse::kIndeterminate), 0u);
}

// Pain counts patients, not visits (issue 20): P1's 1-month visit entered three more times (pain
// 0, a day later each) is still one patient with the first entry's pain 3; a stray baseline dated
// after P2's procedure (pain 0) does not replace P2's baseline 6; a 3-month visit dated after
// as_of (2024-12-31 = day 20088 since 1970) is in the future: no m3 row and no follow-up past
// P2's last contact. So m1: 2 patients of 5 visits, mean (3 + 7) / 2 = 5; baseline mean 7;
// follow-up of the living 305 days, as in HandWorkedTinyRegistry.
TEST(CohortSummary, PainCountsPatientsNotVisits) {
  const auto dir = test::scratch_dir("tiny_repeats");
  auto repo = tiny_registry(dir / "tiny.db");
  CohortData d = load_cohort(*repo).data;
  const CohortVisit m1 = *std::find_if(d.visits.begin(), d.visits.end(), [](const CohortVisit& v) {
    return v.procedure_id == 1 && v.event == "m1";
  });
  const CohortVisit base2 =
      *std::find_if(d.visits.begin(), d.visits.end(),
                    [](const CohortVisit& v) { return v.procedure_id == 2 && v.event == "preop"; });
  for (int k = 1; k <= 3; ++k) {
    CohortVisit again = m1;
    again.id = 100 + k;
    again.date = m1.date + k;
    again.pain_worst = 0;
    d.visits.push_back(again);
  }
  CohortVisit stray = base2;
  stray.id = 200;
  stray.date = base2.date + 10;
  stray.pain_worst = 0;
  d.visits.push_back(stray);
  CohortVisit future = base2;
  future.id = 300;
  future.event = "m3";
  future.date = 20088 + 400;
  future.pain_worst = 1;
  d.visits.push_back(future);
  d.as_of = 20088;
  const CohortSummary s = summarize_cohort(d);
  ASSERT_EQ(s.pain.size(), 1u);
  EXPECT_EQ(s.pain[0].event, "m1");
  EXPECT_EQ(s.pain[0].n_assessed, 2u);
  EXPECT_EQ(s.pain[0].n_visits, 5u);
  EXPECT_DOUBLE_EQ(s.pain[0].pain.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.baseline_pain.mean, 7.0);
  EXPECT_EQ(s.pain[0].n_evaluable, 2u);
  EXPECT_EQ(s.pain[0].n_responders, 1u);
  EXPECT_DOUBLE_EQ(s.mean_follow_up_alive_days, 305.0);
}

// Pain on a 0-100 mm VAS with decimals: P2's baseline 65 mm and 1-month 42.5 mm are 6.5 and
// 4.25 on the 0-10 scale the consensus compares (10 mm a point): a fall of 2.25 >= 2 without an
// OMED increase (0 -> 0) is a partial response (Chow 2012), so both patients respond.
TEST(CohortSummary, VasInMillimetresIsComparedOnTheConsensusScale) {
  const auto dir = test::scratch_dir("tiny_vas");
  auto repo = tiny_registry(dir / "tiny.db");
  for (const Row& v : repo->list("visits"))
    if (v.at("procedure_id") == "2")
      repo->update(
          "visits", std::stoll(*v.at("id")),
          {{"pain_instrument", "vas_mm"}, {"pain_score", v.at("event") == "preop" ? "65" : "42.5"}},
          "t");
  const CohortSummary s = summarize_cohort(load_cohort(*repo).data);
  EXPECT_EQ(s.pain_instruments.at("vas_mm"), 2u);
  EXPECT_EQ(s.pain_instruments.at("nrs"), 2u);
  EXPECT_DOUBLE_EQ(s.baseline_pain.mean, (8 + 6.5) / 2);
  ASSERT_EQ(s.pain.size(), 1u);
  EXPECT_DOUBLE_EQ(s.pain[0].pain.mean, (3 + 4.25) / 2);
  EXPECT_EQ(s.pain[0].n_evaluable, 2u);
  EXPECT_EQ(s.pain[0].n_responders, 2u);
  EXPECT_EQ(s.pain[0].response.at(PainResponse::kPartial), 2u);
}

// Assessed-none complications, neurological change, imaging endpoints, exact age and the
// restricted mean, on plain rows worked by hand:
//   procedure 1 (patient 1, born 1950-06-30, treated 2024-06-29: 73 completed years) marked
//   complications_assessed, one cement leak; procedure 2 (patient 2, birth year 1960, treated
//   2024-01-01: 64) not marked. Frankel baseline D -> E at the last visit (improved) for 1;
//   C -> C (unchanged) for 2. Imaging: procedure 1 controlled at day 60, progression at day 120
//   (event at 120, its 2 levels); procedure 2 controlled at day 90 (censored at 90, 1 level).
//   Local progression KM over 3 levels: S(120) = 1 - 2/2 = 0 after the censored level at 90.
//   OS: patient 1 died at day 150, patient 2 censored at day 200: KM 1 to day 150, then 1/2; RMST
//   to 200 = 150 x 1 + 50 x 0.5 = 175; se = sqrt((area after 150)^2 x d / (n (n - d))) =
//   sqrt(25^2 x 1 / (2 x 1)) = 17.678 (survmean's formula); mean follow-up (150 + 200) / 2.
TEST(CohortSummary, AssessedNoneNeurologyImagingAndRestrictedMean) {
  const std::int64_t d0 = 19903;  // 2024-06-29
  const std::int64_t d1 = 19723;  // 2024-01-01
  CohortData d;
  d.patients = {{.id = 1,
                 .pseudonym = "A",
                 .sex = "female",
                 .primary_site = "stomach",
                 .primary_group = "gastrointestinal",
                 .birth_year = 1950,
                 .birth_date = 19903 - 27028 /* 1950-06-30 */},
                {.id = 2,
                 .pseudonym = "B",
                 .sex = "male",
                 .primary_site = "breast",
                 .primary_group = "breast",
                 .birth_year = 1960,
                 .birth_date = std::nullopt}};
  d.procedures = {{.id = 1, .patient_id = 1, .date = d0, .complications_assessed = true},
                  {.id = 2, .patient_id = 2, .date = d1, .complications_assessed = std::nullopt}};
  d.levels = {{.id = 1, .procedure_id = 1, .level = "T12"},
              {.id = 2, .procedure_id = 1, .level = "L1"},
              {.id = 3, .procedure_id = 2, .level = "L3"}};
  auto visit = [](std::int64_t id, std::int64_t proc, const char* ev, std::int64_t date,
                  const char* frankel, const char* lc) {
    CohortVisit v;
    v.id = id;
    v.procedure_id = proc;
    v.event = ev;
    v.date = date;
    v.frankel = frankel;
    v.local_control = lc;
    return v;
  };
  d.visits = {visit(1, 1, "preop", d0, "D", ""), visit(2, 1, "m2", d0 + 60, "", "controlled"),
              visit(3, 1, "m6", d0 + 120, "E", "progression"), visit(4, 2, "preop", d1, "C", ""),
              visit(5, 2, "m2", d1 + 90, "C", "controlled")};
  d.complications = {{.procedure_id = 1, .type = "cement_leak", .severity = "minor"}};
  d.vital_status = {{.patient_id = 1, .last_contact = d0 + 150, .death = d0 + 150},
                    {.patient_id = 2, .last_contact = d1 + 200, .death = std::nullopt}};
  const CohortSummary s = summarize_cohort(d);
  EXPECT_EQ(s.n_age_from_birth_date, 1u);
  ASSERT_EQ(s.age_years.n, 2u);
  EXPECT_DOUBLE_EQ(s.age_years.min, 64);  // 2024 - 1960
  EXPECT_DOUBLE_EQ(s.age_years.max, 73);  // the day before the 74th birthday
  ASSERT_EQ(s.primary_groups.size(), 2u);
  EXPECT_EQ(s.n_procedures_assessed, 1u);
  for (const ComplicationFinding& f : s.complication_findings) {
    if (f.type == "cement_leak") {
      EXPECT_EQ(f.n_procedures_with, 1u);
      EXPECT_EQ(f.n_assessed, 1u);
    } else {
      EXPECT_EQ(f.n_procedures_with, 0u) << f.type;
      EXPECT_EQ(f.n_assessed, 1u) << f.type;      // only procedure 1 was looked at
      EXPECT_EQ(f.n_not_recorded, 1u) << f.type;  // procedure 2: not recorded, not "none"
    }
  }
  ASSERT_EQ(s.neuro.size(), 2u);
  EXPECT_EQ(s.neuro[0].scale, "Frankel");
  EXPECT_EQ(s.neuro[0].n_paired, 2u);
  EXPECT_EQ(s.neuro[0].improved, 1u);
  EXPECT_EQ(s.neuro[0].unchanged, 1u);
  EXPECT_EQ(s.neuro[0].worse, 0u);
  EXPECT_EQ(s.neuro[1].n_paired, 0u);  // ASIA not recorded
  EXPECT_EQ(s.local_control.n_levels, 3u);
  EXPECT_EQ(s.local_control.n_assessed, 3u);
  EXPECT_EQ(s.local_control.n_events, 2u);
  ASSERT_FALSE(s.local_control.km.table.empty());
  EXPECT_DOUBLE_EQ(s.local_control.km.table.back().time, 120);
  EXPECT_DOUBLE_EQ(s.local_control.km.table.back().surv, 0);
  EXPECT_EQ(s.new_fracture.n_assessed, 0u);
  EXPECT_DOUBLE_EQ(s.os_rmean.tau, 200);
  EXPECT_DOUBLE_EQ(s.os_rmean.rmean, 175);
  EXPECT_NEAR(s.os_rmean.se, std::sqrt(25.0 * 25.0 / 2), 1e-12);
  EXPECT_DOUBLE_EQ(s.mean_follow_up_days, 175);
  EXPECT_EQ(s.os_n_risk_6m, 1);
}

TEST(CohortReport, WritesMarkdownPdfFiguresAndTheSurvivalCsv) {
  const auto dir = test::scratch_dir("report");
  auto repo = tiny_registry(dir / "tiny.db");
  const LoadedCohort c = load_cohort(*repo);
  const CohortReportFiles f = write_cohort_report_files(
      c, dir / "out",
      {.title = "Tiny", .source = "test", .generated = "2025-01-01", .synthetic = false});
  EXPECT_GE(f.pdf_pages, 3);
  for (const auto& p : f.figures) EXPECT_TRUE(std::filesystem::exists(p)) << p;
  std::ifstream in(f.survival_csv);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "pseudonym,time_days,event\nTT-0001,180,1\nTT-0002,305,0\n");
  std::ifstream md(f.markdown);
  std::stringstream ms;
  ms << md.rdbuf();
  EXPECT_NE(ms.str().find("2 patients (1 female, 1 male)"), std::string::npos);
  EXPECT_NE(ms.str().find("SELECT COUNT(DISTINCT pr.patient_id) FROM procedures pr"),
            std::string::npos);
}

TEST(CohortReport, AnEmptyRegistryIsBadInput) {
  const auto dir = test::scratch_dir("empty");
  auto repo = open_repository((dir / "empty.db").string(), OpenMode::kCreate);
  try {
    load_cohort(*repo);
    FAIL() << "an empty registry was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  }
  EXPECT_THROW(summarize_cohort(CohortData{}), Error);
}

// Issue 22: the cohort beside the published series of the evidence base. The published-series
// fixture (tests/e2e/published-series, shaped like the 9-patient / 15-level series
// seddighi2021, Austin J Clin Case Rep 2021;8(4):1208: pain relief 78 %, 4 minor cement leaks,
// 2 deaths, mean OS 10 months) against that series' own table: every number with its source and
// n, what the paper does not give "not reported", what the registry lacks "not recorded".
TEST(CohortReport, ComparedWithPublishedSeries) {
  const auto dir = test::scratch_dir("published");
  auto repo = open_repository((dir / "p.db").string(), OpenMode::kCreate);
  import_csv(
      *repo,
      std::filesystem::path(KIORT_TEST_DATA_DIR) / ".." / "tests" / "e2e" / "published-series",
      "t");
  const LoadedCohort c = load_cohort(*repo);
  const CohortSummary s = summarize_cohort(c.data);
  MarkdownDocument md;
  add_published_comparison(md, s);
  const std::string& text = md.str();
  const std::size_t table = text.find("[seddighi2021] (n = 9 patients, 15 vertebrae)");
  ASSERT_NE(table, std::string::npos) << text;
  const std::string mine = text.substr(table, text.find("Table C", table + 10) - table);
  for (const char* needle :
       {"| patients | 9 patients | 9 patients |",
        "| levels | 15 levels (9 procedures) | 15 vertebrae |", "relief 7 of 9 (78 %)", "| 78 % |",
        "pain relief assessed by VAS", "cement_leak 4 of 9 procedures assessed",
        "| 4 minor cement leaks |", "2 of 9 patients died", "| mean 10 months |",
        "2 patients died during follow-up",
        "| local_control | not recorded (no imaging assessment) | not reported |",
        "consensus responders not recorded"})
    EXPECT_NE(mine.find(needle), std::string::npos) << needle << "\n" << mine;
  // Other series of the base have their own tables (the largest, bludau2020: 104 patients).
  EXPECT_NE(text.find("[bludau2020] (n = 104 patients, 143 vertebrae)"), std::string::npos);
  EXPECT_NE(text.find("| 95.9 % |"), std::string::npos);
}

}  // namespace
}  // namespace kiort
