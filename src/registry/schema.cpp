#include "registry/schema.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <regex>

#include "core/error.h"
#include "registry/scores.h"

// The tables below are written with designated initializers; members left out take the defaults
// declared in schema.h on purpose, so GCC's missing-initializer warning is noise here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace kiort {
namespace {

ColumnSpec id_col() {
  return {.name = "id", .type = ColumnType::kId, .description = "row id"};
}
ColumnSpec ref(std::string name, std::string table, std::string what) {
  return {.name = std::move(name),
          .type = ColumnType::kRef,
          .description = std::move(what),
          .not_null = true,
          .references = std::move(table)};
}
ColumnSpec text(std::string name, std::string what, bool required = false) {
  return {.name = std::move(name),
          .type = ColumnType::kText,
          .description = std::move(what),
          .required = required};
}
ColumnSpec date(std::string name, std::string what, bool required = false) {
  return {.name = std::move(name),
          .type = ColumnType::kDate,
          .description = std::move(what),
          .required = required};
}
ColumnSpec choice(std::string name, std::vector<std::string> choices, std::string what,
                  bool required = false) {
  return {.name = std::move(name),
          .type = ColumnType::kChoice,
          .description = std::move(what),
          .required = required,
          .choices = std::move(choices)};
}
ColumnSpec integer(std::string name, double lo, double hi, std::string what,
                   bool required = false) {
  return {.name = std::move(name),
          .type = ColumnType::kInt,
          .description = std::move(what),
          .required = required,
          .min = lo,
          .max = hi};
}
ColumnSpec real(std::string name, double lo, double hi, std::optional<double> soft_lo,
                std::optional<double> soft_hi, std::string what, bool required = false) {
  return {.name = std::move(name),
          .type = ColumnType::kReal,
          .description = std::move(what),
          .required = required,
          .min = lo,
          .max = hi,
          .soft_min = soft_lo,
          .soft_max = soft_hi};
}
// "Was this looked for?": yes, no, or empty (not recorded). Distinguishes "assessed, none found"
// from "nobody wrote anything down".
ColumnSpec assessed(std::string name, std::string what) {
  return {.name = std::move(name),
          .type = ColumnType::kChoice,
          .description = std::move(what),
          .choices = {"yes", "no"}};
}
// A field whose absence weakens the series' main results: `registry check` reports it missing as a
// warning rather than as a completeness note.
ColumnSpec key(ColumnSpec c) {
  c.key = true;
  return c;
}
ColumnSpec computed(ColumnSpec c) {
  c.computed = true;
  return c;
}
ColumnSpec not_null(ColumnSpec c) {
  c.not_null = true;
  return c;
}
ColumnSpec items(std::string name, ItemSpec spec, std::string what) {
  return {.name = std::move(name),
          .type = ColumnType::kItems,
          .description = std::move(what),
          .items = spec};
}

const std::vector<std::string> kFrankel = {"A", "B", "C", "D", "E"};

std::vector<TableSpec> build_tables() {
  std::vector<TableSpec> t;
  t.push_back(
      {.name = "patients",
       .form = "patient",
       .singular = "patient",
       .description = "one row per patient: demographics, tumour, performance status, scores",
       .columns = {
           id_col(),
           not_null(text("pseudonym",
                         "pseudonymous ID with a site prefix, e.g. HD-0001 (2-8 capital letters, "
                         "a dash, 1-16 letters or digits); unique")),
           computed(text("site", "site prefix of the pseudonym (computed)")),
           key(choice("sex", {"female", "male", "other"}, "sex", true)),
           integer("birth_year", 1900, 2100, "year of birth (or give birth_date)"),
           date("birth_date", "date of birth, if recorded (its year must equal birth_year)"),
           key(choice("primary_site", primary_sites(),
                      "primary tumour site (categories of the revised Tokuhashi table)", true)),
           text("histology", "histology of the primary tumour", true),
           date("spinal_met_dx_date", "date of diagnosis of the spinal metastasis", true),
           integer("kps", 0, 100, "Karnofsky performance status, %, multiple of 10", true),
           integer("ecog", 0, 5, "ECOG performance status 0-5", true),
           choice("sins_location", sins_choices("location"),
                  "SINS location: junctional, mobile, semirigid, rigid"),
           choice("sins_pain", sins_choices("pain"), "SINS pain: mechanical, occasional, none"),
           choice("sins_lesion", sins_choices("lesion"), "SINS bone lesion: lytic, mixed, blastic"),
           choice("sins_alignment", sins_choices("alignment"),
                  "SINS radiographic alignment: subluxation, deformity, normal"),
           choice("sins_collapse", sins_choices("collapse"),
                  "SINS vertebral body collapse: gt50, lt50, none_gt50_involved, none"),
           choice("sins_posterolateral", sins_choices("posterolateral"),
                  "SINS posterolateral involvement: bilateral, unilateral, none"),
           computed(integer("sins_score", 0, 18,
                            "SINS 0-18 (computed when all six components are given)")),
           integer("tok_extraspinal_bone_mets", 0, 999,
                   "revised Tokuhashi: number of extraspinal bone metastasis foci"),
           integer("tok_vertebral_mets", 1, 24,
                   "revised Tokuhashi: number of metastases in the vertebral bodies"),
           choice("tok_visceral_mets", {"none", "removable", "unremovable"},
                  "revised Tokuhashi: metastases to the major internal organs"),
           choice("tok_palsy_frankel", kFrankel, "revised Tokuhashi: palsy as Frankel grade A-E"),
           computed(integer("tokuhashi_score", 0, 15,
                            "revised Tokuhashi score 0-15 (computed when kps, primary_site and "
                            "the four tok_ inputs are given)")),
           text("other_mets", "other metastases (free text, e.g. liver; lung)"),
           text("primary_icd10",
                "primary tumour as an ICD-10 code C00-C97 (e.g. C50.9); when given, "
                "primary_site is derived from it (or must agree with it) and the report groups "
                "by it"),
       }});
  t.push_back({.name = "procedures",
               .form = "procedure",
               .singular = "procedure",
               .description = "one row per Kypho-IORT operation",
               .columns = {
                   id_col(),
                   ref("patient_id", "patients", "patient (patients.id)"),
                   not_null(date("procedure_date", "date of the operation")),
                   text("surgeon", "operating surgeon", true),
                   text("physicist", "responsible medical physicist", true),
                   text("intraop_events", "intra-operative events (free text)"),
                   assessed("complications_assessed",
                            "peri-operative complications looked for (yes: every complication of "
                            "this procedure is in complications, none = assessed and none found; "
                            "empty: not recorded)"),
               }});
  t.push_back({.name = "levels",
               .form = "level",
               .singular = "level",
               .description = "one row per vertebral level treated in a procedure",
               .columns = {
                   id_col(),
                   ref("procedure_id", "procedures", "procedure (procedures.id)"),
                   not_null(choice("level", treatable_levels(), "vertebral level C7 to L5")),
                   choice("access", {"unilateral", "bilateral"}, "transpedicular access", true),
                   integer("kv", 30, 50, "X-ray source voltage, kV (30, 40 or 50)", true),
                   text("applicator", "applicator type or ID", true),
                   key(real("dose_gy", 0, 100, 5, 20, "prescribed dose, Gy", true)),
                   real("ref_depth_mm", 0, 50, 2, 15,
                        "prescription reference depth, mm from the applicator surface", true),
                   {.name = "dwell_json",
                    .type = ColumnType::kJson,
                    .description = "dwell positions and times: JSON array of {\"position_mm\": x, "
                                   "\"time_s\": t} with time_s > 0"},
                   text("plan_id", "treatment plan ID", true),
                   text("plan_checksum", "checksum of the approved plan (hex)"),
                   real("balloon_volume_ml", 0, 30, 0, 8, "balloon inflation volume, ml"),
                   real("cement_volume_ml", 0, 30, 0, 10, "cement volume, ml", true),
                   text("cement_type", "bone cement product"),
               }});
  t.push_back(
      {.name = "visit_schedule",
       .form = "visit_schedule",
       .singular = "schedule",
       .description = "follow-up events: target day after the procedure and the window around it",
       .columns =
           {
               id_col(),
               not_null(text("event", "event name (lower-case letters, digits, _)")),
               text("label", "human label"),
               not_null(integer("day", 0, 3650, "target day after the procedure date")),
               not_null(integer("window_before", 0, 365, "days allowed before the target")),
               not_null(integer("window_after", 0, 365, "days allowed after the target")),
               integer("repeat_days", 1, 3650,
                       "if given, the event recurs every repeat_days after day while the patient "
                       "lives; its visits are named <event>_1, <event>_2, ..."),
           },
       .config = true});
  t.push_back(
      {.name = "visits",
       .form = "visit",
       .singular = "visit",
       .description = "one row per follow-up visit",
       .columns = {
           id_col(),
           ref("procedure_id", "procedures", "procedure the visit follows (procedures.id)"),
           not_null(text("event", "visit_schedule.event, or 'unscheduled'")),
           not_null(date("visit_date", "date of the visit")),
           integer("pain_worst", 0, 10, "worst pain at the treated site, NRS/VAS 0-10", true),
           items("qlq_c30", {.count = 30, .min = 1, .max = 4, .wide_from = 29, .wide_max = 7},
                 "EORTC QLQ-C30 answers, 30 items (1-28: 1-4; 29-30: 1-7)"),
           items("qlq_bm22", {.count = 22, .min = 1, .max = 4},
                 "EORTC QLQ-BM22 answers, 22 items (1-4)"),
           items("odi", {.count = 10, .min = 0, .max = 5},
                 "Oswestry Disability Index answers, 10 sections (0-5)"),
           choice("frankel", kFrankel, "Frankel grade A-E"),
           choice("asia", kFrankel, "ASIA impairment scale A-E"),
           choice("local_control", {"controlled", "progression", "not_assessed"},
                  "imaging: local control at the treated level(s)"),
           choice("new_fracture", {"none", "adjacent", "other_level", "treated_level"},
                  "imaging: new vertebral fracture"),
           text("imaging_notes", "imaging findings (free text)"),
           assessed("analgesics_assessed",
                    "analgesic use asked at this visit (yes: the analgesics rows are the whole "
                    "list, none = no analgesic, OMED 0; empty: not recorded, OMED unknown)"),
           assessed("complications_assessed",
                    "complications looked for at this visit (yes: none in complications = none "
                    "found; empty: not recorded)"),
           choice("pain_instrument", {"nrs", "vas_mm", "bpi_worst"},
                  "instrument of pain_score: nrs (numeric rating 0-10), vas_mm (visual analogue "
                  "scale 0-100 mm), bpi_worst (Brief Pain Inventory item 3, worst pain 0-10)"),
           real("pain_score", 0, 100, std::nullopt, std::nullopt,
                "worst pain at the treated site on pain_instrument's scale, decimals allowed "
                "(0-10 for nrs and bpi_worst, 0-100 for vas_mm); used instead of pain_worst "
                "when given"),
           choice("visit_status", {"done", "missed", "not_done"},
                  "done (or empty): the visit took place; missed: the patient did not come or "
                  "could not be reached; not_done: the visit was not held (too ill, moved away); "
                  "a missed or not-done visit takes it off the due list and has no findings"),
           text("status_reason", "why the visit was missed or not done (required then)"),
       }});
  t.push_back(
      {.name = "opioid_conversion",
       .form = "opioid_conversion",
       .singular = "conversion",
       .description = "oral morphine equivalent factors, with their published source",
       .columns =
           {
               id_col(),
               not_null(text("drug", "drug (lower case)")),
               not_null(choice("route", {"oral", "iv", "sc", "transdermal", "rectal"}, "route")),
               not_null(choice("dose_unit", {"mg/day", "mcg/h"}, "unit of the daily dose")),
               not_null(real("factor", 0, 1000, std::nullopt, std::nullopt,
                             "oral morphine mg/day per unit of dose (0: not an opioid)")),
               not_null(text("source", "published source of the factor")),
           },
       .config = true});
  t.push_back(
      {.name = "analgesics",
       .form = "analgesic",
       .singular = "analgesic",
       .description = "analgesics taken at a visit",
       .columns = {
           id_col(),
           ref("visit_id", "visits", "visit (visits.id)"),
           not_null(text("drug", "drug, as in opioid_conversion.drug")),
           not_null(choice("route", {"oral", "iv", "sc", "transdermal", "rectal"}, "route")),
           not_null(real("daily_dose", 0, 100000, std::nullopt, std::nullopt,
                         "daily dose in the unit of the conversion table (mg/day; mcg/h for "
                         "transdermal fentanyl)")),
           computed(text("dose_unit", "unit of daily_dose (from the conversion table)")),
           computed(real("ome_factor", 0, 1000, std::nullopt, std::nullopt,
                         "conversion factor used (recorded at entry)")),
           computed(
               real("ome_mg_day", 0, 1e8, std::nullopt, 1000, "oral morphine equivalent, mg/day")),
       }});
  t.push_back(
      {.name = "complications",
       .form = "complication",
       .singular = "complication",
       .description = "complications and adverse events",
       .columns = {
           id_col(),
           ref("procedure_id", "procedures", "procedure (procedures.id)"),
           choice("level", treatable_levels(), "vertebral level concerned, if any"),
           not_null(choice(
               "type",
               {"cement_leak", "neuro_deficit", "embolism", "infection", "radiation", "other"},
               "cement_leak, neuro_deficit (new neurological deficit), embolism, "
               "infection, radiation (radiation-related), other")),
           choice("leak_location",
                  {"epidural", "foraminal", "intradiscal", "paravertebral", "venous", "unknown"},
                  "cement leak location (for cement_leak only; unknown or empty when the study "
                  "did not record it)"),
           integer("ctcae_grade", 1, 5, "CTCAE grade 1-5 (empty: not recorded)", true),
           choice("severity", {"minor", "major", "unknown"}, "minor or major", true),
           date("onset_date", "date of onset (empty: not recorded)", true),
           text("description", "description (free text)"),
       }});
  t.push_back({.name = "vital_status",
               .form = "vital_status",
               .singular = "vital-status",
               .description = "one row per patient: last contact, death",
               .columns = {
                   id_col(),
                   ref("patient_id", "patients", "patient (patients.id); unique"),
                   key(date("last_contact_date", "date last known alive or last contact", true)),
                   date("death_date", "date of death"),
                   text("death_cause", "cause of death"),
               }});
  return t;
}

// The first released schema: the clinical tables and the audit trail.
constexpr const char* kSchemaV1 = R"SQL(
CREATE TABLE patients (
  id {PK}, pseudonym {TEXT} NOT NULL UNIQUE, site {TEXT}, sex {TEXT}, birth_year {INT},
  birth_date {TEXT}, primary_site {TEXT}, histology {TEXT}, spinal_met_dx_date {TEXT}, kps {INT},
  ecog {INT}, sins_location {TEXT}, sins_pain {TEXT}, sins_lesion {TEXT}, sins_alignment {TEXT},
  sins_collapse {TEXT}, sins_posterolateral {TEXT}, sins_score {INT},
  tok_extraspinal_bone_mets {INT}, tok_vertebral_mets {INT}, tok_visceral_mets {TEXT},
  tok_palsy_frankel {TEXT}, tokuhashi_score {INT}, other_mets {TEXT});
CREATE TABLE procedures (
  id {PK}, patient_id {INT} NOT NULL REFERENCES patients(id), procedure_date {TEXT} NOT NULL,
  surgeon {TEXT}, physicist {TEXT}, intraop_events {TEXT});
CREATE INDEX procedures_patient ON procedures(patient_id);
CREATE TABLE levels (
  id {PK}, procedure_id {INT} NOT NULL REFERENCES procedures(id), level {TEXT} NOT NULL,
  access {TEXT}, kv {INT}, applicator {TEXT}, dose_gy {REAL}, ref_depth_mm {REAL},
  dwell_json {TEXT}, plan_id {TEXT}, plan_checksum {TEXT}, balloon_volume_ml {REAL},
  cement_volume_ml {REAL}, cement_type {TEXT}, UNIQUE (procedure_id, level));
CREATE TABLE visits (
  id {PK}, procedure_id {INT} NOT NULL REFERENCES procedures(id), event {TEXT} NOT NULL,
  visit_date {TEXT} NOT NULL, pain_worst {INT}, qlq_c30 {TEXT}, qlq_bm22 {TEXT}, odi {TEXT},
  frankel {TEXT}, asia {TEXT}, local_control {TEXT}, new_fracture {TEXT}, imaging_notes {TEXT});
CREATE INDEX visits_procedure ON visits(procedure_id);
CREATE TABLE complications (
  id {PK}, procedure_id {INT} NOT NULL REFERENCES procedures(id), level {TEXT}, type {TEXT} NOT NULL,
  leak_location {TEXT}, ctcae_grade {INT}, severity {TEXT}, onset_date {TEXT}, description {TEXT});
CREATE TABLE vital_status (
  id {PK}, patient_id {INT} NOT NULL UNIQUE REFERENCES patients(id), last_contact_date {TEXT},
  death_date {TEXT}, death_cause {TEXT});
CREATE TABLE audit (
  id {PK}, user_name {TEXT} NOT NULL, changed_at {TEXT} NOT NULL, table_name {TEXT} NOT NULL,
  row_id {INT} NOT NULL, action {TEXT} NOT NULL, field {TEXT} NOT NULL, old_value {TEXT},
  new_value {TEXT});
CREATE INDEX audit_row ON audit(table_name, row_id);
)SQL";

// Version 2: configurable visit windows and analgesics with oral morphine equivalents.
// Factors (oral morphine mg/day per mg/day of the drug, or per mcg/h for transdermal fentanyl):
// CDC Clinical Practice Guideline for Prescribing Opioids for Pain, 2022 (Dowell D et al.,
// MMWR Recomm Rep 2022;71(3):1-95, Table: MME conversion factors). Parenteral morphine: oral to
// parenteral relative potency 1:3 (Caraceni A et al., EAPC recommendations, Lancet Oncol
// 2012;13(2):e58-e68). Non-opioid analgesics carry factor 0.
constexpr const char* kSchemaV2 = R"SQL(
CREATE TABLE visit_schedule (
  id {PK}, event {TEXT} NOT NULL UNIQUE, label {TEXT}, day {INT} NOT NULL,
  window_before {INT} NOT NULL, window_after {INT} NOT NULL);
INSERT INTO visit_schedule (id, event, label, day, window_before, window_after) VALUES
  (1, 'postop', 'post-operative', 1, 1, 6),
  (2, 'w2', '2 weeks', 14, 4, 7),
  (3, 'm1', '1 month', 30, 7, 10),
  (4, 'm2', '2 months', 60, 14, 14),
  (5, 'm6', '6 months', 182, 30, 30);
CREATE TABLE opioid_conversion (
  id {PK}, drug {TEXT} NOT NULL, route {TEXT} NOT NULL, dose_unit {TEXT} NOT NULL,
  factor {REAL} NOT NULL, source {TEXT} NOT NULL, UNIQUE (drug, route));
INSERT INTO opioid_conversion (id, drug, route, dose_unit, factor, source) VALUES
  (1, 'morphine', 'oral', 'mg/day', 1, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (2, 'morphine', 'iv', 'mg/day', 3, 'Caraceni et al. Lancet Oncol 2012;13:e58 (oral:parenteral 3:1)'),
  (3, 'morphine', 'sc', 'mg/day', 3, 'Caraceni et al. Lancet Oncol 2012;13:e58 (oral:parenteral 3:1)'),
  (4, 'oxycodone', 'oral', 'mg/day', 1.5, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (5, 'hydromorphone', 'oral', 'mg/day', 5, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (6, 'hydrocodone', 'oral', 'mg/day', 1, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (7, 'codeine', 'oral', 'mg/day', 0.15, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (8, 'tramadol', 'oral', 'mg/day', 0.2, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (9, 'tapentadol', 'oral', 'mg/day', 0.4, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (10, 'methadone', 'oral', 'mg/day', 4.7, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (11, 'oxymorphone', 'oral', 'mg/day', 3, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (12, 'fentanyl', 'transdermal', 'mcg/h', 2.4, 'CDC 2022 (Dowell et al. MMWR Recomm Rep 71(3))'),
  (13, 'paracetamol', 'oral', 'mg/day', 0, 'not an opioid'),
  (14, 'metamizole', 'oral', 'mg/day', 0, 'not an opioid'),
  (15, 'ibuprofen', 'oral', 'mg/day', 0, 'not an opioid'),
  (16, 'diclofenac', 'oral', 'mg/day', 0, 'not an opioid');
CREATE TABLE analgesics (
  id {PK}, visit_id {INT} NOT NULL REFERENCES visits(id), drug {TEXT} NOT NULL,
  route {TEXT} NOT NULL, daily_dose {REAL} NOT NULL, dose_unit {TEXT}, ome_factor {REAL},
  ome_mg_day {REAL});
CREATE INDEX analgesics_visit ON analgesics(visit_id);
)SQL";

// Version 3: follow-up beyond 6 months while the patient lives: a recurring schedule event.
constexpr const char* kSchemaV3 = R"SQL(
ALTER TABLE visit_schedule ADD COLUMN repeat_days {INT};
INSERT INTO visit_schedule (id, event, label, day, window_before, window_after, repeat_days) VALUES
  (6, 'late', 'every 6 months after the 6-month visit', 364, 30, 30, 182);
)SQL";

// Version 4: the audit trail is append-only: the engine itself refuses to change or delete an
// audit row ({AUDIT_APPEND_ONLY} expands to each engine's trigger syntax).
constexpr const char* kSchemaV4 = "{AUDIT_APPEND_ONLY}";

// Version 5: missing is not none. "Assessed" flags separate "looked for, nothing found" from "not
// recorded" (analgesics per visit, complications per procedure and visit); pain on its own
// instrument's scale with decimals (NRS, VAS mm, BPI worst pain); and the default
// schedule gains the pre-operative baseline (day 0, up to 14 days before surgery) unless the
// registry already has a 'preop' event.
constexpr const char* kSchemaV5 = R"SQL(
ALTER TABLE patients ADD COLUMN primary_icd10 {TEXT};
ALTER TABLE procedures ADD COLUMN complications_assessed {TEXT};
ALTER TABLE visits ADD COLUMN analgesics_assessed {TEXT};
ALTER TABLE visits ADD COLUMN complications_assessed {TEXT};
ALTER TABLE visits ADD COLUMN pain_instrument {TEXT};
ALTER TABLE visits ADD COLUMN pain_score {REAL};
INSERT INTO visit_schedule (id, event, label, day, window_before, window_after)
  SELECT COALESCE((SELECT MAX(id) FROM visit_schedule), 0) + 1, 'preop', 'pre-operative baseline', 0, 14, 0
  WHERE NOT EXISTS (SELECT 1 FROM visit_schedule WHERE event = 'preop');
)SQL";

// Version 6: a scheduled visit can be recorded as missed or not done, with its reason.
constexpr const char* kSchemaV6 = R"SQL(
ALTER TABLE visits ADD COLUMN visit_status {TEXT};
ALTER TABLE visits ADD COLUMN status_reason {TEXT};
)SQL";

}  // namespace

const ColumnSpec* TableSpec::column(std::string_view n) const {
  for (const ColumnSpec& c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

std::vector<std::string> TableSpec::column_names() const {
  std::vector<std::string> out;
  for (const ColumnSpec& c : columns) out.push_back(c.name);
  return out;
}

const std::vector<TableSpec>& registry_tables() {
  static const std::vector<TableSpec> t = build_tables();
  return t;
}

const TableSpec* find_table(std::string_view n) {
  for (const TableSpec& t : registry_tables())
    if (t.name == n || t.singular == n) return &t;
  return nullptr;
}

const TableSpec& table_spec(std::string_view n) {
  if (const TableSpec* t = find_table(n)) return *t;
  std::string names;
  for (const TableSpec& t : registry_tables()) names += (names.empty() ? "" : ", ") + t.name;
  throw Error::bad_input("unknown registry table").seen(std::string(n)).expected("one of " + names);
}

const std::vector<std::string>& audit_columns() {
  static const std::vector<std::string> c = {"id",         "user_name", "changed_at",
                                             "table_name", "row_id",    "action",
                                             "field",      "old_value", "new_value"};
  return c;
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> m = {
      {1, "clinical tables and audit trail", kSchemaV1},
      {2, "visit schedule, analgesics and oral morphine equivalents", kSchemaV2},
      {3, "recurring follow-up beyond 6 months", kSchemaV3},
      {4, "append-only audit trail", kSchemaV4},
      {5, "assessed flags (missing is not none) and the pre-operative baseline event", kSchemaV5},
      {6, "missed or not-done visits with their reason", kSchemaV6},
  };
  return m;
}

int current_schema_version() {
  return migrations().back().version;
}

std::string schema_markdown() {
  auto type_name = [](const ColumnSpec& c) -> std::string {
    switch (c.type) {
      case ColumnType::kId:
        return "id";
      case ColumnType::kRef:
        return "ref " + c.references;
      case ColumnType::kInt:
        return "integer";
      case ColumnType::kReal:
        return "number";
      case ColumnType::kText:
        return "text";
      case ColumnType::kDate:
        return "date";
      case ColumnType::kChoice:
        return "choice";
      case ColumnType::kItems:
        return std::to_string(c.items.count) + " items";
      case ColumnType::kJson:
        return "JSON";
    }
    return "text";
  };
  std::string out;
  for (const TableSpec& t : registry_tables()) {
    out += "### " + t.name + ".csv (" + t.description + ")\n\n";
    out += "| column | type | rules | meaning |\n| --- | --- | --- | --- |\n";
    for (const ColumnSpec& c : t.columns) {
      std::string rules;
      auto add = [&](const std::string& r) { rules += (rules.empty() ? "" : "; ") + r; };
      if (c.not_null) add("not empty");
      if (c.required) add(c.key ? "required (check: warning)" : "required (check: completeness)");
      if (c.computed) add("computed by kiort");
      if (c.min || c.max)
        add((c.min ? format_real(*c.min) : std::string("")) + " to " +
            (c.max ? format_real(*c.max) : std::string("")));
      if (c.soft_min || c.soft_max)
        add("usual " + (c.soft_min ? format_real(*c.soft_min) : std::string("")) + " to " +
            (c.soft_max ? format_real(*c.soft_max) : std::string("")));
      if (c.type == ColumnType::kChoice) {
        std::string ch;
        for (const std::string& x : c.choices) ch += (ch.empty() ? "" : ", ") + x;
        add("one of " + ch);
      }
      out += "| " + c.name + " | " + type_name(c) + " | " + rules + " | " + c.description + " |\n";
    }
    out += "\n";
  }
  return out;
}

std::string format_real(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string range_text(const ColumnSpec& c) {
  std::string r;
  if (c.min && c.max) return format_real(*c.min) + " to " + format_real(*c.max);
  if (c.min) return ">= " + format_real(*c.min);
  if (c.max) return "<= " + format_real(*c.max);
  return r;
}

}  // namespace

std::optional<std::string> canonical_value(const TableSpec& table, const ColumnSpec& col,
                                           std::string_view raw) {
  const std::string_view text = trim(raw);
  const std::string where = table.name + "." + col.name;
  if (text.empty()) {
    if (col.not_null)
      throw Error::bad_input("missing value")
          .field(where)
          .expected("a value (this field is required)");
    return std::nullopt;
  }
  const std::string seen(text);
  auto bad = [&](const std::string& what, const std::string& expected) {
    return Error::bad_input(what).field(where).seen(seen).expected(expected);
  };
  switch (col.type) {
    case ColumnType::kId:
    case ColumnType::kRef:
    case ColumnType::kInt: {
      long long v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        throw bad("not an integer", col.type == ColumnType::kInt ? "an integer " + range_text(col)
                                                                 : "a row id (positive integer)");
      if (col.type != ColumnType::kInt && v <= 0) throw bad("not a row id", "a positive integer");
      const double d = static_cast<double>(v);
      if ((col.min && d < *col.min) || (col.max && d > *col.max))
        throw bad("value out of range", range_text(col));
      if (col.name == "kps" && v % 10 != 0)
        throw bad("KPS not a multiple of 10", "0, 10, ..., 100");
      if (col.name == "kv" && v != 30 && v != 40 && v != 50)
        throw bad("unsupported kV", "30, 40 or 50");
      return std::to_string(v);
    }
    case ColumnType::kReal: {
      double v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v))
        throw bad("not a number", "a number " + range_text(col));
      if ((col.min && v < *col.min) || (col.max && v > *col.max))
        throw bad("value out of range", range_text(col));
      return format_real(v);
    }
    case ColumnType::kDate:
      if (!parse_date(text)) throw bad("not a calendar date", "a date YYYY-MM-DD");
      return seen;
    case ColumnType::kChoice: {
      for (const std::string& c : col.choices)
        if (c == text) return seen;
      std::string allowed;
      for (const std::string& c : col.choices) allowed += (allowed.empty() ? "" : ", ") + c;
      throw bad("not an allowed value", "one of " + allowed);
    }
    case ColumnType::kItems: {
      const ItemSpec& s = col.items;
      std::string out;
      int n = 0;
      std::size_t pos = 0;
      while (true) {
        const std::size_t comma = text.find(',', pos);
        const std::string_view item = trim(text.substr(
            pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        ++n;
        if (!item.empty()) {
          int v = 0;
          const auto r = std::from_chars(item.data(), item.data() + item.size(), v);
          const int hi = (s.wide_from > 0 && n >= s.wide_from) ? s.wide_max : s.max;
          if (r.ec != std::errc() || r.ptr != item.data() + item.size() || v < s.min || v > hi)
            throw bad("item " + std::to_string(n) + " out of range",
                      std::to_string(s.min) + " to " + std::to_string(hi) + " (or empty)");
          out += std::to_string(v);
        }
        if (comma == std::string_view::npos) break;
        out += ',';
        pos = comma + 1;
      }
      if (n != s.count)
        throw bad("wrong number of items (" + std::to_string(n) + ")",
                  std::to_string(s.count) + " comma-separated answers");
      return out;
    }
    case ColumnType::kJson: {
      const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_array())
        throw bad("not a JSON array", "[{\"position_mm\": x, \"time_s\": t}, ...]");
      for (const auto& e : j) {
        if (!e.is_object() || !e.contains("position_mm") || !e.contains("time_s") ||
            !e["position_mm"].is_number() || !e["time_s"].is_number() ||
            e["time_s"].get<double>() <= 0)
          throw bad("bad dwell entry", "objects {\"position_mm\": number, \"time_s\": number > 0}");
      }
      return j.dump();
    }
    case ColumnType::kText:
      if (col.name == "pseudonym") {
        static const std::regex re("^[A-Z]{2,8}-[A-Za-z0-9]{1,16}$");
        if (!std::regex_match(seen, re))
          throw bad("not a pseudonym with a site prefix", "e.g. HD-0001 (2-8 capitals, dash, ID)");
      } else if (col.name == "event") {
        static const std::regex re("^[a-z0-9_]{1,32}$");
        if (!std::regex_match(seen, re))
          throw bad("not an event name", "lower-case letters, digits and _");
      } else if (col.name == "primary_icd10") {
        if (!primary_site_of_icd10(seen))
          throw bad("not an ICD-10 malignant-neoplasm code", "C00 to C97, e.g. C50 or C50.9");
      } else if (col.name == "plan_checksum") {
        static const std::regex re("^[0-9a-fA-F]{8,128}$");
        if (!std::regex_match(seen, re)) throw bad("not a hex checksum", "8-128 hex digits");
      }
      return seen;
  }
  return seen;
}

}  // namespace kiort
