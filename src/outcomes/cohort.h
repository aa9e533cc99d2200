// The numbers of a case series' Results section: who was treated (sex, age, primaries), what
// (levels, dose, irradiation time), how pain, analgesics and quality of life changed against the
// pre-operative baseline, complications, deaths and overall survival. Pure computation on plain
// rows: the report module fetches them from the registry and renders the summary; nothing here
// reads storage or formats a page. Definitions: docs/outcomes.md, "Cohort report".
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outcomes/pain_response.h"
#include "outcomes/survival.h"

namespace kiort {

// ---- Input: one struct per registry table, dates as days since 1970-01-01 ----------------------
struct CohortPatient {
  std::int64_t id = 0;
  std::string pseudonym, sex, primary_site;
  std::optional<int> birth_year;
};
struct CohortProcedure {
  std::int64_t id = 0, patient_id = 0;
  std::int64_t date = 0;
};
struct CohortLevel {
  std::int64_t id = 0, procedure_id = 0;
  std::string level;  // "T12"
  std::optional<double> dose_gy, ref_depth_mm;
  std::optional<double> time_s;  // total irradiation time (sum of the dwell times)
};
struct CohortVisit {
  std::int64_t id = 0, procedure_id = 0;
  std::string event;
  std::int64_t date = 0;
  std::optional<double> pain_worst;  // 0..10
  // Oral morphine equivalent, mg/day: the sum over the visit's analgesics (0 when none were
  // recorded); empty when an analgesic has no known conversion factor.
  std::optional<double> omed_mg_day;
  std::string qlq_c30, qlq_bm22, odi;  // the registry's comma-separated answers; "" = not done
};
struct CohortComplication {
  std::int64_t procedure_id = 0;
  std::string type, severity;
  std::optional<int> ctcae_grade;
};
struct CohortVitalStatus {
  std::int64_t patient_id = 0;
  std::optional<std::int64_t> last_contact, death;
  std::string death_cause;
};

struct CohortData {
  std::vector<CohortPatient> patients;
  std::vector<CohortProcedure> procedures;
  std::vector<CohortLevel> levels;
  std::vector<CohortVisit> visits;
  std::vector<CohortComplication> complications;
  std::vector<CohortVitalStatus> vital_status;
  std::string baseline_event = "preop";  // the visit every change is measured against
  // Follow-up events in schedule order (postop, w2, ...); events not listed follow them, recurring
  // ones (late_1, late_2, ...) by their number.
  std::vector<std::string> event_order;
};

// ---- Output -------------------------------------------------------------------------------------
struct Describe {  // a continuous variable
  std::size_t n = 0;
  double mean = 0, sd = 0, median = 0, min = 0, max = 0;  // NaN when n == 0 (sd when n < 2)
};
Describe describe(std::vector<double> values);

struct PainAtVisit {
  std::string event;
  std::size_t n_assessed = 0;  // visits with worst pain recorded
  Describe pain;               // worst pain at this visit
  std::size_t n_paired = 0;    // ... of which the procedure has a baseline worst pain
  Describe change;             // follow-up minus baseline, paired
  std::size_t n_relief = 0;    // any decrease vs baseline (of n_paired)
  std::size_t n_relief_3 = 0;  // decrease >= 3 points (of n_paired)
  // Chow 2012 consensus: evaluable = paired with baseline pain >= 2 and OMED known at both.
  std::size_t n_evaluable = 0;
  std::map<PainResponse, std::size_t> response;  // complete, partial, indeterminate, progression
  std::size_t n_responders = 0;                  // complete + partial
  Describe omed;                                 // OMED at this visit, mg/day
};

struct QolScaleChange {
  std::string instrument;  // "QLQ-C30", "QLQ-BM22", "ODI"
  std::string code, name;
  std::string direction;  // "higher = better" or "higher = worse"
  Describe baseline;
  struct AtVisit {
    std::string event;
    std::size_t n_paired = 0;
    double baseline_mean = 0, follow_up_mean = 0;  // among the pairs
    Describe change;                               // follow-up minus baseline
  };
  std::vector<AtVisit> visits;
};

struct LevelRow {  // one treated level
  std::string pseudonym, level;
  std::int64_t procedure_id = 0;
  std::optional<double> dose_gy, ref_depth_mm, time_s;
};

struct ComplicationCount {
  std::string type, severity;
  std::optional<int> ctcae_grade;
  std::size_t n = 0;
};

struct SurvivalSubject {  // one patient's overall survival record
  std::string pseudonym;
  std::int64_t start = 0, end = 0;  // first procedure; death or last contact
  bool died = false;
  double days() const { return static_cast<double>(end - start); }
};

struct CohortSummary {
  std::size_t n_patients = 0, n_procedures = 0, n_levels = 0;
  std::vector<std::pair<std::string, std::size_t>> sex;        // by count, then name
  std::vector<std::pair<std::string, std::size_t>> primaries;  // by count, then name
  Describe age_years;  // at the first procedure: its year minus the birth year
  std::optional<std::int64_t> first_procedure, last_procedure;

  std::vector<std::pair<std::string, std::size_t>> levels;   // cranial to caudal
  std::vector<std::pair<std::string, std::size_t>> regions;  // cervical, thoracic, lumbar
  std::vector<std::pair<std::size_t, std::size_t>> levels_per_procedure;  // (k levels, n procs)
  std::vector<LevelRow> level_rows;
  std::vector<std::pair<std::string, std::size_t>> prescriptions;  // "8 Gy at 10 mm" -> levels
  Describe dose_gy, time_min, depth_mm;

  std::size_t n_with_baseline = 0;  // procedures with a baseline worst pain
  Describe baseline_pain, baseline_omed;
  std::vector<PainAtVisit> pain;  // one per follow-up event with any worst pain, in order
  std::vector<QolScaleChange> qol;

  std::vector<ComplicationCount> complications;
  std::size_t n_procedures_with_complication = 0;

  std::size_t n_deaths = 0, n_deaths_30d = 0;
  std::vector<std::pair<std::string, std::size_t>> death_causes;
  std::vector<SurvivalSubject> survival;      // per patient, in patient order
  KmCurve os;                                 // times in days from the first procedure
  std::optional<double> os_at_6m, os_at_12m;  // S(182.625 d), S(365.25 d) where observed
  double mean_follow_up_alive_days = 0;       // NaN with nobody alive
  std::size_t n_alive = 0;
  std::optional<double> median_follow_up_reverse_km_days;
};

// Computes the summary. Throws kiort::Error (bad input) when there is no procedure, or when a
// row points at a patient or procedure that does not exist.
CohortSummary summarize_cohort(const CohortData& data);

// Patients still at risk (alive and followed) at each time t in days: what the "numbers at risk"
// row under a KM plot shows (time >= t).
std::vector<int> numbers_at_risk(const std::vector<SurvivalSubject>& subjects,
                                 const std::vector<double>& times_days);

constexpr double kDaysPerMonth = 365.25 / 12;

}  // namespace kiort
