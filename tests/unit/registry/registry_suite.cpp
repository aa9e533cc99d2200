// The registry's behaviour, backend-independent: this file is compiled into the SQLite test binary
// and into the PostgreSQL one, so both backends pass the same tests.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "registry/quality.h"
#include "registry/repository.h"
#include "registry/schedule.h"
#include "registry/schema.h"
#include "registry/sql_repository.h"
#include "registry/transfer.h"
#include "registry_backend.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

const fs::path kDemo = fs::path(KIORT_TEST_DATA_DIR) / "demo-cohort";

std::unique_ptr<Repository> fresh() {
  return open_repository(test::new_registry_db(), OpenMode::kCreate);
}

Row row(std::initializer_list<std::pair<const char*, const char*>> kv) {
  Row r;
  for (const auto& [k, v] : kv) r[k] = std::string(v);
  return r;
}

SqlConnection& raw(Repository& repo) {
  return dynamic_cast<SqlRepository&>(repo).connection();
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything the registry holds, as text: every table and the length of the audit trail.
std::string snapshot(Repository& repo) {
  std::string s;
  for (const TableSpec& t : registry_tables()) {
    s += "# " + t.name + "\n";
    for (const Row& r : repo.list(t.name)) {
      for (const auto& [k, v] : r) s += k + "=" + v.value_or("<null>") + ";";
      s += "\n";
    }
  }
  return s + "# audit " + std::to_string(repo.audit_trail().size()) + "\n";
}

// A minimal clean patient with one procedure (2024-01-10), one level and a post-op visit.
struct Small {
  std::int64_t patient, procedure, level, visit;
};
Small add_small(Repository& repo, const std::string& pseudonym = "HD-0001") {
  Small s{};
  s.patient = repo.insert("patients",
                          row({{"pseudonym", pseudonym.c_str()},
                               {"sex", "female"},
                               {"birth_year", "1960"},
                               {"primary_site", "breast"},
                               {"histology", "ductal carcinoma"},
                               {"spinal_met_dx_date", "2023-12-01"},
                               {"kps", "80"},
                               {"ecog", "1"}}),
                          "tester");
  s.procedure = repo.insert("procedures",
                            row({{"patient_id", std::to_string(s.patient).c_str()},
                                 {"procedure_date", "2024-01-10"},
                                 {"surgeon", "S"},
                                 {"physicist", "P"}}),
                            "tester");
  s.level = repo.insert("levels",
                        row({{"procedure_id", std::to_string(s.procedure).c_str()},
                             {"level", "T12"},
                             {"access", "bilateral"},
                             {"kv", "50"},
                             {"applicator", "needle"},
                             {"dose_gy", "8"},
                             {"ref_depth_mm", "5"},
                             {"plan_id", "P1"},
                             {"cement_volume_ml", "3.5"}}),
                        "tester");
  s.visit = repo.insert("visits",
                        row({{"procedure_id", std::to_string(s.procedure).c_str()},
                             {"event", "postop"},
                             {"visit_date", "2024-01-11"},
                             {"pain_worst", "3"}}),
                        "tester");
  repo.insert(
      "vital_status",
      row({{"patient_id", std::to_string(s.patient).c_str()}, {"last_contact_date", "2024-06-01"}}),
      "tester");
  return s;
}

std::vector<Violation> check(Repository& repo) {
  return check_registry(repo, "2026-01-01");
}

bool has(const std::vector<Violation>& v, const std::string& rule, const std::string& form,
         const std::string& field, const std::string& patient = "HD-0001") {
  return std::any_of(v.begin(), v.end(), [&](const Violation& x) {
    return x.rule == rule && x.form == form && x.field == field && x.patient == patient;
  });
}

// ---- schema and migrations -------------------------------------------------------------------

TEST(RegistrySchema, InitCreatesEveryTableWithTheDeclaredColumns) {
  auto repo = fresh();
  EXPECT_EQ(repo->schema_version(), current_schema_version());
  for (const TableSpec& t : registry_tables())
    EXPECT_EQ(raw(*repo).table_columns(t.name), t.column_names()) << t.name;
  EXPECT_EQ(raw(*repo).table_columns("audit"), audit_columns());
}

TEST(RegistrySchema, MigratesAVersion1RegistryKeepingItsData) {
  const std::string db = test::new_registry_db();
  {
    auto repo = std::make_unique<SqlRepository>(db.rfind("postgres", 0) == 0 ? open_postgresql(db)
                                                                             : open_sqlite(db));
    repo->migrate(1);
    EXPECT_EQ(repo->schema_version(), 1);
    EXPECT_FALSE(repo->connection().has_table("visit_schedule"));
    repo->connection().query(
        "INSERT INTO patients (id, pseudonym, sex) VALUES (1, 'OLD-1', 'male')");
  }
  auto repo = open_repository(db, OpenMode::kExisting);  // brings it up to date
  EXPECT_EQ(repo->schema_version(), current_schema_version());
  const auto p = repo->get("patients", 1);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("pseudonym"), "OLD-1");
  // v2's five events, v3's recurring one and v5's pre-operative baseline (the count was 6 before
  // schema version 5 added the baseline event).
  EXPECT_EQ(repo->list("visit_schedule").size(), 7u);
  EXPECT_EQ(repo->list("opioid_conversion").size(), 16u);
}

TEST(RegistrySchema, ExistingModeRefusesAnUninitialisedRegistry) {
  const std::string db = test::new_registry_db();
  if (db.rfind("postgres", 0) != 0) {
    EXPECT_THROW(open_repository(db, OpenMode::kExisting), Error);
    EXPECT_FALSE(fs::exists(db));  // nothing created by mistake
  } else {
    EXPECT_THROW(open_repository(db, OpenMode::kExisting), Error);
  }
}

// ---- every table ------------------------------------------------------------------------------

TEST(RegistryTables, EveryTableStoresAndReturnsItsRows) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  const auto sched = repo->insert("visit_schedule",
                                  row({{"event", "m12"},
                                       {"label", "12 months"},
                                       {"day", "365"},
                                       {"window_before", "30"},
                                       {"window_after", "30"}}),
                                  "t");
  const auto conv = repo->insert("opioid_conversion",
                                 row({{"drug", "buprenorphine"},
                                      {"route", "transdermal"},
                                      {"dose_unit", "mcg/h"},
                                      {"factor", "2.4"},
                                      {"source", "test"}}),
                                 "t");
  const auto an = repo->insert("analgesics",
                               row({{"visit_id", std::to_string(s.visit).c_str()},
                                    {"drug", "buprenorphine"},
                                    {"route", "transdermal"},
                                    {"daily_dose", "10"}}),
                               "t");
  const auto co = repo->insert("complications",
                               row({{"procedure_id", std::to_string(s.procedure).c_str()},
                                    {"level", "T12"},
                                    {"type", "cement_leak"},
                                    {"leak_location", "paravertebral"},
                                    {"ctcae_grade", "1"},
                                    {"severity", "minor"},
                                    {"onset_date", "2024-01-10"}}),
                               "t");
  const auto lv = repo->get("levels", s.level);
  ASSERT_TRUE(lv);
  EXPECT_EQ(lv->at("level"), "T12");
  EXPECT_EQ(lv->at("cement_volume_ml"), "3.5");
  EXPECT_EQ(lv->at("kv"), "50");
  EXPECT_EQ(repo->get("visits", s.visit)->at("pain_worst"), "3");
  EXPECT_EQ(repo->get("visit_schedule", sched)->at("day"), "365");
  EXPECT_EQ(repo->get("opioid_conversion", conv)->at("factor"), "2.4");
  EXPECT_EQ(repo->get("analgesics", an)->at("ome_mg_day"), "24");
  EXPECT_EQ(repo->get("complications", co)->at("leak_location"), "paravertebral");
  EXPECT_EQ(repo->list("vital_status").at(0).at("last_contact_date"), "2024-06-01");
  EXPECT_EQ(repo->get("patients", s.patient)->at("site"), "HD");
  EXPECT_FALSE(repo->get("patients", 999));
}

TEST(RegistryTables, QuestionnaireItemsAndDwellJsonAreValidatedAndKept) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  const std::string c30 = "1,2,3,4,1,2,3,4,1,2,3,4,1,2,3,4,1,2,3,4,1,2,3,4,1,2,3,4,6,7";
  repo->update("visits", s.visit,
               {{"qlq_c30", c30},
                {"odi", "0,1,2,3,4,5,,1,1,1"},
                {"qlq_bm22", "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,4"}},
               "t");
  EXPECT_EQ(repo->get("visits", s.visit)->at("qlq_c30"), c30);
  EXPECT_EQ(repo->get("visits", s.visit)->at("odi"), "0,1,2,3,4,5,,1,1,1");  // item 7 missing
  EXPECT_THROW(repo->update("visits", s.visit, {{"qlq_c30", "1,2,3"}}, "t"), Error);  // 3 items
  EXPECT_THROW(repo->update("visits", s.visit, {{"odi", "0,1,2,3,4,6,0,1,1,1"}}, "t"), Error);
  repo->update("levels", s.level, {{"dwell_json", R"([{"position_mm": 0, "time_s": 95.5}])"}}, "t");
  EXPECT_EQ(repo->get("levels", s.level)->at("dwell_json"), R"([{"position_mm":0,"time_s":95.5}])");
  EXPECT_THROW(repo->update("levels", s.level, {{"dwell_json", R"([{"position_mm": 0}])"}}, "t"),
               Error);
}

TEST(RegistryTables, ScoresAreComputedFromTheirComponents) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  // Fisher 2010: junctional 3 + mechanical 3 + lytic 2 + normal 0 + <50 % collapse 2 + none 0 = 10.
  repo->update("patients", s.patient,
               row({{"sins_location", "junctional"},
                    {"sins_pain", "mechanical"},
                    {"sins_lesion", "lytic"},
                    {"sins_alignment", "normal"},
                    {"sins_collapse", "lt50"},
                    {"sins_posterolateral", "none"}}),
               "t");
  EXPECT_EQ(repo->get("patients", s.patient)->at("sins_score"), "10");
  EXPECT_EQ(repo->get("patients", s.patient)->at("tokuhashi_score"),
            std::nullopt);  // inputs missing
  // Tokuhashi 2005: KPS 80 -> 2, 1 extraspinal focus -> 1, 2 vertebral -> 1, no visceral -> 2,
  // breast -> 5, Frankel E -> 2: 13.
  repo->update("patients", s.patient,
               row({{"tok_extraspinal_bone_mets", "1"},
                    {"tok_vertebral_mets", "2"},
                    {"tok_visceral_mets", "none"},
                    {"tok_palsy_frankel", "E"}}),
               "t");
  EXPECT_EQ(repo->get("patients", s.patient)->at("tokuhashi_score"), "13");
  repo->update("patients", s.patient, row({{"primary_site", "lung"}, {"sins_pain", "none"}}), "t");
  EXPECT_EQ(repo->get("patients", s.patient)->at("tokuhashi_score"), "8");
  EXPECT_EQ(repo->get("patients", s.patient)->at("sins_score"), "7");
  EXPECT_THROW(repo->update("patients", s.patient, row({{"sins_score", "3"}}), "t"), Error);
}

TEST(RegistryTables, ImpossibleValuesAreRefusedAndNothingIsWritten) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  const std::string before = snapshot(*repo);
  const std::string proc = std::to_string(s.procedure);
  auto expect_bad = [&](const std::string& table, const Row& r, const std::string& field) {
    try {
      repo->insert(table, r, "t");
      ADD_FAILURE() << "accepted " << table << "." << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expect_bad("visits",
             row({{"procedure_id", proc.c_str()},
                  {"event", "m1"},
                  {"visit_date", "2024-02-09"},
                  {"pain_worst", "11"}}),
             "pain_worst");
  expect_bad("visits",
             row({{"procedure_id", proc.c_str()}, {"event", "m1"}, {"visit_date", "2024-02-30"}}),
             "visit_date");
  expect_bad("visits",
             row({{"procedure_id", "999"}, {"event", "m1"}, {"visit_date", "2024-02-09"}}),
             "procedure_id");
  expect_bad("levels", row({{"procedure_id", proc.c_str()}, {"level", "S1"}}), "level");
  expect_bad("levels", row({{"procedure_id", proc.c_str()}, {"level", "T12"}}), "level");  // twice
  expect_bad("patients", row({{"pseudonym", "HD-0001"}}), "pseudonym");                    // twice
  expect_bad("patients", row({{"pseudonym", "no prefix"}}), "pseudonym");
  expect_bad("patients", row({{"sex", "male"}}), "pseudonym");  // missing
  expect_bad("analgesics", row({{"visit_id", std::to_string(s.visit).c_str()}}), "drug");
  expect_bad("complications", row({{"procedure_id", proc.c_str()}}), "type");
  expect_bad("visits", row({{"procedure_id", proc.c_str()}, {"visit_date", "2024-02-09"}}),
             "event");
  expect_bad("patients", row({{"pseudonym", "HD-9"}, {"kps", "85"}}), "kps");
  expect_bad("analgesics",
             row({{"visit_id", std::to_string(s.visit).c_str()},
                  {"drug", "unobtainium"},
                  {"route", "oral"},
                  {"daily_dose", "5"}}),
             "drug");
  EXPECT_EQ(snapshot(*repo), before);
}

// ---- audit ------------------------------------------------------------------------------------

TEST(RegistryAudit, EditsRecordWhoWhenOldAndNewValue) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->update("visits", s.visit, row({{"pain_worst", "2"}, {"frankel", "E"}}), "alice");
  const auto trail = repo->audit_trail("visits", s.visit);
  std::vector<AuditEntry> updates;
  for (const AuditEntry& a : trail)
    if (a.action == "update") updates.push_back(a);
  ASSERT_EQ(updates.size(), 2u);
  const auto& pain = updates[0].field == "pain_worst" ? updates[0] : updates[1];
  EXPECT_EQ(pain.user, "alice");
  EXPECT_EQ(pain.old_value, "3");
  EXPECT_EQ(pain.new_value, "2");
  EXPECT_EQ(pain.changed_at.size(), 20u);  // 2026-01-01T00:00:00Z
  // The insert was audited field by field too.
  EXPECT_TRUE(std::any_of(trail.begin(), trail.end(), [](const AuditEntry& a) {
    return a.action == "insert" && a.field == "visit_date" && a.new_value == "2024-01-11" &&
           a.user == "tester";
  }));
  // An edit that changes nothing writes nothing.
  const std::size_t n = repo->audit_trail().size();
  repo->update("visits", s.visit, row({{"pain_worst", "2"}}), "alice");
  EXPECT_EQ(repo->audit_trail().size(), n);
}

TEST(RegistryAudit, TheTrailIsAppendOnlyEvenBehindKiortsBack) {
  auto repo = fresh();
  add_small(*repo);
  const std::size_t n = repo->audit_trail().size();
  EXPECT_ANY_THROW(raw(*repo).query("DELETE FROM audit"));
  EXPECT_ANY_THROW(raw(*repo).query("UPDATE audit SET user_name = 'mallory'"));
  EXPECT_EQ(repo->audit_trail().size(), n);
  EXPECT_EQ(repo->audit_trail().front().user, "tester");
}

TEST(RegistryAudit, DeleteLeavesEveryValueInTheTrail) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  EXPECT_THROW(repo->remove("procedures", s.procedure, "bob"), Error);  // still referenced
  repo->remove("visits", s.visit, "bob");
  EXPECT_FALSE(repo->get("visits", s.visit));
  std::map<std::string, std::optional<std::string>> gone;
  for (const AuditEntry& a : repo->audit_trail("visits", s.visit))
    if (a.action == "delete") {
      EXPECT_EQ(a.user, "bob");
      EXPECT_FALSE(a.new_value);
      gone[a.field] = a.old_value;
    }
  EXPECT_EQ(gone["pain_worst"], "3");
  EXPECT_EQ(gone["visit_date"], "2024-01-11");
  EXPECT_EQ(gone["event"], "postop");
}

// Issue 18: after the highest id was deleted, the next insert got it again, so the audit trail of
// visits/<id> mixed two records. Also for a registry made before AUTOINCREMENT (SQLite): the
// audit trail remembers every id.
TEST(RegistryAudit, IdsAreNeverReused) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->remove("visits", s.visit, "bob");
  const Small t = add_small(*repo, "HD-0002");
  EXPECT_GT(t.visit, s.visit);
  for (const AuditEntry& a : repo->audit_trail("visits", t.visit)) EXPECT_EQ(a.action, "insert");
  if (raw(*repo).dialect() == "sqlite") {
    // As in a registry made before AUTOINCREMENT (SQLite would hand out max(id) + 1 again): the
    // engine's memory of ids is wiped, the audit trail's is not.
    repo->remove("visits", t.visit, "bob");
    raw(*repo).query("UPDATE sqlite_sequence SET seq = 0 WHERE name = 'visits'");
    const Small u = add_small(*repo, "HD-0003");
    EXPECT_GT(u.visit, t.visit);
  }
}

// Issue 18: invalid UTF-8 imported with exit 0; a NUL cut the text short without an error. Minimal
// inputs in tests/fuzz/regressions/registry_csv (a Latin-1 e-acute, a NUL in a pseudonym).
TEST(RegistryCsv, InvalidUtf8AndNulAreRefusedWithLineAndColumn) {
  const fs::path dir = fs::path(KIORT_REGRESSION_DIR) / "registry_csv";
  const std::pair<const char*, const char*> cases[] = {{"latin1", "patients.csv:2:"},
                                                       {"nul", "patients.csv:2:7"}};
  for (const auto& [name, where] : cases) {
    auto repo = fresh();
    try {
      import_csv(*repo, dir / name, "importer");
      ADD_FAILURE() << name << " imported";
    } catch (const Error& e) {
      EXPECT_EQ(exit_code_for(e), 2);
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
    EXPECT_TRUE(repo->list("patients").empty());
  }
}

// ---- data-quality rules -----------------------------------------------------------------------

TEST(RegistryQuality, ACleanRegistryHasNoViolations) {
  auto repo = fresh();
  add_small(*repo);
  EXPECT_TRUE(check(*repo).empty()) << violations_text(check(*repo));
}

TEST(RegistryQuality, RequiredFieldsMissing) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->update("patients", s.patient, {{"kps", std::nullopt}}, "t");
  EXPECT_TRUE(has(check(*repo), "required", "patient", "kps"));
}

// ---- missing is not none (schema version 5) ----------------------------------------------------

TEST(RegistryMissing, AFreshRegistryHasAPreoperativeBaselineEvent) {
  auto repo = fresh();
  const auto sched = repo->list("visit_schedule");
  const auto it = std::find_if(sched.begin(), sched.end(),
                               [](const Row& r) { return r.at("event") == "preop"; });
  ASSERT_NE(it, sched.end());
  EXPECT_EQ(it->at("day"), "0");
  EXPECT_EQ(it->at("window_before"), "14");
  EXPECT_EQ(it->at("window_after"), "0");
  // A baseline visit before surgery, inside its window, is not "before surgery".
  const Small s = add_small(*repo);
  repo->insert("visits",
               row({{"procedure_id", std::to_string(s.procedure).c_str()},
                    {"event", "preop"},
                    {"visit_date", "2024-01-03"},
                    {"pain_worst", "7"}}),
               "t");
  const auto v = check(*repo);
  EXPECT_TRUE(v.empty()) << violations_text(v);
  // ... but one 20 days before is outside the window (a warning, as every window).
  raw(*repo).query("UPDATE visits SET visit_date = '2023-12-21' WHERE event = 'preop'");
  EXPECT_TRUE(has(check(*repo), "window", "visit", "visit_date"));
}

TEST(RegistryMissing, ACementLeakWithoutLocationIsCompletenessNotAnError) {
  // "Minor cement leak in 4 cases": no location, grade or date. Accepted; check lists the
  // missing fields as completeness (the earlier schema refused the row outright).
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->insert("complications",
               row({{"procedure_id", std::to_string(s.procedure).c_str()},
                    {"type", "cement_leak"},
                    {"severity", "minor"}}),
               "t");
  const auto v = check(*repo);
  EXPECT_TRUE(has(v, "required", "complication", "leak_location"));
  EXPECT_TRUE(has(v, "required", "complication", "ctcae_grade"));
  for (const Violation& x : v) EXPECT_EQ(x.severity, "completeness") << violations_text(v);
  // An explicit unknown is accepted too.
  EXPECT_NO_THROW(repo->insert("complications",
                               row({{"procedure_id", std::to_string(s.procedure).c_str()},
                                    {"type", "cement_leak"},
                                    {"leak_location", "unknown"},
                                    {"severity", "unknown"}}),
                               "t"));
}

TEST(RegistryMissing, SeverityIsErrorWarningOrCompleteness) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->update("patients", s.patient, {{"kps", std::nullopt}, {"sex", std::nullopt}}, "t");
  const auto v = check(*repo);
  for (const Violation& x : v) {
    if (x.field == "kps") {
      EXPECT_EQ(x.severity, "completeness");
    }
    if (x.field == "sex") {
      EXPECT_EQ(x.severity, "warning");  // a key field
    }
  }
  EXPECT_TRUE(has(v, "required", "patient", "kps"));
  EXPECT_TRUE(has(v, "required", "patient", "sex"));
  EXPECT_NE(violations_json(v).find("\"severity\": \"completeness\""), std::string::npos);
  EXPECT_NE(violations_text(v).find("(0 errors, 1 warnings, 1 completeness)"), std::string::npos)
      << violations_text(v);
}

TEST(RegistryMissing, AnAnalgesicAtAVisitMarkedNotAssessedIsAContradiction) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->update("visits", s.visit, {{"analgesics_assessed", "no"}}, "t");
  EXPECT_TRUE(check(*repo).empty());
  repo->insert("analgesics",
               row({{"visit_id", std::to_string(s.visit).c_str()},
                    {"drug", "morphine"},
                    {"route", "oral"},
                    {"daily_dose", "30"}}),
               "t");
  const auto v = check(*repo);
  ASSERT_TRUE(has(v, "consistency", "analgesic", "visit_id"));
  EXPECT_EQ(v.at(0).severity, "error");
  EXPECT_THROW(repo->update("visits", s.visit, {{"analgesics_assessed", "maybe"}}, "t"), Error);
}

TEST(RegistryMissing, APublishedSeriesEnteredFromItsAbstractHasNoErrors) {
  auto repo = fresh();
  const fs::path dir = fs::path(KIORT_TEST_DATA_DIR) / ".." / "tests" / "e2e" / "published-series";
  EXPECT_EQ(import_csv(*repo, dir, "importer"), 9u + 9u + 15u + 18u + 4u + 9u);
  const auto v = check(*repo);
  std::size_t errors = 0, completeness = 0;
  for (const Violation& x : v) {
    errors += x.severity == "error";
    completeness += x.severity == "completeness";
  }
  EXPECT_EQ(errors, 0u) << violations_text(v);
  EXPECT_GT(completeness, 0u);
  EXPECT_TRUE(has(v, "required", "complication", "leak_location", "PUB-001"));
  EXPECT_TRUE(has(v, "required", "patient", "sex", "PUB-001"));
}

TEST(RegistryMissing, PainScoreOnItsInstrumentsScale) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  EXPECT_NO_THROW(repo->update("visits", s.visit,
                               {{"pain_instrument", "vas_mm"}, {"pain_score", "55.5"}}, "t"));
  EXPECT_EQ(repo->get("visits", s.visit)->at("pain_score"), "55.5");
  EXPECT_THROW(repo->update("visits", s.visit, {{"pain_instrument", "nrs"}}, "t"), Error);  // 55.5
  EXPECT_NO_THROW(repo->update("visits", s.visit,
                               {{"pain_instrument", "bpi_worst"}, {"pain_score", "6.5"}}, "t"));
  EXPECT_THROW(repo->update("visits", s.visit, {{"pain_instrument", std::nullopt}}, "t"), Error);
  EXPECT_TRUE(check(*repo).empty());
  raw(*repo).query("UPDATE visits SET pain_instrument = 'nrs', pain_score = 40 WHERE id = ?",
                   {s.visit});
  EXPECT_TRUE(has(check(*repo), "consistency", "visit", "pain_score"));
}

TEST(RegistryMissing, ACodedPrimaryGivesTheTokuhashiCategory) {
  auto repo = fresh();
  // Revised Tokuhashi by hand: KPS 80 (2), no extraspinal foci (2), 1 vertebral metastasis (2),
  // no visceral metastases (2), primary C20 rectum (4), Frankel E (2) = 14.
  const auto id = repo->insert("patients",
                               row({{"pseudonym", "HD-0100"},
                                    {"primary_icd10", "C20"},
                                    {"kps", "80"},
                                    {"tok_extraspinal_bone_mets", "0"},
                                    {"tok_vertebral_mets", "1"},
                                    {"tok_visceral_mets", "none"},
                                    {"tok_palsy_frankel", "E"}}),
                               "t");
  EXPECT_EQ(repo->get("patients", id)->at("primary_site"), "rectum");
  EXPECT_EQ(repo->get("patients", id)->at("tokuhashi_score"), "14");
  EXPECT_THROW(repo->update("patients", id, {{"primary_site", "breast"}}, "t"), Error);
  EXPECT_THROW(repo->update("patients", id, {{"primary_icd10", "rectum"}}, "t"), Error);
  repo->update("patients", id, {{"primary_icd10", "C50.4"}}, "t");  // breast: 5 points
  EXPECT_EQ(repo->get("patients", id)->at("primary_site"), "breast");
  EXPECT_EQ(repo->get("patients", id)->at("tokuhashi_score"), "15");
}

TEST(RegistryMissing, SelectIsReadOnly) {
  auto repo = fresh();
  add_small(*repo);
  const auto rows = repo->select("SELECT pseudonym, birth_date FROM patients ORDER BY id");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "HD-0001");
  EXPECT_FALSE(rows[0][1].has_value());
  EXPECT_THROW(repo->select("DELETE FROM audit"), Error);
  EXPECT_THROW(repo->select("SELECT 1; DELETE FROM patients"), Error);
  EXPECT_EQ(repo->list("patients").size(), 1u);
}

TEST(RegistryQuality, ValuesOutOfRangeWrittenBehindKiortsBack) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  raw(*repo).query("UPDATE visits SET pain_worst = 12 WHERE id = ?", {s.visit});
  EXPECT_TRUE(has(check(*repo), "range", "visit", "pain_worst"));
  // Garbage where a number or a date belongs is reported, never a crash. (PostgreSQL's typed
  // columns refuse a word in an integer column; SQLite stores it.)
  const bool sqlite = repo->backend() == "sqlite";
  if (sqlite) {
    raw(*repo).query(
        "UPDATE patients SET kps = 'eighty', tok_extraspinal_bone_mets = 0, tok_vertebral_mets = "
        "1, "
        "tok_visceral_mets = 'none', tok_palsy_frankel = 'E' WHERE id = ?",
        {s.patient});
  }
  raw(*repo).query("UPDATE procedures SET procedure_date = '2024-02-31' WHERE id = ?",
                   {s.procedure});
  const auto v = check(*repo);
  EXPECT_EQ(has(v, "range", "patient", "kps"), sqlite);
  EXPECT_TRUE(has(v, "range", "procedure", "procedure_date"));
  EXPECT_NO_THROW(due_visits(*repo, "2024-03-01"));
}

TEST(RegistryQuality, ImplausibleValues) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->update("levels", s.level, {{"cement_volume_ml", "14"}}, "t");
  const auto v = check(*repo);
  EXPECT_TRUE(has(v, "plausibility", "level", "cement_volume_ml"));
  EXPECT_EQ(v.at(0).severity, "warning");
}

TEST(RegistryQuality, VisitBeforeSurgeryAndAfterDeath) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->update("visits", s.visit, {{"visit_date", "2024-01-05"}}, "t");
  EXPECT_TRUE(has(check(*repo), "date_order", "visit", "visit_date"));
  repo->update("visits", s.visit, {{"visit_date", "2024-01-11"}}, "t");
  const auto vs = repo->list("vital_status").at(0).at("id");
  repo->update("vital_status", std::stoll(*vs),
               {{"death_date", "2024-01-10"}, {"last_contact_date", "2024-01-10"}}, "t");
  const auto v = check(*repo);
  EXPECT_TRUE(has(v, "date_order", "visit", "visit_date")) << violations_text(v);
  // And dates in the future.
  repo->update("vital_status", std::stoll(*vs),
               {{"death_date", std::nullopt}, {"last_contact_date", "2030-01-01"}}, "t");
  EXPECT_TRUE(has(check(*repo), "date_order", "vital_status", "last_contact_date"));
}

TEST(RegistryQuality, Duplicates) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->insert("visits",
               row({{"procedure_id", std::to_string(s.procedure).c_str()},
                    {"event", "postop"},
                    {"visit_date", "2024-01-12"},
                    {"pain_worst", "2"}}),
               "t");
  EXPECT_TRUE(has(check(*repo), "duplicate", "visit", "event"));
  const Small twin = add_small(*repo, "HD-0002");  // same sex, birth year, primary, diagnosis date
  (void)twin;
  EXPECT_TRUE(has(check(*repo), "duplicate", "patient", "pseudonym", "HD-0002"));
}

TEST(RegistryQuality, VisitOutsideItsWindow) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  // m1: day 30 after 2024-01-10, window -7/+10 days: 2024-02-02 to 2024-02-19.
  const auto v = repo->insert("visits",
                              row({{"procedure_id", std::to_string(s.procedure).c_str()},
                                   {"event", "m1"},
                                   {"visit_date", "2024-02-19"},
                                   {"pain_worst", "1"}}),
                              "t");
  EXPECT_FALSE(has(check(*repo), "window", "visit", "visit_date"));
  repo->update("visits", v, {{"visit_date", "2024-02-20"}}, "t");
  EXPECT_TRUE(has(check(*repo), "window", "visit", "visit_date"));
}

TEST(RegistryQuality, StoredScoresThatNoLongerAgree) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->update("patients", s.patient,
               row({{"sins_location", "junctional"},
                    {"sins_pain", "mechanical"},
                    {"sins_lesion", "lytic"},
                    {"sins_alignment", "normal"},
                    {"sins_collapse", "lt50"},
                    {"sins_posterolateral", "none"}}),
               "t");
  raw(*repo).query("UPDATE patients SET sins_score = 4 WHERE id = ?", {s.patient});
  EXPECT_TRUE(has(check(*repo), "consistency", "patient", "sins_score"));
}

// ---- scheduling -------------------------------------------------------------------------------

TEST(RegistrySchedule, DueAndOverdueVisitsFromTheProcedureDate) {
  auto repo = fresh();
  add_small(*repo);  // procedure 2024-01-10, post-op visit done
  // 2024-02-05: w2 window (2024-01-20 to 2024-01-31) has closed, m1 (2024-02-02 to 02-19) is open.
  auto due = due_visits(*repo, "2024-02-05");
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].event, "w2");
  EXPECT_EQ(due[0].status, "overdue");
  EXPECT_EQ(due[0].days_overdue, 5);
  EXPECT_EQ(due[1].event, "m1");
  EXPECT_EQ(due[1].status, "due");
  EXPECT_EQ(due[1].target_date, "2024-02-09");
  EXPECT_EQ(due[1].patient, "HD-0001");
  // Configurable: move m1 to day 40 with a +-3 day window: not open yet on 2024-02-05.
  const auto m1 = repo->list("visit_schedule").at(2);
  ASSERT_EQ(m1.at("event"), "m1");
  repo->update("visit_schedule", std::stoll(*m1.at("id")),
               {{"day", "40"}, {"window_before", "3"}, {"window_after", "3"}}, "t");
  due = due_visits(*repo, "2024-02-05");
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].event, "w2");
  // A death before a window closes removes that visit and every later one.
  const auto vs = repo->list("vital_status").at(0).at("id");
  repo->update("vital_status", std::stoll(*vs), {{"death_date", "2024-01-25"}}, "t");
  EXPECT_TRUE(due_visits(*repo, "2024-09-01").empty());
  EXPECT_THROW(due_visits(*repo, "2024-13-01"), Error);
}

TEST(RegistrySchedule, FollowUpRecursBeyondSixMonthsWhileThePatientLives) {
  auto repo = fresh();
  const Small s = add_small(*repo);  // procedure 2024-01-10; only the post-op visit recorded
  const std::string proc = std::to_string(s.procedure);
  for (const auto& [ev, date] : {std::pair{"w2", "2024-01-24"}, std::pair{"m1", "2024-02-09"},
                                 std::pair{"m2", "2024-03-10"}})
    repo->insert("visits",
                 row({{"procedure_id", proc.c_str()}, {"event", ev}, {"visit_date", date}}), "t");
  // Default "late": day 364, +-30 days, every 182 days: late_1 target 2025-01-08, late_2
  // 2025-07-09.
  auto due = due_visits(*repo, "2025-07-01");
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].event, "m6");
  EXPECT_EQ(due[0].status, "overdue");
  EXPECT_EQ(due[1].event, "late_1");  // a missed instance stays listed, overdue
  EXPECT_EQ(due[1].status, "overdue");
  EXPECT_EQ(due[2].event, "late_2");
  EXPECT_EQ(due[2].target_date, "2025-07-09");
  EXPECT_EQ(due[2].status, "due");
  // Recurring visits are named <event>_<n> and checked against their own window.
  const auto v = repo->insert(
      "visits",
      row({{"procedure_id", proc.c_str()}, {"event", "late_2"}, {"visit_date", "2025-07-01"}}),
      "t");
  EXPECT_FALSE(has(check(*repo), "window", "visit", "visit_date"));
  repo->update("visits", v, {{"visit_date", "2025-09-01"}}, "t");
  EXPECT_TRUE(has(check(*repo), "window", "visit", "visit_date"));
  EXPECT_THROW(
      repo->insert(
          "visits",
          row({{"procedure_id", proc.c_str()}, {"event", "late_0"}, {"visit_date", "2025-07-01"}}),
          "t"),
      Error);
  EXPECT_THROW(
      repo->insert(
          "visits",
          row({{"procedure_id", proc.c_str()}, {"event", "m6_2"}, {"visit_date", "2025-07-01"}}),
          "t"),
      Error);  // m6 does not recur
  // Once the patient has died, nothing more is due.
  const auto vs = repo->list("vital_status").at(0).at("id");
  repo->update("vital_status", std::stoll(*vs), {{"death_date", "2025-02-01"}}, "t");
  for (const DueVisit& d : due_visits(*repo, "2026-01-01")) EXPECT_NE(d.event.rfind("late", 0), 0u);
}

// The due list's rules as docs/registry.md writes them down: a visit marked missed (or not done)
// with its reason is recorded and leaves the list; an unrecorded window stays overdue.
TEST(RegistrySchedule, AMissedVisitMarkedWithItsReasonLeavesTheDueList) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  const std::string proc = std::to_string(s.procedure);
  auto events = [&](const std::string& date) {
    std::vector<std::string> e;
    for (const DueVisit& d : due_visits(*repo, date)) e.push_back(d.event + ":" + d.status);
    return e;
  };
  EXPECT_EQ(events("2024-02-05"), (std::vector<std::string>{"w2:overdue", "m1:due"}));
  repo->insert("visits",
               row({{"procedure_id", proc.c_str()},
                    {"event", "w2"},
                    {"visit_date", "2024-02-05"},
                    {"visit_status", "missed"},
                    {"status_reason", "no answer by phone"}}),
               "t");
  EXPECT_EQ(events("2024-02-05"), (std::vector<std::string>{"m1:due"}));
  // Marked missed after its window: no window warning (it is recorded when known).
  EXPECT_FALSE(has(check(*repo), "window", "visit", "visit_date"));
}

TEST(RegistrySchedule, TheLastContactFollowsVisitsThatTookPlace) {
  auto repo = fresh();
  const Small s = add_small(*repo);  // last contact 2024-06-01
  const std::string proc = std::to_string(s.procedure);
  auto last = [&] { return repo->list("vital_status").at(0).at("last_contact_date"); };
  const std::int64_t early = repo->insert("visits",
                                          row({{"procedure_id", proc.c_str()},
                                               {"event", "m1"},
                                               {"visit_date", "2024-02-09"},
                                               {"pain_worst", "1"}}),
                                          "t");
  follow_last_contact(*repo, early, "t");
  EXPECT_EQ(last(), "2024-06-01");  // never backwards
  const std::int64_t missed = repo->insert("visits",
                                           row({{"procedure_id", proc.c_str()},
                                                {"event", "m6"},
                                                {"visit_date", "2024-08-01"},
                                                {"visit_status", "missed"},
                                                {"status_reason", "not reached"}}),
                                           "t");
  follow_last_contact(*repo, missed, "t");
  EXPECT_EQ(last(), "2024-06-01");  // a missed visit is no contact
  const std::int64_t late = repo->insert("visits",
                                         row({{"procedure_id", proc.c_str()},
                                              {"event", "late_1"},
                                              {"visit_date", "2025-01-08"},
                                              {"pain_worst", "1"}}),
                                         "t");
  follow_last_contact(*repo, late, "t");
  EXPECT_EQ(last(), "2025-01-08");
}

// ---- entry rules: the same rules for the CLI, the import and the web ----------------------------

bool entry_has(const std::vector<Violation>& v, const std::string& field, const std::string& rule) {
  return std::any_of(v.begin(), v.end(),
                     [&](const Violation& x) { return x.field == field && x.rule == rule; });
}

TEST(RegistryEntry, HardErrorsRefuseAVisitWithEveryFieldNamed) {
  auto repo = fresh();
  const Small s = add_small(*repo);  // procedure 2024-01-10, post-op visit, alive
  const std::string proc = std::to_string(s.procedure);
  const std::string today = "2024-12-01";
  auto visit = [&](const char* event, const char* date, const char* pain) {
    Row r = row({{"procedure_id", proc.c_str()}, {"event", event}, {"visit_date", date}});
    if (pain) r["pain_worst"] = pain;
    return check_entry(*repo, "visits", r, 0, today);
  };
  // A clean one: m1 inside its window, with a pain score.
  EXPECT_TRUE(visit("m1", "2024-02-09", "2").errors.empty());
  EXPECT_TRUE(visit("m1", "2024-02-09", "2").warnings.empty());
  // Future date.
  EXPECT_TRUE(entry_has(visit("m6", "2030-01-01", "2").errors, "visit_date", "date_order"));
  // Before surgery (a follow-up event).
  EXPECT_TRUE(entry_has(visit("m1", "2024-01-01", "2").errors, "visit_date", "date_order"));
  // No pain score at a visit that took place.
  EXPECT_TRUE(entry_has(visit("m1", "2024-02-09", nullptr).errors, "pain_worst", "required"));
  // Out of range and an impossible date, both at once.
  Row bad = row({{"procedure_id", proc.c_str()},
                 {"event", "m1"},
                 {"visit_date", "2024-02-30"},
                 {"pain_worst", "11"}});
  const EntryCheck both = check_entry(*repo, "visits", bad, 0, today);
  EXPECT_TRUE(entry_has(both.errors, "visit_date", "range"));
  EXPECT_TRUE(entry_has(both.errors, "pain_worst", "range"));
  EXPECT_FALSE(entry_has(both.errors, "pain_worst", "required"));  // not twice
  // A second visit for the same event (the post-op one is recorded).
  EXPECT_TRUE(entry_has(visit("postop", "2024-01-12", "2").errors, "event", "duplicate"));
  // Unscheduled visits may repeat.
  EXPECT_TRUE(visit("unscheduled", "2024-03-01", "2").errors.empty());
  // Soft: outside the window is a warning, not an error.
  const EntryCheck late = visit("m1", "2024-03-15", "2");
  EXPECT_TRUE(late.errors.empty());
  EXPECT_TRUE(entry_has(late.warnings, "visit_date", "window"));
  // After death.
  const auto vs = repo->list("vital_status").at(0).at("id");
  repo->update("vital_status", std::stoll(*vs), {{"death_date", "2024-05-01"}}, "t");
  EXPECT_TRUE(entry_has(visit("m6", "2024-07-10", "2").errors, "visit_date", "date_order"));
  // A missed visit needs its reason and carries no findings.
  Row missed = row({{"procedure_id", proc.c_str()},
                    {"event", "m2"},
                    {"visit_date", "2024-03-20"},
                    {"visit_status", "missed"},
                    {"pain_worst", "4"}});
  const EntryCheck m = check_entry(*repo, "visits", missed, 0, today);
  EXPECT_TRUE(entry_has(m.errors, "status_reason", "required"));
  EXPECT_TRUE(entry_has(m.errors, "pain_worst", "consistency"));
  missed.erase("pain_worst");
  missed["status_reason"] = "in hospital elsewhere";
  EXPECT_TRUE(check_entry(*repo, "visits", missed, 0, today).errors.empty());
}

TEST(RegistryEntry, AnEditIsCheckedAsTheRowItMakes) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  // Only the changed field is given; the rest comes from the stored row.
  EXPECT_TRUE(check_entry(*repo, "visits", row({{"pain_worst", "5"}}), s.visit, "2024-12-01")
                  .errors.empty());
  EXPECT_TRUE(entry_has(
      check_entry(*repo, "visits", row({{"visit_date", "2023-01-01"}}), s.visit, "2024-12-01")
          .errors,
      "visit_date", "date_order"));
  // A death date before a recorded visit is refused; what it breaks is named.
  const std::int64_t vs = std::stoll(*repo->list("vital_status").at(0).at("id"));
  const EntryCheck d =
      check_entry(*repo, "vital_status", row({{"death_date", "2024-01-05"}}), vs, "2024-12-01");
  EXPECT_FALSE(d.errors.empty());
  EXPECT_THROW(check_entry(*repo, "visits", row({{"pain_worst", "5"}}), 999, "2024-12-01"), Error);
}

TEST(RegistryEntry, ATransactionKeepsAVisitWithItsRowsOrNothing) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  const std::string proc = std::to_string(s.procedure);
  const std::string before = snapshot(*repo);
  EXPECT_THROW(repo->transaction([&] {
    const std::int64_t v = repo->insert("visits",
                                        row({{"procedure_id", proc.c_str()},
                                             {"event", "m1"},
                                             {"visit_date", "2024-02-09"},
                                             {"pain_worst", "2"}}),
                                        "t");
    repo->insert("analgesics",
                 row({{"visit_id", std::to_string(v).c_str()},
                      {"drug", "morphine"},
                      {"route", "oral"},
                      {"daily_dose", "30"}}),
                 "t");
    repo->insert("analgesics",
                 row({{"visit_id", std::to_string(v).c_str()},
                      {"drug", "no-such-drug"},
                      {"route", "oral"},
                      {"daily_dose", "30"}}),
                 "t");
  }),
               Error);
  EXPECT_EQ(snapshot(*repo), before);  // nothing kept, not even audit entries
  // A correction with its reason: one transaction, the reason in the trail.
  repo->transaction([&] {
    repo->annotate("visits", s.visit, "update", "  typo in the pain score ", "dm");
    repo->update("visits", s.visit, row({{"pain_worst", "4"}}), "dm");
  });
  const auto trail = repo->audit_trail("visits", s.visit);
  ASSERT_GE(trail.size(), 2u);
  const AuditEntry& reason = trail[trail.size() - 2];
  EXPECT_EQ(reason.action, "reason");
  EXPECT_EQ(reason.field, "update");
  EXPECT_EQ(reason.new_value, "typo in the pain score");
  EXPECT_EQ(trail.back().field, "pain_worst");
  EXPECT_THROW(repo->annotate("visits", s.visit, "delete", "   ", "dm"), Error);
}

// ---- import and export ------------------------------------------------------------------------

TEST(RegistryImport, TheDemoCohortLoadsCleanly) {
  auto repo = fresh();
  EXPECT_EQ(import_csv(*repo, kDemo, "importer"), 166u);  // rows in data/demo-cohort/*.csv
  EXPECT_EQ(repo->list("patients").size(), 9u);
  EXPECT_EQ(repo->list("levels").size(), 15u);
  std::size_t leaks = 0, deaths = 0;
  for (const Row& c : repo->list("complications")) leaks += c.at("type") == "cement_leak";
  for (const Row& v : repo->list("vital_status")) deaths += v.at("death_date").has_value();
  EXPECT_EQ(leaks, 3u);
  EXPECT_EQ(deaths, 3u);
  const auto v = check(*repo);
  EXPECT_TRUE(v.empty()) << violations_text(v);
  EXPECT_FALSE(repo->audit_trail("patients").empty());
}

struct BadRow {
  const char* file;
  int line;
  const char* column;
  const char* value;
  const char* reason;
};

TEST(RegistryImport, ABadRowStopsTheImportAndLeavesTheRegistryUnchanged) {
  auto repo = fresh();
  // Something already in the registry (an id the demo cohort does not use).
  repo->import_rows({{.table = "patients",
                      .values = {{"id", "1000"}, {"pseudonym", "HD-7777"}},
                      .file = "setup",
                      .line = 2,
                      .columns = {"id", "pseudonym"}}},
                    "setup");
  const std::string before = snapshot(*repo);
  ASSERT_NE(before.find("HD-7777"), std::string::npos);
  const BadRow cases[] = {
      {"visits.csv", 5, "visit_date", "2024-02-30", "not a calendar date"},
      {"visits.csv", 7, "pain_worst", "14", "value out of range"},
      {"procedures.csv", 4, "patient_id", "99", "unknown patient"},
      {"levels.csv", 3, "level", "S2", "not an allowed value"},
  };
  for (const BadRow& c : cases) {
    const fs::path dir = test::scratch_dir() / ("bad_" + std::string(c.column));
    fs::remove_all(dir);
    fs::copy(kDemo, dir);
    // Replace the named column of the record on the given line.
    std::istringstream in(slurp(dir / c.file));
    std::string header, line, out;
    std::getline(in, header);
    out = header + "\n";
    std::vector<std::string> cols;
    for (std::size_t p = 0, q; p <= header.size(); p = q + 1) {
      q = header.find(',', p);
      if (q == std::string::npos) q = header.size();
      cols.push_back(header.substr(p, q - p));
    }
    const std::size_t col =
        static_cast<std::size_t>(std::find(cols.begin(), cols.end(), c.column) - cols.begin());
    for (int n = 2; std::getline(in, line); ++n) {
      if (n == c.line) {
        std::vector<std::string> f;
        for (std::size_t p = 0, q; p <= line.size(); p = q + 1) {
          q = line.find(',', p);
          if (q == std::string::npos) q = line.size();
          f.push_back(line.substr(p, q - p));
        }
        f.at(col) = c.value;
        line.clear();
        for (std::size_t i = 0; i < f.size(); ++i) line += (i ? "," : "") + f[i];
      }
      out += line + "\n";
    }
    std::ofstream(dir / c.file, std::ios::binary) << out;
    try {
      import_csv(*repo, dir, "importer");
      ADD_FAILURE() << "imported a bad " << c.column;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(exit_code_for(e), 2);
      EXPECT_NE(msg.find(std::string(c.file) + ":" + std::to_string(c.line)), std::string::npos)
          << msg;
      EXPECT_NE(msg.find("column " + std::to_string(col + 1) + " (" + c.column + ")"),
                std::string::npos)
          << msg;
      EXPECT_NE(msg.find(c.reason), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.value), std::string::npos) << msg;
    }
    EXPECT_EQ(snapshot(*repo), before) << c.column;
  }
}

TEST(RegistryImport, ConfigurationRowsAreUpdatedByIdKeepingColumnsTheFileLacks) {
  auto repo = fresh();
  const fs::path dir = test::scratch_dir() / "schedule_only";
  fs::create_directories(dir);
  std::ofstream(dir / "visit_schedule.csv") << "id,event,day,window_before,window_after\n"
                                               "3,m1,28,5,5\n"
                                               "6,late,364,14,14\n"
                                               "7,m9,273,21,21\n";
  EXPECT_EQ(import_csv(*repo, dir, "coordinator"), 3u);
  const auto sched = repo->list("visit_schedule");
  ASSERT_EQ(sched.size(), 7u);
  EXPECT_EQ(sched[2].at("day"), "28");
  EXPECT_EQ(sched[2].at("label"), "1 month");  // not in the file: kept
  EXPECT_EQ(sched[5].at("window_after"), "14");
  EXPECT_EQ(sched[5].at("repeat_days"), "182");  // not in the file: kept
  EXPECT_EQ(sched[6].at("event"), "m9");
  bool audited = false;
  for (const AuditEntry& a : repo->audit_trail("visit_schedule", 3))
    audited = audited || (a.action == "update" && a.field == "day" && a.old_value == "30" &&
                          a.new_value == "28" && a.user == "coordinator");
  EXPECT_TRUE(audited);
}

TEST(RegistryImport, ImportingTheSameRowsTwiceIsRefusedWhole) {
  auto repo = fresh();
  import_csv(*repo, kDemo, "importer");
  const std::string before = snapshot(*repo);
  EXPECT_THROW(import_csv(*repo, kDemo, "importer"), Error);
  EXPECT_EQ(snapshot(*repo), before);
}

TEST(RegistryImport, AProcessKilledInTheMiddleOfAnImportLeavesTheRegistryAsItWas) {
  const std::string db = test::new_registry_db();
  std::string before;
  {
    auto repo = open_repository(db, OpenMode::kCreate);
    repo->import_rows({{.table = "patients",
                        .values = {{"id", "1000"}, {"pseudonym", "HD-1"}},
                        .file = "setup",
                        .line = 2,
                        .columns = {"id", "pseudonym"}}},
                      "setup");
    before = std::to_string(repo->list("patients").size()) + "/" +
             std::to_string(repo->audit_trail().size());
  }
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child imports the demo cohort and, half way through, tells the parent and waits to die.
    ::close(ready[0]);
    try {
      auto repo = open_repository(db, OpenMode::kExisting);
      import_csv(*repo, fs::path(KIORT_TEST_DATA_DIR) / "demo-cohort", "child",
                 [&](std::size_t done, std::size_t) {
                   if (done == 60) {
                     const char x = 'x';
                     if (::write(ready[1], &x, 1) != 1) ::_exit(3);
                     for (;;) ::pause();
                   }
                 });
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(1);  // the import must not finish
  }
  ::close(ready[1]);
  char x = 0;
  ASSERT_EQ(::read(ready[0], &x, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto repo = open_repository(db, OpenMode::kExisting);
  EXPECT_EQ(std::to_string(repo->list("patients").size()) + "/" +
                std::to_string(repo->audit_trail().size()),
            before);
  EXPECT_TRUE(repo->list("procedures").empty());
  if (repo->backend() == "sqlite") {
    EXPECT_EQ(raw(*repo).query("PRAGMA integrity_check").at(0).at(0), "ok");
  }
  // And the registry is usable: the same import now succeeds.
  EXPECT_GT(import_csv(*repo, fs::path(KIORT_TEST_DATA_DIR) / "demo-cohort", "parent"), 100u);
}

TEST(RegistryExport, ExportThenImportIntoAnEmptyRegistryReproducesTheData) {
  auto a = fresh();
  import_csv(*a, kDemo, "importer");
  add_small(*a, "HD-0042");  // rows entered by hand, with "quotes, commas" in free text
  a->update("procedures", 10, {{"intraop_events", "bleeding, \"minor\"\nstopped"}}, "t");
  const fs::path first = test::scratch_dir() / "export1", second = test::scratch_dir() / "export2";
  export_csv(*a, first);
  auto b = fresh();
  import_csv(*b, first, "importer");
  export_csv(*b, second);
  for (const TableSpec& t : registry_tables())
    EXPECT_EQ(slurp(first / (t.name + ".csv")), slurp(second / (t.name + ".csv"))) << t.name;
  for (const TableSpec& t : registry_tables()) {
    const auto ra = a->list(t.name), rb = b->list(t.name);
    EXPECT_EQ(ra, rb) << t.name;
  }
  EXPECT_TRUE(fs::exists(first / "audit.csv"));
}

// Moving a registry keeps who changed what and when: the exported trail comes back as it was,
// and the import is one entry by the importing user. export -> import -> export gives the same
// table files byte for byte and the same audit.csv plus that one import line at its end.
TEST(RegistryExport, ExportImportExportKeepsTheAuditTrail) {
  auto a = fresh();
  import_csv(*a, kDemo, "importer");
  const Small s = add_small(*a, "HD-0042");
  a->update("visits", s.visit, {{"pain_worst", "2"}}, "alice");
  const fs::path first = test::scratch_dir() / "trail1", second = test::scratch_dir() / "trail2";
  fs::remove_all(first);
  fs::remove_all(second);
  export_csv(*a, first);
  auto b = fresh();
  import_csv(*b, first, "bob");
  export_csv(*b, second);
  for (const TableSpec& t : registry_tables())
    EXPECT_EQ(slurp(first / (t.name + ".csv")), slurp(second / (t.name + ".csv"))) << t.name;
  const std::string trail1 = slurp(first / "audit.csv"), trail2 = slurp(second / "audit.csv");
  ASSERT_EQ(trail2.rfind(trail1, 0), 0u) << "the exported trail is not kept as it was";
  const std::string added = trail2.substr(trail1.size());
  EXPECT_EQ(std::count(added.begin(), added.end(), '\n'), 1) << added;
  EXPECT_EQ(added.find(",bob,"), added.find(','));  // "<id>,bob,<time>,registry,0,import,..."
  EXPECT_NE(added.find(",registry,0,import,"), std::string::npos) << added;
  // alice's edit travelled with its user, time and values.
  const auto ta = a->audit_trail("visits", s.visit), tb = b->audit_trail("visits", s.visit);
  ASSERT_EQ(ta.size(), tb.size());
  for (std::size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].id, tb[i].id);
    EXPECT_EQ(ta[i].user, tb[i].user);
    EXPECT_EQ(ta[i].changed_at, tb[i].changed_at);
    EXPECT_EQ(ta[i].old_value, tb[i].old_value);
    EXPECT_EQ(ta[i].new_value, tb[i].new_value);
  }
  EXPECT_EQ(tb.back().user, "alice");
  // A third registry that already has a trail appends the imported one (new ids, same content).
  auto c = fresh();
  add_small(*c, "HD-0100");
  const std::size_t own = c->audit_trail().size();
  fs::remove(first / "patients.csv");  // keep the ids of c's own rows free: data without patients
  EXPECT_THROW(import_csv(*c, first, "carol"), Error);  // procedures refer to missing patients
  EXPECT_EQ(c->audit_trail().size(), own);              // nothing kept
}

TEST(RegistryExport, ABadAuditTrailStopsTheImport) {
  auto a = fresh();
  add_small(*a);
  const fs::path dir = test::scratch_dir() / "badtrail";
  fs::remove_all(dir);
  export_csv(*a, dir);
  std::string trail = slurp(dir / "audit.csv");
  const std::size_t second_line = trail.find('\n') + 1;
  const std::size_t comma = trail.find(',', second_line);
  trail.replace(second_line, comma - second_line, "x");
  std::ofstream(dir / "audit.csv", std::ios::binary | std::ios::trunc) << trail;
  auto b = fresh();
  try {
    import_csv(*b, dir, "bob");
    FAIL() << "a bad audit.csv was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("audit.csv:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("column 1 (id)"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(b->list("patients").empty());
}

// The data dictionary describes exactly the flat file's fields, in its order (REDCap refuses an
// import with a field it does not know).
TEST(RegistryExport, RedcapDictionaryDescribesEveryFlatField) {
  std::istringstream in(redcap_dictionary());
  std::vector<std::string> names, lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_GT(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("Variable / Field Name,Form Name,Section Header,Field Type,", 0), 0u);
  for (std::size_t i = 1; i < lines.size(); ++i)
    names.push_back(lines[i].substr(0, lines[i].find(',')));
  std::vector<std::string> flat = redcap_columns();
  flat.erase(flat.begin() + 1, flat.begin() + 4);  // the three redcap_ bookkeeping columns
  EXPECT_EQ(names, flat);
  const std::string d = redcap_dictionary();
  EXPECT_NE(d.find("sex,patient,,dropdown,sex,\"female, female | male, male | other, other\""),
            std::string::npos);
  EXPECT_NE(d.find("vis_visit_date,visit,,text,date of the visit,,,date_ymd"), std::string::npos);
  EXPECT_NE(
      d.find("lvl_kv,level,,text,\"X-ray source voltage, kV (30, 40 or 50)\",,,integer,30,50"),
      std::string::npos);
  EXPECT_NE(d.find("@READONLY"), std::string::npos);
}

TEST(RegistryExport, RedcapFlatFileHasOneRowPerPatientAndEvent) {
  auto repo = fresh();
  const Small s = add_small(*repo);
  repo->insert("analgesics",
               row({{"visit_id", std::to_string(s.visit).c_str()},
                    {"drug", "oxycodone"},
                    {"route", "oral"},
                    {"daily_dose", "20"}}),
               "t");
  const fs::path f = test::scratch_dir() / "redcap.csv";
  export_redcap(*repo, f);
  std::istringstream in(slurp(f));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  // header, baseline, surgery, level (repeating), postop visit, analgesic (repeating)
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].rfind(
                "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance", 0),
            0u);
  EXPECT_EQ(lines[1].rfind("HD-0001,baseline_arm_1,,,HD,female,1960", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("HD-0001,surgery_arm_1,,", 0), 0u);
  EXPECT_EQ(lines[3].rfind("HD-0001,surgery_arm_1,level,1,", 0), 0u);
  EXPECT_EQ(lines[4].rfind("HD-0001,postop_arm_1,,,", 0), 0u);
  EXPECT_EQ(lines[5].rfind("HD-0001,postop_arm_1,analgesic,1,", 0), 0u);
  EXPECT_NE(lines[5].find("oxycodone,oral,20,mg/day,1.5,30"), std::string::npos) << lines[5];
  const auto cols = redcap_columns();
  EXPECT_NE(std::find(cols.begin(), cols.end(), "vis_qlq_c30_30"), cols.end());
  EXPECT_NE(std::find(cols.begin(), cols.end(), "vis_odi_10"), cols.end());
}

// ---- REDCap import (issue 19): the flat file back into a registry ------------------------------

// Every table's rows with the references replaced by the referenced row's own content (so two
// registries with different ids compare field by field), sorted.
std::vector<std::string> content(Repository& repo) {
  std::vector<std::string> out;
  std::map<std::string, std::map<std::string, std::string>> rendered;
  for (const TableSpec& t : registry_tables()) {
    for (const Row& r : repo.list(t.name)) {
      std::string line = t.name;
      for (const ColumnSpec& c : t.columns) {
        if (c.type == ColumnType::kId) continue;
        const auto& v = r.at(c.name);
        line.append(";").append(c.name).append("=");
        if (c.type == ColumnType::kRef && v)
          line.append("{").append(rendered[c.references][*v]).append("}");
        else
          line.append(v ? *v : std::string("<null>"));
      }
      rendered[t.name][*r.at("id")] = line;
      out.push_back(line);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A registry with everything the flat file must carry: the demo cohort (levels, complications,
// analgesics, questionnaires), a second procedure with its own visits, two unscheduled visits
// with analgesics, and text that needs CSV quoting.
std::unique_ptr<Repository> redcap_source() {
  auto a = fresh();
  import_csv(*a, kDemo, "importer");
  const Small s = add_small(*a, "HD-0007");
  a->update("patients", s.patient, row({{"histology", "adeno, \"NOS\"\nsecond line"}}), "t");
  const std::string p2 =
      std::to_string(a->insert("procedures",
                               row({{"patient_id", std::to_string(s.patient).c_str()},
                                    {"procedure_date", "2024-05-02"},
                                    {"complications_assessed", "yes"}}),
                               "t"));
  a->insert("visits",
            row({{"procedure_id", p2.c_str()}, {"event", "postop"}, {"visit_date", "2024-05-03"}}),
            "t");
  for (const char* date : {"2024-02-01", "2024-02-20"}) {
    const std::string v =
        std::to_string(a->insert("visits",
                                 row({{"procedure_id", std::to_string(s.procedure).c_str()},
                                      {"event", "unscheduled"},
                                      {"visit_date", date},
                                      {"pain_instrument", "vas_mm"},
                                      {"pain_score", "42.5"},
                                      {"analgesics_assessed", "yes"}}),
                                 "t"));
    a->insert("analgesics",
              row({{"visit_id", v.c_str()},
                   {"drug", "morphine"},
                   {"route", "oral"},
                   {"daily_dose", date[9] == '1' ? "30" : "60"}}),
              "t");
  }
  a->insert("complications",
            row({{"procedure_id", p2.c_str()},
                 {"type", "cement_leak"},
                 {"leak_location", "unknown"},
                 {"severity", "minor"}}),
            "t");
  return a;
}

TEST(RegistryRedcap, ExportImportExportIsByteIdenticalAndFieldByField) {
  auto a = redcap_source();
  const fs::path f1 = test::scratch_dir() / "redcap1.csv", f2 = test::scratch_dir() / "redcap2.csv";
  export_redcap(*a, f1);
  auto b = fresh();
  const std::size_t n = import_redcap(*b, f1, "bob");
  std::size_t expected = 0;
  for (const char* t : {"patients", "procedures", "levels", "visits", "analgesics", "complications",
                        "vital_status"})
    expected += a->list(t).size();
  EXPECT_EQ(n, expected);
  export_redcap(*b, f2);
  EXPECT_EQ(slurp(f1), slurp(f2));
  // Field by field, every table (the configuration tables are the defaults in both).
  const auto ca = content(*a), cb = content(*b);
  ASSERT_EQ(ca.size(), cb.size());
  for (std::size_t i = 0; i < ca.size(); ++i) EXPECT_EQ(ca[i], cb[i]);
  // A flat file has no audit trail: every row is one insert by the importing user.
  for (const AuditEntry& e : b->audit_trail()) {
    EXPECT_EQ(e.user, "bob");
    EXPECT_EQ(e.action, "insert");
  }
  // Into a registry that already has rows: new ids above them; the same pseudonyms are refused
  // with the line, and nothing is kept.
  auto c = fresh();
  add_small(*c, "HD-0100");
  const std::string before = snapshot(*c);
  EXPECT_GT(import_redcap(*c, f1, "carol"), 0u);
  EXPECT_EQ(c->list("patients").size(), a->list("patients").size() + 1);
  const std::string after = snapshot(*c);
  try {
    import_redcap(*c, f1, "carol");
    FAIL() << "the same records were imported twice";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("redcap1.csv:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pseudonym"), std::string::npos) << e.what();
  }
  EXPECT_EQ(snapshot(*c), after);
  EXPECT_NE(before, after);
}

// REDCap's own raw export carries "<instrument>_complete" form status columns; they are ignored.
// Columns may come in any order and be left out.
TEST(RegistryRedcap, ReadsRedcapsOwnExportWithFormStatusColumns) {
  const fs::path f = test::scratch_dir() / "redcap_raw.csv";
  std::ofstream(f, std::ios::binary | std::ios::trunc)
      << "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,sex,"
         "birth_year,patient_complete,proc_procedure_date,lvl_level,lvl_dose_gy,vis_visit_date,"
         "vis_event,vis_pain_worst,last_contact_date\r\n"
         "HD-0001,baseline_arm_1,,,female,1960,2,,,,,,,2024-06-01\r\n"
         "HD-0001,surgery_arm_1,,,,,,2024-01-10,,,,,,\r\n"
         "HD-0001,surgery_arm_1,level,1,,,,,L1,8,,,,\r\n"
         "HD-0001,m1_arm_1,,,,,,,,,2024-02-09,m1,2,\r\n";
  auto repo = fresh();
  EXPECT_EQ(import_redcap(*repo, f, "ann"), 5u);
  ASSERT_EQ(repo->list("patients").size(), 1u);
  EXPECT_EQ(repo->list("patients")[0].at("pseudonym"), "HD-0001");
  EXPECT_EQ(repo->list("vital_status")[0].at("last_contact_date"), "2024-06-01");
  EXPECT_EQ(repo->list("levels")[0].at("dose_gy"), "8");
  EXPECT_EQ(repo->list("visits")[0].at("pain_worst"), "2");
}

TEST(RegistryRedcap, BadLinesNameFileLineAndColumn) {
  const std::string head =
      "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,sex,"
      "proc_procedure_date,vis_visit_date\n";
  const std::pair<std::string, std::string> cases[] = {
      {head + "HD-0001,m1_arm_1,,,,,2024-01-01\n",
       "r.csv:2: column 2 (redcap_event_name): a visit before the surgery it follows"},
      {head + "HD-0001,baseline_arm_1,,,female,2024-01-10,\n",
       "r.csv:2: column 6 (proc_procedure_date): a field of another form on this line"},
      {head + "HD-0001,baseline_arm_1,,,alien,,\n", "r.csv:2: column 5 (sex)"},
      {head + "HD-0001,baseline,,,female,,\n", "not an event of arm 1"},
      {head + "HD-0001,baseline_arm_1,,,female,,\nHD-0001,surgery_arm_1,,,,2024-01-10,\n" +
           "HD-0001,surgery_arm_1,drug,1,,,\n",
       "r.csv:4: column 3 (redcap_repeat_instrument): not a repeating instrument"},
      {"record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,colour\n",
       "r.csv:1: column 5: unknown column: got 'colour'"},
      {"record_id,sex\nHD-0001,female\n", "not a REDCap flat file"},
  };
  for (const auto& [text, needle] : cases) {
    const fs::path f = test::scratch_dir() / "r.csv";
    std::ofstream(f, std::ios::binary | std::ios::trunc) << text;
    auto repo = fresh();
    try {
      import_redcap(*repo, f, "t");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(exit_code_for(e), 2);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_TRUE(repo->list("patients").empty());
  }
}

}  // namespace
}  // namespace kiort
