// The cohort summary on a tiny registry built by hand, with every expectation worked out below,
// and the full report written from it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "outcomes/cohort.h"
#include "registry/repository.h"
#include "report/cohort_report.h"
#include "report_test_util.h"

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
//      Baseline pain 6 without analgesics (OMED 0); 1 month pain 7, OMED 0: +1 = indeterminate,
//      no relief. Alive at last contact 2024-12-31 (day 305).
//   P3 female, born 1970: no procedure, so not part of the series.
// Expected: 2 patients (1 female, 1 male), age at first procedure 2024-1950 = 74 and 2024-1960 =
// 64: mean 69, range 64-74; 3 levels; baseline pain mean 7; at m1 pain mean 5, relief 1 of 2,
// evaluable 2, responders 1; dose median 8 Gy; time median 2.5 min (1.5, 2.5, 3); 1 death, KM
// S(180) = 1/2; mean follow-up of the living 305 days.
std::unique_ptr<Repository> tiny_registry(const std::filesystem::path& db) {
  auto repo = open_repository(db.string(), OpenMode::kCreate);
  const std::string u = "test";
  repo->insert("visit_schedule",
               row({{"event", "preop"},
                    {"label", "pre-operative baseline"},
                    {"day", "0"},
                    {"window_before", "14"},
                    {"window_after", "0"}}),
               u);
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
                                            {"pain_worst", pain}}),
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

}  // namespace
}  // namespace kiort
