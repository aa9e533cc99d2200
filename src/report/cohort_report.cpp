#include "report/cohort_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "registry/scores.h"
#include "report/evidence_sections.h"
#include "report/markdown.h"

namespace kiort {
namespace {

// The queries the report runs, in the order of the appendix. Plain SQL that SQLite and
// PostgreSQL both accept, so that a reader can paste them into either.
constexpr const char* kPatientsSql =
    "SELECT p.id, p.pseudonym, p.sex, p.birth_year, p.primary_site, p.birth_date,\n"
    "  p.primary_icd10\n"
    "FROM patients p\n"
    "WHERE p.id IN (SELECT pr.patient_id FROM procedures pr)\n"
    "ORDER BY p.id";
constexpr const char* kProceduresSql =
    "SELECT pr.id, pr.patient_id, pr.procedure_date, pr.complications_assessed\n"
    "FROM procedures pr\n"
    "ORDER BY pr.id";
constexpr const char* kLevelsSql =
    "SELECT l.id, l.procedure_id, l.level, l.dose_gy, l.ref_depth_mm, l.dwell_json\n"
    "FROM levels l\n"
    "ORDER BY l.id";
constexpr const char* kVisitsSql =
    "SELECT v.id, v.procedure_id, v.event, v.visit_date, v.pain_worst,\n"
    "  (SELECT COUNT(*) FROM analgesics a WHERE a.visit_id = v.id) AS n_analgesics,\n"
    "  (SELECT COUNT(a.ome_mg_day) FROM analgesics a WHERE a.visit_id = v.id) AS n_with_ome,\n"
    "  (SELECT SUM(a.ome_mg_day) FROM analgesics a WHERE a.visit_id = v.id) AS omed_mg_day,\n"
    "  v.qlq_c30, v.qlq_bm22, v.odi, v.analgesics_assessed, v.frankel, v.asia,\n"
    "  v.local_control, v.new_fracture, v.complications_assessed, v.pain_instrument,\n"
    "  v.pain_score\n"
    "FROM visits v\n"
    "ORDER BY v.id";
constexpr const char* kComplicationsSql =
    "SELECT c.procedure_id, c.type, c.severity, c.ctcae_grade\n"
    "FROM complications c\n"
    "ORDER BY c.id";
constexpr const char* kVitalSql =
    "SELECT vs.patient_id, vs.last_contact_date, vs.death_date, vs.death_cause\n"
    "FROM vital_status vs\n"
    "ORDER BY vs.patient_id";
constexpr const char* kScheduleSql =
    "SELECT s.event, s.label, s.day, s.repeat_days\n"
    "FROM visit_schedule s\n"
    "ORDER BY s.day, s.id";
// Headline counts straight from SQL: the report checks its own numbers against them.
constexpr const char* kCountPatientsSql = "SELECT COUNT(DISTINCT pr.patient_id) FROM procedures pr";
constexpr const char* kCountLevelsSql = "SELECT COUNT(*) FROM levels l";
constexpr const char* kCountDeathsSql =
    "SELECT COUNT(*) FROM vital_status vs\n"
    "WHERE vs.death_date IS NOT NULL\n"
    "  AND vs.patient_id IN (SELECT pr.patient_id FROM procedures pr)";

std::int64_t to_int(const std::optional<std::string>& v, const char* field) {
  if (!v) throw Error::bad_input("missing value").field(field).expected("a number");
  return std::stoll(*v);
}
std::optional<double> to_real(const std::optional<std::string>& v) {
  if (!v || v->empty()) return std::nullopt;
  return std::stod(*v);
}
std::int64_t to_day(const std::optional<std::string>& v, const char* field) {
  const auto d = v ? parse_date(*v) : std::nullopt;
  if (!d)
    throw Error::bad_input("not a calendar date")
        .field(field)
        .seen(v.value_or("(empty)"))
        .expected("YYYY-MM-DD (run `kiort registry check`)");
  return *d;
}
std::optional<bool> yes_no(const std::optional<std::string>& v) {
  if (!v || v->empty()) return std::nullopt;
  return *v == "yes";
}
std::optional<std::int64_t> to_day_opt(const std::optional<std::string>& v, const char* field) {
  if (!v || v->empty()) return std::nullopt;
  return to_day(v, field);
}

// Total irradiation time of a level: the sum of its dwell times; empty without a readable list.
std::optional<double> dwell_time_s(const std::optional<std::string>& json) {
  if (!json || json->empty()) return std::nullopt;
  const auto j = nlohmann::json::parse(*json, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return std::nullopt;
  double t = 0;
  for (const auto& d : j) {
    if (!d.is_object() || !d.contains("time_s") || !d["time_s"].is_number()) return std::nullopt;
    t += d["time_s"].get<double>();
  }
  return t;
}

std::string dstr(const Describe& d, int dec = 1) {  // "mean 6.2 (SD 1.3)"
  if (d.n == 0) return "n/a";
  return fmt(d.mean, dec) + (d.n > 1 ? " (SD " + fmt(d.sd, dec) + ")" : "");
}
std::string range_str(const Describe& d, int dec = 1) {
  if (d.n == 0) return "n/a";
  return fmt(d.min, dec) + "–" + fmt(d.max, dec);
}
std::string months(double days, int dec = 1) {
  return fmt(days / kDaysPerMonth, dec);
}
std::string signed_fmt(double v, int dec = 1) {
  const std::string s = fmt(v, dec);
  return v > 0 && s.find_first_not_of("0.") != std::string::npos ? "+" + s : s;
}

// "new neurological deficit" for neuro_deficit: the words a results section uses.
std::string complication_name(const std::string& type) {
  if (type == "cement_leak") return "cement leak";
  if (type == "neuro_deficit") return "new neurological deficit";
  if (type == "radiation") return "radiation-related complication";
  if (type == "other") return "other complication";
  return type;
}

std::string instruments_text(const CohortSummary& s) {
  if (s.pain_instruments.empty()) return "none recorded";
  std::string out;
  for (const auto& [k, n] : s.pain_instruments)
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " visits " +
           (k == "vas_mm"      ? "VAS 0-100 mm (shown / 10)"
            : k == "bpi_worst" ? "BPI worst pain 0-10"
                               : "NRS 0-10");
  return out;
}

std::string event_label(const std::map<std::string, std::string>& labels, const std::string& e) {
  const auto it = labels.find(e);
  return it == labels.end() ? e : e + " (" + it->second + ")";
}

std::string median_os_text(const KmCurve& km) {
  if (!km.median) return "not reached";
  std::string s = fmt(*km.median, 0) + " days (" + months(*km.median) + " months)";
  s += ", 95 % CI " + (km.median_lcl ? months(*km.median_lcl) : std::string("n/a")) + " to " +
       (km.median_ucl ? months(*km.median_ucl) : std::string("not reached")) + " months";
  return s;
}

}  // namespace

LoadedCohort load_cohort(Repository& repo) {
  LoadedCohort out;
  out.backend = repo.backend();
  int n = 0;
  auto run = [&](const std::string& purpose, const char* sql) {
    const auto rows = repo.select(sql);
    out.queries.push_back({"Q" + std::to_string(++n), purpose, sql, rows.size(), ""});
    return rows;
  };
  auto count = [&](const std::string& purpose, const char* sql) {
    const auto rows = repo.select(sql);
    const std::string v = rows.empty() || rows[0].empty() ? "0" : rows[0][0].value_or("0");
    out.queries.push_back({"Q" + std::to_string(++n), purpose, sql, rows.size(), v});
    return std::stoll(v);
  };
  CohortData& d = out.data;
  for (const auto& r :
       run("treated patients (sex, birth year or date, primary site)", kPatientsSql)) {
    CohortPatient p{.id = to_int(r[0], "patients.id"),
                    .pseudonym = r[1].value_or(""),
                    .sex = r[2].value_or(""),
                    .primary_site = r[4].value_or(""),
                    .primary_group = primary_group(r[4].value_or(""), r[6].value_or("")),
                    .birth_year = std::nullopt,
                    .birth_date = to_day_opt(r[5], "patients.birth_date")};
    if (r[3]) p.birth_year = static_cast<int>(std::stol(*r[3]));
    d.patients.push_back(std::move(p));
  }
  for (const auto& r :
       run("procedures (start of follow-up and survival; complications assessed)", kProceduresSql))
    d.procedures.push_back({.id = to_int(r[0], "procedures.id"),
                            .patient_id = to_int(r[1], "procedures.patient_id"),
                            .date = to_day(r[2], "procedures.procedure_date"),
                            .complications_assessed = yes_no(r[3])});
  if (d.procedures.empty())
    throw Error::bad_input("the registry holds no procedure: nothing to report")
        .expected("a registry with patients and procedures (kiort registry import)");
  for (const auto& r :
       run("treated levels: prescription and dwell times (time = sum of dwell_json time_s)",
           kLevelsSql))
    d.levels.push_back({.id = to_int(r[0], "levels.id"),
                        .procedure_id = to_int(r[1], "levels.procedure_id"),
                        .level = r[2].value_or(""),
                        .dose_gy = to_real(r[3]),
                        .ref_depth_mm = to_real(r[4]),
                        .time_s = dwell_time_s(r[5])});
  for (const auto& r : run("visits: worst pain, OMED (sum over the visit's analgesics; 0 only "
                           "when analgesics_assessed = yes and none is listed; unknown when "
                           "not assessed or an analgesic lacks an OME), questionnaires, "
                           "neurological status, imaging",
                           kVisitsSql)) {
    CohortVisit v{.id = to_int(r[0], "visits.id"),
                  .procedure_id = to_int(r[1], "visits.procedure_id"),
                  .event = r[2].value_or(""),
                  .date = to_day(r[3], "visits.visit_date"),
                  .pain_worst = to_real(r[4]),
                  .omed_mg_day = std::nullopt,
                  .qlq_c30 = r[8].value_or(""),
                  .qlq_bm22 = r[9].value_or(""),
                  .odi = r[10].value_or(""),
                  .frankel = r[12].value_or(""),
                  .asia = r[13].value_or(""),
                  .local_control = r[14].value_or(""),
                  .new_fracture = r[15].value_or(""),
                  .complications_assessed = yes_no(r[16]),
                  .pain_instrument = r[17].value_or(r[4] ? "nrs" : "")};
    // Pain on its instrument's scale, compared on the 0-10 scale the consensus defines: a VAS
    // in mm counts 10 mm per point (Chow 2012's 2-point change is 20 mm).
    if (const auto score = to_real(r[18]))
      v.pain_worst = r[17] == std::optional<std::string>("vas_mm") ? *score / 10 : *score;
    const std::int64_t n_analgesics = to_int(r[5], "n_analgesics");
    const std::int64_t n_with_ome = to_int(r[6], "n_with_ome");
    // Missing is not none: no analgesic row is OMED 0 only when the visit says they were asked.
    if (n_analgesics == 0) {
      if (yes_no(r[11]) == std::optional<bool>(true)) v.omed_mg_day = 0.0;
    } else if (n_with_ome == n_analgesics)
      v.omed_mg_day = to_real(r[7]).value_or(0.0);
    d.visits.push_back(std::move(v));
  }
  for (const auto& r : run("complications by type and severity", kComplicationsSql)) {
    CohortComplication c{.procedure_id = to_int(r[0], "complications.procedure_id"),
                         .type = r[1].value_or(""),
                         .severity = r[2].value_or(""),
                         .ctcae_grade = std::nullopt};
    if (r[3]) c.ctcae_grade = static_cast<int>(std::stol(*r[3]));
    d.complications.push_back(std::move(c));
  }
  for (const auto& r : run("vital status: deaths, causes, last contact", kVitalSql))
    d.vital_status.push_back({.patient_id = to_int(r[0], "vital_status.patient_id"),
                              .last_contact = to_day_opt(r[1], "vital_status.last_contact_date"),
                              .death = to_day_opt(r[2], "vital_status.death_date"),
                              .death_cause = r[3].value_or("")});
  const auto schedule = run("visit schedule: order and labels of the visits", kScheduleSql);
  for (const auto& r : schedule) {
    if (r[3]) continue;  // recurring: its instances (late_1, ...) sort by number after the rest
    const std::string ev = r[0].value_or("");
    d.event_order.push_back(ev);
    out.event_labels[ev] = r[1].value_or("day " + r[2].value_or("?"));
    if (r[2]) out.event_days[ev] = std::stol(*r[2]);
  }
  // Labels of recurring instances: their target day.
  for (const auto& r : schedule) {
    if (!r[3]) continue;
    const std::string base = r[0].value_or("");
    for (const CohortVisit& v : d.visits)
      if (v.event.size() > base.size() + 1 && v.event.rfind(base + "_", 0) == 0 &&
          v.event.find_first_not_of("0123456789", base.size() + 1) == std::string::npos) {
        const long k = std::stol(v.event.substr(base.size() + 1));
        const long day = std::stol(r[2].value_or("0")) + (k - 1) * std::stol(r[3].value_or("0"));
        out.event_labels[v.event] = "day " + std::to_string(day);
        out.event_days[v.event] = day;
      }
  }
  count("number of treated patients", kCountPatientsSql);
  count("number of treated levels", kCountLevelsSql);
  count("number of deaths among treated patients", kCountDeathsSql);
  return out;
}

Plot overall_survival_plot(const CohortSummary& s) {
  Plot p;
  p.title = "Overall survival from the procedure";
  p.x.label = "Time since Kypho-IORT (months)";
  p.y.label = "Overall survival (probability)";
  p.y.min = 0;
  p.y.max = 1;
  p.x.min = 0;
  p.x_tick_step = 3;
  Series km;
  km.name = "Kaplan-Meier (n = " + std::to_string(s.os.n) + ", " + std::to_string(s.os.events) +
            " deaths)";
  km.kind = SeriesKind::kStep;
  km.x.push_back(0);
  km.y.push_back(1);
  Series lo, hi;
  lo.kind = hi.kind = SeriesKind::kStep;
  lo.dashed = hi.dashed = true;
  lo.line_width_pt = hi.line_width_pt = 0.8;
  lo.color = hi.color = Rgb{0.45, 0.6, 0.8};
  hi.name = "95 % confidence band";
  lo.x.push_back(0);
  lo.y.push_back(1);
  hi.x.push_back(0);
  hi.y.push_back(1);
  double last = 0;
  for (const KmRow& r : s.os.table) {
    const double m = r.time / kDaysPerMonth;
    last = std::max(last, m);
    if (r.n_event > 0) {
      km.x.push_back(m);
      km.y.push_back(r.surv);
      if (std::isfinite(r.lower) && std::isfinite(r.upper)) {
        lo.x.push_back(m);
        lo.y.push_back(r.lower);
        hi.x.push_back(m);
        hi.y.push_back(r.upper);
      }
    }
    if (r.n_censor > 0) km.censor_x.push_back(m);
  }
  // Carry the curves to the last observation, where the follow-up ends.
  for (Series* x : {&km, &lo, &hi}) {
    x->x.push_back(last);
    x->y.push_back(x->y.back());
  }
  p.series = {km, hi, lo};
  RiskTable rt;
  for (double m = 0; m <= last + 1e-9; m += 3) rt.x.push_back(m);
  std::vector<double> days;
  for (const double m : rt.x) days.push_back(m * kDaysPerMonth);
  rt.rows.push_back({"All", numbers_at_risk(s.survival, days), std::nullopt});
  p.risk_table = rt;
  return p;
}

Plot pain_plot(const CohortSummary& s, const std::map<std::string, std::string>& labels) {
  Plot p;
  p.title = "Worst pain at the treated site by visit";
  p.x.label = "Visit (schedule order)";
  p.y.label = "Worst pain, NRS 0–10 (mean ± SD)";
  p.y.min = 0;
  p.y.max = 10;
  Series m;
  m.name = "Mean worst pain";
  m.kind = SeriesKind::kLine;
  m.markers = true;
  auto add = [&](double x, const Describe& d) {
    m.x.push_back(x);
    m.y.push_back(d.mean);
    const double sd = std::isfinite(d.sd) ? d.sd : 0;
    m.y_err_low.push_back(sd);
    m.y_err_high.push_back(sd);
  };
  // Visits sit at equal spacing: their days differ by orders of magnitude (day 1 to a year).
  auto short_label = [&](const std::string& e) {
    const auto it = labels.find(e);
    return it == labels.end() ? e : it->second;
  };
  if (s.baseline_pain.n > 0) {
    add(0, s.baseline_pain);
    p.x_tick_labels.emplace_back(0, "baseline");
  }
  for (std::size_t i = 0; i < s.pain.size(); ++i) {
    add(static_cast<double>(i + 1), s.pain[i].pain);
    p.x_tick_labels.emplace_back(static_cast<double>(i + 1), short_label(s.pain[i].event));
  }
  p.series = {m};
  p.x.min = -0.5;
  p.x.max = static_cast<double>(s.pain.size()) + 0.5;
  p.legend = false;
  return p;
}

void write_cohort_report(DocumentSink& doc, const LoadedCohort& cohort, const CohortSummary& s,
                         const CohortReportOptions& o, const std::string& figure_dir) {
  const auto& labels = cohort.event_labels;
  auto find_query = [&](const std::string& purpose_prefix) -> const CohortQuery& {
    for (const CohortQuery& x : cohort.queries)
      if (x.purpose.rfind(purpose_prefix, 0) == 0) return x;
    throw Error::internal("cohort report: no query for " + purpose_prefix);
  };
  auto q = [&](const std::string& purpose_prefix) { return find_query(purpose_prefix).id; };
  auto result_of = [&](const std::string& purpose_prefix) {
    return find_query(purpose_prefix).result;
  };
  const std::string q_pat = q("treated patients"), q_proc = q("procedures"),
                    q_lev = q("treated levels"), q_vis = q("visits"), q_comp = q("complications"),
                    q_vit = q("vital status"), q_sched = q("visit schedule"),
                    q_npat = q("number of treated patients"),
                    q_nlev = q("number of treated levels"), q_ndeath = q("number of deaths");

  doc.heading(o.title, 1);
  std::vector<std::pair<std::string, std::string>> head = {
      {"Data", o.source},
      {"Registry backend", cohort.backend},
      {"Report date", o.generated},
      {"Treated", std::to_string(s.n_patients) + " patients, " + std::to_string(s.n_procedures) +
                      " procedures, " + std::to_string(s.n_levels) + " vertebral levels"},
  };
  if (s.first_procedure)
    head.push_back({"Procedures between",
                    format_date(*s.first_procedure) + " and " + format_date(*s.last_procedure)});
  doc.key_values(head);
  if (o.synthetic)
    doc.paragraph(
        "SYNTHETIC DATA: this report was computed from the demo cohort shipped with kiort "
        "(data/demo-cohort), made up by a script. No number in it describes a real patient.");
  doc.paragraph("Query references in brackets (" + q_pat + ", " + q_proc +
                ", ...) point to the SQL in Appendix A; definitions are in Appendix B.");

  // ---- Patients.
  doc.heading("1. Patients", 2);
  std::string sexes;
  for (const auto& [k, n] : s.sex)
    sexes += (sexes.empty() ? "" : ", ") + (k == "not recorded"
                                                ? "sex not recorded for " + std::to_string(n)
                                                : std::to_string(n) + " " + k);
  const std::string age =
      s.age_years.n == 0
          ? "age was not recorded (no birth date or year)"
          : "their mean age at the first procedure was " + fmt(s.age_years.mean) +
                " years (range " + range_str(s.age_years, 0) +
                ", n = " + std::to_string(s.age_years.n) + " of " + std::to_string(s.n_patients) +
                "; " + std::to_string(s.n_age_from_birth_date) + " from the birth date)";
  doc.paragraph(std::to_string(s.n_patients) + " patients (" + sexes + ") were treated with " +
                std::to_string(s.n_procedures) + " Kypho-IORT procedures; " + age + " [" + q_pat +
                ", " + q_proc + "; check " + q_npat + " = " +
                result_of("number of treated patients") + "].");
  Table pt;
  pt.caption = "Table 1. Patient characteristics (n = " + std::to_string(s.n_patients) + ")";
  pt.header = {"Characteristic", "Value"};
  pt.align = {Align::kLeft, Align::kRight};
  pt.width_weight = {2, 1};
  for (const auto& [k, n] : s.sex) pt.rows.push_back({"Sex: " + k, count_pct(n, s.n_patients)});
  pt.rows.push_back({"Age at first procedure, years: mean (SD)", dstr(s.age_years)});
  pt.rows.push_back(
      {"Age: median (range)", fmt(s.age_years.median) + " (" + range_str(s.age_years, 0) + ")"});
  for (const auto& [k, n] : s.primary_groups)
    pt.rows.push_back({"Primary tumour group: " + k, count_pct(n, s.n_patients)});
  for (const auto& [k, n] : s.primaries)
    pt.rows.push_back({"Primary tumour: " + k, count_pct(n, s.n_patients)});
  doc.table(pt);

  // ---- Treatment.
  doc.heading("2. Levels treated, dose and irradiation time", 2);
  std::string regions;
  for (const auto& [k, n] : s.regions)
    regions += (regions.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  std::string lpp;
  for (const auto& [k, n] : s.levels_per_procedure)
    lpp += (lpp.empty() ? "" : ", ") + std::to_string(n) + " with " + std::to_string(k) +
           (k == 1 ? " level" : " levels");
  doc.paragraph(std::to_string(s.n_levels) + " vertebral levels were treated (" + regions +
                "); procedures: " + lpp + " [" + q_lev + "; check " + q_nlev + " = " +
                result_of("number of treated levels") + "]. Prescribed dose " +
                fmt(s.dose_gy.median, 1) + " Gy median (range " + range_str(s.dose_gy) + ") at " +
                fmt(s.depth_mm.median, 1) + " mm median reference depth (range " +
                range_str(s.depth_mm) + "); irradiation time " + fmt(s.time_min.median, 1) +
                " min median (range " + range_str(s.time_min) + ") per level.");
  Table lt;
  lt.caption = "Table 2. Levels treated and prescriptions [" + q_lev + "]";
  lt.header = {"Level", "Levels (n)", "Prescription (in water)", "Levels (n)"};
  lt.align = {Align::kLeft, Align::kRight, Align::kLeft, Align::kRight};
  lt.width_weight = {1, 1, 2, 1};
  // Two short lists side by side (levels cranial to caudal; prescriptions by frequency) keep the
  // section on one page; the columns are independent lists, not pairs.
  const std::size_t rows = std::max(s.levels.size(), s.prescriptions.size());
  for (std::size_t i = 0; i < rows; ++i)
    lt.rows.push_back(
        {i < s.levels.size() ? s.levels[i].first : "",
         i < s.levels.size() ? std::to_string(s.levels[i].second) : "",
         i < s.prescriptions.size() ? s.prescriptions[i].first : "",
         i < s.prescriptions.size() ? std::to_string(s.prescriptions[i].second) : ""});
  doc.table(lt);
  Table dt;
  dt.caption = "Table 3. Dose and irradiation time per level [" + q_lev + "]";
  dt.header = {"Patient", "Procedure", "Level", "Dose (Gy)", "Ref. depth (mm)", "Time (min)"};
  dt.align = {Align::kLeft,  Align::kRight, Align::kLeft,
              Align::kRight, Align::kRight, Align::kRight};
  auto opt = [](const std::optional<double>& v, int dec) { return v ? fmt(*v, dec) : "n/a"; };
  for (const LevelRow& r : s.level_rows)
    dt.rows.push_back({r.pseudonym, std::to_string(r.procedure_id), r.level, opt(r.dose_gy, 1),
                       opt(r.ref_depth_mm, 1),
                       r.time_s ? fmt(*r.time_s / 60, 2) : std::string("n/a")});
  dt.rows.push_back({"All levels: median (range)", "", "",
                     fmt(s.dose_gy.median) + " (" + range_str(s.dose_gy) + ")",
                     fmt(s.depth_mm.median) + " (" + range_str(s.depth_mm) + ")",
                     fmt(s.time_min.median, 2) + " (" + range_str(s.time_min, 2) + ")"});
  doc.table(dt);

  // ---- Pain.
  doc.heading("3. Pain and analgesics", 2);
  doc.paragraph(std::to_string(s.n_with_baseline) + " of " + std::to_string(s.n_procedures) +
                " procedures have a baseline worst pain (event '" + cohort.data.baseline_event +
                "'): mean " + dstr(s.baseline_pain) + ", median " + fmt(s.baseline_pain.median) +
                "; baseline OMED " +
                (s.baseline_omed.n ? "median " + fmt(s.baseline_omed.median) + " mg/day"
                                   : std::string("not recorded")) +
                " (known at " + std::to_string(s.baseline_omed.n) + " of " +
                std::to_string(s.n_baseline_visits) +
                " baseline visits: analgesics recorded, or asked with none taken) [" + q_vis +
                "]. Instruments: " + instruments_text(s) +
                ". Pain relief is any decrease in worst pain against baseline; response follows "
                "the international consensus (Chow 2012), using worst pain and OMED: without "
                "OMED at both visits a response is not evaluable and is not counted.");
  Table pa;
  pa.caption = "Table 4. Worst pain (0–10) by visit and pain relief against baseline [" + q_vis +
               ", " + q_sched + "]";
  pa.header = {
      "Visit", "n", "Worst pain mean (SD)", "Change vs baseline", "Relief", "Relief >= 3 points"};
  pa.align = {Align::kLeft,  Align::kRight, Align::kRight,
              Align::kRight, Align::kRight, Align::kRight};
  pa.width_weight = {1.6, 0.5, 1.3, 1.2, 1.2, 1.2};
  if (s.baseline_pain.n > 0)
    pa.rows.push_back({event_label(labels, cohort.data.baseline_event),
                       std::to_string(s.baseline_pain.n), dstr(s.baseline_pain), "", "", ""});
  for (const PainAtVisit& v : s.pain)
    pa.rows.push_back(
        {event_label(labels, v.event), std::to_string(v.n_assessed), dstr(v.pain),
         v.n_paired ? signed_fmt(v.change.mean) + " (n " + std::to_string(v.n_paired) + ")" : "n/a",
         count_pct(v.n_relief, v.n_paired, 0) + " of " + std::to_string(v.n_paired),
         count_pct(v.n_relief_3, v.n_paired, 0)});
  doc.table(pa);
  Table re;
  re.caption = "Table 5. Pain response (Chow 2012 consensus) by visit [" + q_vis + "]";
  re.caption += ": CR complete, PR partial response";
  re.header = {
      "Visit",       "Evaluable",          "Not evaluable",       "CR", "PR", "Indeterminate",
      "Progression", "Responders (CR+PR)", "OMED median (mg/day)"};
  re.align = {Align::kLeft,  Align::kRight, Align::kRight, Align::kRight, Align::kRight,
              Align::kRight, Align::kRight, Align::kRight, Align::kRight};
  re.width_weight = {1.4, 0.95, 1.2, 0.45, 0.45, 1.2, 1.1, 1.2, 1.1};
  auto cat = [](const PainAtVisit& v, PainResponse r) {
    const auto it = v.response.find(r);
    return std::to_string(it == v.response.end() ? 0 : it->second);
  };
  for (const PainAtVisit& v : s.pain)
    re.rows.push_back(
        {event_label(labels, v.event), std::to_string(v.n_evaluable),
         std::to_string(v.n_not_evaluable) +
             (v.n_not_evaluable ? " (" + std::to_string(v.n_not_evaluable_no_omed) + " no OMED, " +
                                      std::to_string(v.n_not_evaluable_pain_below_2) + " pain < 2)"
                                : std::string()),
         cat(v, PainResponse::kComplete), cat(v, PainResponse::kPartial),
         cat(v, PainResponse::kIndeterminate), cat(v, PainResponse::kProgression),
         v.n_evaluable ? count_pct(v.n_responders, v.n_evaluable, 0) : std::string("n/a"),
         v.omed.n ? fmt(v.omed.median, 1) + " (n " + std::to_string(v.omed.n) + ")"
                  : std::string("not recorded")});
  doc.table(re);
  doc.figure({.caption = "Figure 1. Worst pain at the treated site by visit (mean ± SD), visits "
                         "at equal spacing in schedule order [" +
                         q_vis + "].",
              .plot = pain_plot(s, labels),
              .draw = {},
              .height_mm = 75,
              .image_path = figure_dir + "/pain-by-visit.png"});

  // ---- Quality of life.
  doc.heading("4. Quality of life and disability", 2);
  std::vector<std::string> qevents;
  for (const QolScaleChange& x : s.qol)
    for (const auto& a : x.visits)
      if (std::find(qevents.begin(), qevents.end(), a.event) == qevents.end())
        qevents.push_back(a.event);
  if (s.qol.empty()) {
    doc.paragraph("No questionnaire (QLQ-C30, QLQ-BM22, ODI) was recorded [" + q_vis + "].");
  } else {
    doc.paragraph(
        "Scores 0–100 (EORTC scoring manual; ODI in %). Change = follow-up minus baseline among "
        "procedures with both; for functional scales, global health and the summary score a "
        "positive change is an improvement, for symptom scales and the ODI a negative one [" +
        q_vis + "].");
    Table qt;
    qt.caption = "Table 6. Quality of life: baseline and mean change by visit";
    qt.header = {"Instrument", "Scale", "Direction", "Baseline mean (n)"};
    for (const std::string& e : qevents) qt.header.push_back("Change " + e + " (n)");
    qt.align = {Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight};
    qt.width_weight = {0.9, 2.2, 1.1, 1.0};
    for (std::size_t i = 0; i < qevents.size(); ++i) {
      qt.align.push_back(Align::kRight);
      qt.width_weight.push_back(1.0);
    }
    for (const QolScaleChange& x : s.qol) {
      std::vector<std::string> r = {
          x.instrument, x.code + " " + x.name, x.direction,
          x.baseline.n ? fmt(x.baseline.mean) + " (" + std::to_string(x.baseline.n) + ")" : "n/a"};
      for (const std::string& e : qevents) {
        std::string c = "n/a";
        for (const auto& a : x.visits)
          if (a.event == e) c = signed_fmt(a.change.mean) + " (" + std::to_string(a.n_paired) + ")";
        r.push_back(c);
      }
      qt.rows.push_back(std::move(r));
    }
    doc.table(qt);
  }

  // ---- Complications.
  doc.heading("5. Complications", 2);
  doc.paragraph(std::to_string(s.n_procedures_with_complication) + " of " +
                std::to_string(s.n_procedures) + " procedures (" +
                fmt(100.0 * static_cast<double>(s.n_procedures_with_complication) /
                    static_cast<double>(s.n_procedures)) +
                " %) had at least one complication recorded; " +
                std::to_string(s.n_procedures_assessed) + " of " + std::to_string(s.n_procedures) +
                " procedures are marked as assessed for complications (complications_assessed "
                "= yes), so that a type not listed for them was looked for and not found [" +
                q_proc + ", " + q_vis + ", " + q_comp + "].");
  Table cf;
  cf.caption = "Table 7. Complications by type among the procedures assessed for it";
  cf.header = {"Type", "Finding", "Procedures with it", "Assessed", "Not recorded"};
  cf.align = {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight};
  cf.width_weight = {1.2, 2.6, 1, 0.8, 0.9};
  for (const ComplicationFinding& f : s.complication_findings) {
    const std::string what = complication_name(f.type);
    std::string finding;
    if (f.n_assessed == 0)
      finding = "not recorded";
    else if (f.n_procedures_with == 0)
      finding = "no " + what + " in " + std::to_string(f.n_assessed) + " of " +
                std::to_string(f.n_assessed) + " assessed";
    else
      finding =
          what + " in " + std::to_string(f.n_procedures_with) + " of " +
          std::to_string(f.n_assessed) + " assessed (" +
          fmt(100.0 * static_cast<double>(f.n_procedures_with) / static_cast<double>(f.n_assessed),
              0) +
          " %)";
    cf.rows.push_back({f.type, finding, std::to_string(f.n_procedures_with),
                       std::to_string(f.n_assessed), std::to_string(f.n_not_recorded)});
  }
  doc.table(cf);
  if (!s.complications.empty()) {
    Table ct;
    ct.caption = "Table 7b. Recorded complications by type, severity and grade";
    ct.header = {"Type", "Severity", "CTCAE grade", "n"};
    ct.align = {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight};
    for (const ComplicationCount& c : s.complications)
      ct.rows.push_back(
          {c.type, c.severity.empty() ? "not recorded" : c.severity,
           c.ctcae_grade ? std::to_string(*c.ctcae_grade) : std::string("not recorded"),
           std::to_string(c.n)});
    doc.table(ct);
  }

  // ---- Neurological status and imaging.
  auto at_risk = [](int n) {
    return " (" + std::to_string(n) + " at risk" +
           (n < kFewAtRisk ? "; WARNING: fewer than " + std::to_string(kFewAtRisk) +
                                 " at risk, the estimate is unstable"
                           : std::string()) +
           ")";
  };
  doc.heading("6. Neurological status, local control and new fractures", 2);
  {
    const ComplicationFinding* neuro = nullptr;
    for (const ComplicationFinding& f : s.complication_findings)
      if (f.type == "neuro_deficit") neuro = &f;
    std::string text;
    if (neuro && neuro->n_assessed > 0)
      text = neuro->n_procedures_with == 0
                 ? "No new neurological deficit in " + std::to_string(neuro->n_assessed) + " of " +
                       std::to_string(neuro->n_assessed) + " procedures assessed"
                 : "New neurological deficit after " + std::to_string(neuro->n_procedures_with) +
                       " of " + std::to_string(neuro->n_assessed) + " procedures assessed";
    else
      text = "New neurological deficits were not recorded";
    text += " (" + std::to_string(neuro ? neuro->n_not_recorded : s.n_procedures) +
            " not recorded) [" + q_comp + "].";
    for (const NeuroChange& nc : s.neuro) {
      if (nc.n_paired == 0) {
        text += " " + nc.scale + " grade: no procedure has a baseline and a follow-up grade (" +
                std::to_string(nc.n_baseline) + " with a baseline grade).";
        continue;
      }
      text += " " + nc.scale + " grade at the last follow-up against baseline, " +
              std::to_string(nc.n_paired) + " of " + std::to_string(s.n_procedures) +
              " procedures with both: " + std::to_string(nc.improved) + " improved, " +
              std::to_string(nc.unchanged) + " unchanged, " + std::to_string(nc.worse) +
              " worse (" + std::to_string(nc.n_not_recorded) + " not recorded).";
    }
    doc.paragraph(text + " [" + q_vis + "]");
  }
  for (const LevelEndpoint* ep : {&s.local_control, &s.new_fracture}) {
    std::string text = "Freedom from " + ep->name +
                       " per treated level: " + std::to_string(ep->n_assessed) + " of " +
                       std::to_string(ep->n_levels) + " levels with imaging at a follow-up visit";
    if (ep->n_assessed == 0) {
      doc.paragraph(text + "; not recorded [" + q_vis + ", " + q_lev + "].");
      continue;
    }
    text += ", " + std::to_string(ep->n_events) + " with " + ep->name;
    if (ep->name == "new vertebral fracture" && ep->n_events > 0) {
      std::string kinds;
      for (const auto& [k, n] : ep->events_by_kind)
        kinds += (kinds.empty() ? "" : ", ") + std::to_string(n) + " " + k;
      text += " (" + kinds + ")";
    }
    text += ". Kaplan-Meier from the procedure, censored at the last imaging (death censors)";
    text += std::string("; at 6 months ") +
            (ep->free_at_6m ? fmt(100 * *ep->free_at_6m) + " %" + at_risk(ep->n_risk_6m)
                            : std::string("not observed"));
    text += std::string(", at 12 months ") +
            (ep->free_at_12m ? fmt(100 * *ep->free_at_12m) + " %" + at_risk(ep->n_risk_12m)
                             : std::string("not observed"));
    doc.paragraph(text +
                  ". The imaging finding of a visit applies to every level of its "
                  "procedure [" +
                  q_vis + ", " + q_lev + "].");
  }

  // ---- Deaths and survival.
  doc.heading("7. Deaths and overall survival", 2);
  std::string causes;
  for (const auto& [k, n] : s.death_causes)
    causes += (causes.empty() ? "" : "; ") + k + ": " + std::to_string(n);
  doc.paragraph(std::to_string(s.n_deaths) + " of " + std::to_string(s.n_patients) +
                " patients died during follow-up (" + std::to_string(s.n_deaths_30d) +
                " within 30 days of the procedure)" +
                (causes.empty() ? "" : "; causes: " + causes) + " [" + q_vit + "; check " +
                q_ndeath + " = " + result_of("number of deaths") +
                "]. Overall survival runs from the (first) procedure date to death from any "
                "cause; living patients are censored at their last contact.");
  doc.key_values({
      {"Median overall survival",
       median_os_text(s.os) + (s.os.median ? at_risk(s.os_median_n_risk) : std::string())},
      {"Restricted mean survival",
       s.os.table.empty()
           ? std::string("n/a")
           : months(s.os_rmean.rmean) + " months (SE " + months(s.os_rmean.se, 2) + ", " +
                 fmt(s.os_rmean.rmean, 0) + " days) up to " + months(s.os_rmean.tau) +
                 " months, the longest follow-up (as R's print(survfit, rmean = \"common\"))"},
      {"Overall survival at 6 months", s.os_at_6m
                                           ? fmt(100 * *s.os_at_6m) + " %" + at_risk(s.os_n_risk_6m)
                                           : std::string("not observed")},
      {"Overall survival at 12 months",
       s.os_at_12m ? fmt(100 * *s.os_at_12m) + " %" + at_risk(s.os_n_risk_12m)
                   : std::string("not observed")},
      {"Mean follow-up (all patients, to death or last contact)",
       months(s.mean_follow_up_days) + " months (n = " + std::to_string(s.n_patients) + ")"},
      {"Mean follow-up of living patients",
       s.n_alive ? months(s.mean_follow_up_alive_days) + " months (" +
                       fmt(s.mean_follow_up_alive_days, 0) +
                       " days, n = " + std::to_string(s.n_alive) + ")"
                 : std::string("nobody alive")},
      {"Median follow-up (reverse Kaplan-Meier)",
       s.median_follow_up_reverse_km_days ? months(*s.median_follow_up_reverse_km_days) + " months"
                                          : std::string("not reached")},
  });
  doc.figure({.caption = "Figure 2. Overall survival (Kaplan-Meier) with its 95 % confidence band "
                         "(log transform, as R's survfit); ticks mark censored patients; the row "
                         "below gives the patients at risk [" +
                         q_proc + ", " + q_vit + "].",
              .plot = overall_survival_plot(s),
              .draw = {},
              .height_mm = 95,
              .image_path = figure_dir + "/km-overall.png"});
  Table st;
  st.caption = "Table 8. Overall survival per patient (from overall-survival.csv)";
  st.header = {"Patient", "From", "To", "Days", "Status"};
  st.align = {Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kLeft};
  for (const SurvivalSubject& x : s.survival)
    st.rows.push_back({x.pseudonym, format_date(x.start), format_date(x.end),
                       std::to_string(x.end - x.start), x.died ? "died" : "alive (censored)"});
  doc.table(st);

  add_published_comparison(doc, s, "8. Compared with published series");  // data/evidence

  // ---- Appendices.
  doc.page_break();
  doc.heading("Appendix A. Queries", 2);
  doc.paragraph(
      "Every number above comes from these queries, run as printed on the registry, "
      "and the computations in Appendix B. Q-numbers are cited where the numbers "
      "appear.");
  for (const CohortQuery& x : cohort.queries) {
    doc.heading(x.id + ": " + x.purpose, 3);
    doc.code(x.sql);
    doc.paragraph(x.result.empty() ? std::to_string(x.rows) + " rows."
                                   : "Result: " + x.result + ".");
  }
  doc.heading("Appendix B. Definitions", 2);
  Table def;
  def.header = {"Number", "Definition"};
  def.width_weight = {1, 3};
  def.rows = {
      {"Patients", "Patients with at least one procedure [" + q_pat + "]."},
      {"Age",
       "Completed years at the first procedure from the birth date; without a birth date, the "
       "year of the first procedure minus the birth year."},
      {"Irradiation time", "Sum of the dwell times (dwell_json time_s) of a level, in minutes."},
      {"Baseline",
       "The procedure's visit with event '" + cohort.data.baseline_event + "' (pre-operative)."},
      {"OMED",
       "Oral morphine equivalent daily dose: sum of the visit's analgesics' ome_mg_day; 0 "
       "only when the visit says analgesics were asked (analgesics_assessed = yes) and none is "
       "listed; unknown when analgesics were not recorded or one lacks a conversion factor."},
      {"Assessed",
       "A complication type counts as assessed for a procedure marked complications_assessed = "
       "yes (or with a visit so marked), or with a complication of that type recorded; 'no X in "
       "n of n assessed' counts only those. Not recorded = the rest."},
      {"Pain relief", "Any decrease in worst pain against baseline, among procedures with both."},
      {"Pain response",
       "International consensus (Chow E et al., Int J Radiat Oncol Biol Phys "
       "2012;82:1730): complete, partial, indeterminate, progression from worst "
       "pain and OMED; evaluable with baseline worst pain >= 2 and OMED known at "
       "both visits."},
      {"QoL change", "Follow-up minus baseline scale score, per procedure with both scores."},
      {"Overall survival",
       "Kaplan-Meier from the first procedure date to death from any cause; "
       "censored at the last contact (vital_status) or the latest visit. "
       "Median and 95 % CI as R's survfit (log transform)."},
      {"Mean follow-up",
       "Simple mean of procedure-to-last-contact time among patients alive at "
       "last contact; for all patients, to death or last contact. Median follow-up: reverse "
       "Kaplan-Meier (censoring as the event)."},
      {"Restricted mean survival",
       "Area under the Kaplan-Meier curve up to the longest follow-up, with the standard error "
       "of R's survmean (print(survfit, rmean = \"common\"))."},
      {"At risk",
       "Patients (or levels) still followed at that time; an estimate resting on fewer than 3 "
       "is marked WARNING."},
      {"Months", "Days / 30.4375."},
  };
  doc.table(def);
}

CohortReportFiles write_cohort_report_files(const LoadedCohort& cohort,
                                            const std::filesystem::path& out,
                                            const CohortReportOptions& options) {
  const CohortSummary s = summarize_cohort(cohort.data);
  std::error_code ec;
  std::filesystem::create_directories(out / "figures", ec);
  if (ec)
    throw Error::bad_input("cannot create the output folder")
        .file((out / "figures").string())
        .seen(ec.message());
  CohortReportFiles f;
  f.figures = {out / "figures" / "km-overall.png", out / "figures" / "pain-by-visit.png"};
  write_png(overall_survival_plot(s), f.figures[0], 1200, 900);
  write_png(pain_plot(s, cohort.event_labels), f.figures[1], 1200, 750);

  f.survival_csv = out / "overall-survival.csv";
  std::string csv = "pseudonym,time_days,event\n";
  for (const SurvivalSubject& x : s.survival)
    csv += x.pseudonym + "," + std::to_string(x.end - x.start) + "," + (x.died ? "1" : "0") + "\n";
  write_file_atomic(f.survival_csv, csv);

  MarkdownDocument md;
  write_cohort_report(md, cohort, s, options, "figures");
  f.markdown = out / "cohort-report.md";
  md.write(f.markdown);

  PdfDocument pdf({.title = options.title,
                   .header_note = options.synthetic ? "SYNTHETIC DEMO DATA" : options.generated,
                   .margin_mm = 18});
  write_cohort_report(pdf, cohort, s, options, "figures");
  f.pdf = out / "cohort-report.pdf";
  pdf.finish(f.pdf);
  f.pdf_pages = pdf.page_count();
  return f;
}

}  // namespace kiort
