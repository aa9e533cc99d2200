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
  std::string primary_group;  // breast, prostate, lung, kidney, thyroid, gastrointestinal, ...
  std::optional<int> birth_year;
  std::optional<std::int64_t> birth_date;  // when recorded, age is exact (completed years)
};
struct CohortProcedure {
  std::int64_t id = 0, patient_id = 0;
  std::int64_t date = 0;
  // Peri-operative complications looked for: true = every complication is listed (none listed =
  // none found); false = not looked for; empty = not recorded.
  std::optional<bool> complications_assessed;
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
  // Oral morphine equivalent, mg/day: the sum over the visit's analgesics; 0 only when the visit
  // says analgesics were asked and none is taken; empty when analgesics were not recorded or an
  // analgesic has no known conversion factor.
  std::optional<double> omed_mg_day;
  std::string qlq_c30, qlq_bm22, odi;  // the registry's comma-separated answers; "" = not done
  std::string frankel, asia;           // A-E; "" = not recorded
  std::string local_control;           // controlled | progression | not_assessed | ""
  std::string new_fracture;            // none | adjacent | other_level | treated_level | ""
  std::optional<bool> complications_assessed;  // as CohortProcedure's, for this visit
  // Instrument of the worst pain (nrs, vas_mm, bpi_worst); pain_worst is on the 0-10 scale
  // (a VAS in mm divided by 10), as the consensus compares it.
  std::string pain_instrument;
};
struct CohortComplication {
  std::int64_t procedure_id = 0;
  std::string type, severity;  // severity "" = not recorded
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
  // Today (days since 1970-01-01), when known: a visit dated after it (a typing error) is left out
  // of pain and follow-up rather than stretching follow-up into the future.
  std::optional<std::int64_t> as_of;
};

// ---- Output -------------------------------------------------------------------------------------
struct Describe {  // a continuous variable
  std::size_t n = 0;
  double mean = 0, sd = 0, median = 0, min = 0, max = 0;  // NaN when n == 0 (sd when n < 2)
};
Describe describe(std::vector<double> values);

// Pain counts patients, not visits: per follow-up event, one visit per patient (the earliest
// with a worst pain, of the patient's earliest procedure that has one); n_visits says how many
// visits of the event there were.
struct PainAtVisit {
  std::string event;
  std::size_t n_visits = 0;    // visits of this event with worst pain recorded, all of them
  std::size_t n_assessed = 0;  // patients with worst pain recorded at this event
  Describe pain;               // worst pain at this visit
  std::size_t n_paired = 0;    // ... of which the procedure has a baseline worst pain
  Describe change;             // follow-up minus baseline, paired
  std::size_t n_relief = 0;    // any decrease vs baseline (of n_paired)
  std::size_t n_relief_3 = 0;  // decrease >= 3 points (of n_paired)
  // Chow 2012 consensus: evaluable = paired with baseline pain >= 2 and OMED known at both.
  std::size_t n_evaluable = 0;
  // Paired but not evaluable: baseline worst pain below 2, or OMED not known at baseline or at
  // this visit (analgesics not recorded). Never counted as responders or non-responders.
  std::size_t n_not_evaluable = 0, n_not_evaluable_pain_below_2 = 0, n_not_evaluable_no_omed = 0;
  std::map<PainResponse, std::size_t> response;  // complete, partial, indeterminate, progression
  std::size_t n_responders = 0;                  // complete + partial
  Describe omed;                                 // OMED at this visit, mg/day (n = known)
  std::size_t n_omed_unknown = 0;                // visits of this event without a known OMED
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

// One complication type over the procedures: "no embolism in 9 of 9 assessed". A procedure is
// assessed for a type when it (or one of its visits) is marked complications_assessed = yes, or
// when it has a complication of that type recorded.
struct ComplicationFinding {
  std::string type;
  std::size_t n_procedures_with = 0;  // procedures with at least one of this type
  std::size_t n_assessed = 0;         // procedures assessed for it
  std::size_t n_not_recorded = 0;     // n_procedures - n_assessed
};

// Neurological status (Frankel or ASIA A-E) at the last follow-up visit that has it, against the
// baseline visit's.
struct NeuroChange {
  std::string scale;                                   // "Frankel" or "ASIA"
  std::size_t n_baseline = 0;                          // procedures with a baseline grade
  std::size_t n_paired = 0;                            // ... and a follow-up grade
  std::size_t improved = 0, unchanged = 0, worse = 0;  // by at least one grade (A worst, E normal)
  std::size_t n_not_recorded = 0;                      // procedures without a pair
};

// A time-to-event endpoint per treated level from the imaging at the visits: local progression,
// or a new vertebral fracture. Event at the first visit that shows it; censored at the last visit
// where it was assessed (death censors: a competing risk shown as such in the report). The
// finding of a visit applies to every level of its procedure.
struct LevelEndpoint {
  std::string name;
  std::size_t n_levels = 0;    // treated levels
  std::size_t n_assessed = 0;  // levels with at least one imaging assessment
  std::size_t n_events = 0;
  std::map<std::string, std::size_t> events_by_kind;  // new fracture: adjacent, other_level, ...
  KmCurve km;  // over the assessed levels, days from the procedure
  std::optional<double> free_at_6m, free_at_12m;
  int n_risk_6m = 0, n_risk_12m = 0;
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
  Describe age_years;  // at the first procedure: exact from birth_date, else year difference
  std::size_t n_age_from_birth_date = 0;
  std::vector<std::pair<std::string, std::size_t>> primary_groups;  // breast, prostate, ... other
  std::optional<std::int64_t> first_procedure, last_procedure;

  std::vector<std::pair<std::string, std::size_t>> levels;   // cranial to caudal
  std::vector<std::pair<std::string, std::size_t>> regions;  // cervical, thoracic, lumbar
  std::vector<std::pair<std::size_t, std::size_t>> levels_per_procedure;  // (k levels, n procs)
  std::vector<LevelRow> level_rows;
  std::vector<std::pair<std::string, std::size_t>> prescriptions;  // "8 Gy at 10 mm" -> levels
  Describe dose_gy, time_min, depth_mm;

  std::size_t n_with_baseline = 0;        // procedures with a baseline worst pain
  Describe baseline_pain, baseline_omed;  // baseline_omed.n: baselines with a known OMED
  std::size_t n_baseline_visits = 0;
  std::map<std::string, std::size_t> pain_instruments;  // visits with a worst pain, by instrument
  std::vector<PainAtVisit> pain;  // one per follow-up event with any worst pain, in order
  std::vector<QolScaleChange> qol;

  std::vector<ComplicationCount> complications;
  std::size_t n_procedures_with_complication = 0;
  std::size_t n_procedures_assessed = 0;  // marked complications_assessed = yes (or via a visit)
  std::vector<ComplicationFinding> complication_findings;  // every type, assessed-none included
  std::vector<NeuroChange> neuro;
  LevelEndpoint local_control, new_fracture;

  std::size_t n_deaths = 0, n_deaths_30d = 0;
  std::vector<std::pair<std::string, std::size_t>> death_causes;
  std::vector<SurvivalSubject> survival;      // per patient, in patient order
  KmCurve os;                                 // times in days from the first procedure
  std::optional<double> os_at_6m, os_at_12m;  // S(182.625 d), S(365.25 d) where observed
  int os_n_risk_6m = 0, os_n_risk_12m = 0;
  int os_median_n_risk = 0;  // at risk at the median (the estimate rests on them)
  RestrictedMean os_rmean;
  double mean_follow_up_days = 0;        // all patients, to death or last contact
  double mean_follow_up_alive_days = 0;  // NaN with nobody alive
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

// An estimate resting on fewer patients at risk than this is flagged in the report.
constexpr int kFewAtRisk = 3;

}  // namespace kiort
