#include "outcomes/cohort.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <set>
#include <tuple>

#include "core/error.h"
#include "outcomes/odi.h"
#include "outcomes/qlq.h"

namespace kiort {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Civil year of a day count (days since 1970-01-01), proleptic Gregorian calendar.
int year_of(std::int64_t days) {
  // Shift to an era that starts on 0000-03-01 so that leap days fall at the end of a year.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

// Civil month and day of a day count.
std::pair<int, int> month_day_of(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  return {static_cast<int>(mp < 10 ? mp + 3 : mp - 9),
          static_cast<int>(doy - (153 * mp + 2) / 5 + 1)};
}

// Age in completed years on day `on` of someone born on day `birth`.
double completed_years(std::int64_t birth, std::int64_t on) {
  int years = year_of(on) - year_of(birth);
  if (month_day_of(on) < month_day_of(birth)) --years;
  return years;
}

// Spinal order: cervical, thoracic, lumbar, sacral, then the number.
std::pair<int, int> level_key(const std::string& level) {
  static const std::string kOrder = "CTLS";
  const auto region = kOrder.find(level.empty() ? '?' : level[0]);
  int number = 0;
  for (std::size_t i = 1; i < level.size() && std::isdigit(static_cast<unsigned char>(level[i]));
       ++i)
    number = number * 10 + (level[i] - '0');
  return {region == std::string::npos ? 9 : static_cast<int>(region), number};
}

std::string region_of(const std::string& level) {
  switch (level.empty() ? '?' : level[0]) {
    case 'C':
      return "cervical";
    case 'T':
      return "thoracic";
    case 'L':
      return "lumbar";
    case 'S':
      return "sacral";
    default:
      return "other";
  }
}

std::vector<std::pair<std::string, std::size_t>> by_count(
    const std::map<std::string, std::size_t>& m) {
  std::vector<std::pair<std::string, std::size_t>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return v;
}

std::vector<std::optional<int>> parse_items(const std::string& s) {
  std::vector<std::optional<int>> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(',', start);
    const std::string f = s.substr(start, end == std::string::npos ? end : end - start);
    if (f.empty() || f.find_first_not_of(" 0123456789") != std::string::npos)
      out.push_back(std::nullopt);
    else
      out.push_back(std::stoi(f));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

template <std::size_t N>
std::optional<std::array<std::optional<int>, N>> items_array(const std::string& s) {
  const auto v = parse_items(s);
  if (v.size() != N) return std::nullopt;
  std::array<std::optional<int>, N> a;
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

// Every scale of every questionnaire a visit answered: key instrument + '\x1f' + code.
struct ScaleInfo {
  std::string instrument, code, name, direction;
};
std::map<std::string, double> visit_scales(const CohortVisit& v,
                                           std::map<std::string, ScaleInfo>& info,
                                           std::vector<std::string>& order) {
  std::map<std::string, double> out;
  auto put = [&](const std::string& instr, const ScaleScore& s) {
    const std::string key = instr + '\x1f' + s.code;
    if (!info.count(key)) {
      info[key] = {instr, s.code, s.name,
                   s.kind == ScaleKind::kSymptom ? "higher = worse" : "higher = better"};
      order.push_back(key);
    }
    if (s.score) out[key] = *s.score;
  };
  if (const auto c30 = items_array<30>(v.qlq_c30)) {
    const QlqC30Scores sc = score_qlq_c30(*c30);
    for (const ScaleScore& s : sc.scales) put("QLQ-C30", s);
    ScaleScore sum;
    sum.code = "SumSc";
    sum.name = "Summary score";
    sum.kind = ScaleKind::kFunctional;
    sum.score = sc.summary;
    put("QLQ-C30", sum);
  }
  if (const auto bm = items_array<22>(v.qlq_bm22))
    for (const ScaleScore& s : score_qlq_bm22(*bm).scales) put("QLQ-BM22", s);
  if (const auto odi = items_array<10>(v.odi)) {
    const OdiScore o = score_odi(*odi);
    ScaleScore s;
    s.code = "ODI";
    s.name = "Oswestry Disability Index (%)";
    s.kind = ScaleKind::kSymptom;
    s.score = o.percent;
    put("ODI", s);
  }
  return out;
}

}  // namespace

Describe describe(std::vector<double> v) {
  Describe d;
  d.n = v.size();
  if (v.empty()) {
    d.mean = d.sd = d.median = d.min = d.max = kNaN;
    return d;
  }
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  d.mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double ss = 0;
  for (const double x : v) ss += (x - d.mean) * (x - d.mean);
  d.sd = v.size() > 1 ? std::sqrt(ss / (n - 1)) : kNaN;
  const std::size_t m = v.size() / 2;
  d.median = v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  d.min = v.front();
  d.max = v.back();
  return d;
}

std::vector<int> numbers_at_risk(const std::vector<SurvivalSubject>& subjects,
                                 const std::vector<double>& times_days) {
  std::vector<int> out;
  for (const double t : times_days) {
    int n = 0;
    for (const SurvivalSubject& s : subjects) n += s.days() >= t ? 1 : 0;
    out.push_back(n);
  }
  return out;
}

CohortSummary summarize_cohort(const CohortData& d) {
  CohortSummary s;
  if (d.procedures.empty())
    throw Error::bad_input("the registry holds no procedure: nothing to report")
        .expected("at least one patient with a procedure");
  std::map<std::int64_t, const CohortPatient*> patient;
  for (const CohortPatient& p : d.patients) patient[p.id] = &p;
  std::map<std::int64_t, const CohortProcedure*> procedure;
  std::map<std::int64_t, std::int64_t> first_procedure;  // patient -> earliest procedure date
  for (const CohortProcedure& pr : d.procedures) {
    if (!patient.count(pr.patient_id))
      throw Error::bad_input("procedure of an unknown patient")
          .field("procedures.patient_id")
          .seen(std::to_string(pr.patient_id))
          .expected("a patients.id");
    procedure[pr.id] = &pr;
    auto [it, fresh] = first_procedure.emplace(pr.patient_id, pr.date);
    if (!fresh) it->second = std::min(it->second, pr.date);
    s.first_procedure = std::min(s.first_procedure.value_or(pr.date), pr.date);
    s.last_procedure = std::max(s.last_procedure.value_or(pr.date), pr.date);
  }
  auto proc_of = [&](std::int64_t id, const char* field) -> const CohortProcedure& {
    const auto it = procedure.find(id);
    if (it == procedure.end())
      throw Error::bad_input("row of an unknown procedure")
          .field(field)
          .seen(std::to_string(id))
          .expected("a procedures.id");
    return *it->second;
  };

  // ---- Patients: only those treated count (a registered patient without a procedure is not
  // part of the series yet).
  s.n_patients = first_procedure.size();
  s.n_procedures = d.procedures.size();
  std::map<std::string, std::size_t> sex, primaries, groups;
  std::vector<double> ages;
  for (const auto& [pid, start] : first_procedure) {
    const CohortPatient& p = *patient[pid];
    ++sex[p.sex.empty() ? "not recorded" : p.sex];
    ++primaries[p.primary_site.empty() ? "not recorded" : p.primary_site];
    if (!p.primary_group.empty()) ++groups[p.primary_group];
    if (p.birth_date) {
      ages.push_back(completed_years(*p.birth_date, start));
      ++s.n_age_from_birth_date;
    } else if (p.birth_year) {
      ages.push_back(year_of(start) - *p.birth_year);
    }
  }
  s.sex = by_count(sex);
  s.primaries = by_count(primaries);
  s.primary_groups = by_count(groups);
  s.age_years = describe(ages);

  // ---- Levels, dose and time.
  std::map<std::string, std::size_t> levels, regions, prescriptions;
  std::map<std::int64_t, std::size_t> per_procedure;
  std::vector<double> dose, time_min, depth;
  for (const CohortLevel& l : d.levels) {
    const CohortProcedure& pr = proc_of(l.procedure_id, "levels.procedure_id");
    ++levels[l.level];
    ++regions[region_of(l.level)];
    ++per_procedure[l.procedure_id];
    s.level_rows.push_back({patient[pr.patient_id]->pseudonym, l.level, l.procedure_id, l.dose_gy,
                            l.ref_depth_mm, l.time_s});
    if (l.dose_gy) dose.push_back(*l.dose_gy);
    if (l.ref_depth_mm) depth.push_back(*l.ref_depth_mm);
    if (l.time_s) time_min.push_back(*l.time_s / 60);
    if (l.dose_gy && l.ref_depth_mm) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g Gy at %g mm", *l.dose_gy, *l.ref_depth_mm);
      ++prescriptions[buf];
    }
  }
  s.n_levels = d.levels.size();
  s.levels.assign(levels.begin(), levels.end());
  std::sort(s.levels.begin(), s.levels.end(),
            [](const auto& a, const auto& b) { return level_key(a.first) < level_key(b.first); });
  for (const char* r : {"cervical", "thoracic", "lumbar", "sacral", "other"})
    if (regions.count(r)) s.regions.emplace_back(r, regions[r]);
  std::map<std::size_t, std::size_t> lpp;
  for (const CohortProcedure& pr : d.procedures) ++lpp[per_procedure[pr.id]];
  s.levels_per_procedure.assign(lpp.begin(), lpp.end());
  s.prescriptions = by_count(prescriptions);
  std::sort(s.level_rows.begin(), s.level_rows.end(), [](const LevelRow& a, const LevelRow& b) {
    return std::tie(a.procedure_id, a.level) < std::tie(b.procedure_id, b.level);
  });
  s.dose_gy = describe(dose);
  s.time_min = describe(time_min);
  s.depth_mm = describe(depth);

  // ---- Pain and analgesics against the baseline visit of the same procedure.
  std::map<std::int64_t, const CohortVisit*> baseline;
  std::map<std::string, std::vector<const CohortVisit*>> by_event;
  std::map<std::string, std::size_t> visits_of_event;
  for (const CohortVisit& v : d.visits) {
    const CohortProcedure& pr = proc_of(v.procedure_id, "visits.procedure_id");
    if (d.as_of && v.date > *d.as_of) continue;  // in the future: not a visit that took place
    if (v.pain_worst) ++s.pain_instruments[v.pain_instrument.empty() ? "nrs" : v.pain_instrument];
    if (v.event == d.baseline_event) {
      // A baseline dated after the procedure is not one (a stray entry).
      if (v.date > pr.date) continue;
      // Two baselines for one procedure: the later one is nearer the treatment.
      auto [it, fresh] = baseline.emplace(v.procedure_id, &v);
      if (!fresh && v.date > it->second->date) it->second = &v;
    } else if (v.event != "unscheduled") {
      if (v.pain_worst) ++visits_of_event[v.event];
      // One visit per patient and event: of the earliest procedure, then the earliest visit with
      // a worst pain (a repeated entry of the same visit counts once).
      auto& list = by_event[v.event];
      auto key = [&](const CohortVisit* x) {
        const CohortProcedure& p = proc_of(x->procedure_id, "visits.procedure_id");
        return std::tuple(!x->pain_worst, p.date, p.id, x->date, x->id);
      };
      auto same = std::find_if(list.begin(), list.end(), [&](const CohortVisit* x) {
        return proc_of(x->procedure_id, "visits.procedure_id").patient_id == pr.patient_id;
      });
      if (same == list.end())
        list.push_back(&v);
      else if (key(&v) < key(*same))
        *same = &v;
    }
  }
  std::vector<std::string> events;
  for (const std::string& e : d.event_order)
    if (by_event.count(e)) events.push_back(e);
  std::vector<std::string> rest;
  for (const auto& [e, _] : by_event)
    if (std::find(events.begin(), events.end(), e) == events.end()) rest.push_back(e);
  // Recurring events sort by their number (late_2 before late_10).
  auto split = [](const std::string& e) {
    const auto u = e.rfind('_');
    if (u == std::string::npos || u + 1 == e.size() ||
        e.find_first_not_of("0123456789", u + 1) != std::string::npos)
      return std::pair<std::string, long>{e, 0};
    return std::pair<std::string, long>{e.substr(0, u), std::stol(e.substr(u + 1))};
  };
  std::sort(rest.begin(), rest.end(),
            [&](const std::string& a, const std::string& b) { return split(a) < split(b); });
  events.insert(events.end(), rest.begin(), rest.end());

  std::vector<double> base_pain, base_omed;
  s.n_baseline_visits = baseline.size();
  for (const auto& [pid, v] : baseline) {
    if (v->pain_worst) {
      ++s.n_with_baseline;
      base_pain.push_back(*v->pain_worst);
    }
    if (v->omed_mg_day) base_omed.push_back(*v->omed_mg_day);
  }
  s.baseline_pain = describe(base_pain);
  s.baseline_omed = describe(base_omed);

  for (const std::string& e : events) {
    PainAtVisit pv;
    pv.event = e;
    pv.n_visits = visits_of_event[e];
    std::vector<double> pain, change, omed;
    for (const CohortVisit* v : by_event[e]) {
      if (v->omed_mg_day)
        omed.push_back(*v->omed_mg_day);
      else
        ++pv.n_omed_unknown;
      if (!v->pain_worst) continue;
      ++pv.n_assessed;
      pain.push_back(*v->pain_worst);
      const auto b = baseline.find(v->procedure_id);
      if (b == baseline.end() || !b->second->pain_worst) continue;
      const double bp = *b->second->pain_worst;
      ++pv.n_paired;
      change.push_back(*v->pain_worst - bp);
      pv.n_relief += *v->pain_worst < bp ? 1 : 0;
      pv.n_relief_3 += bp - *v->pain_worst >= 3 ? 1 : 0;
      // Chow 2012 needs OMED at both visits: without it the response is not evaluable, never
      // "stable analgesics".
      if (bp < 2 || !b->second->omed_mg_day || !v->omed_mg_day) {
        ++pv.n_not_evaluable;
        if (bp < 2)
          ++pv.n_not_evaluable_pain_below_2;
        else
          ++pv.n_not_evaluable_no_omed;
        continue;
      }
      const PainResponseResult r =
          classify_pain_response({bp, *b->second->omed_mg_day}, {*v->pain_worst, *v->omed_mg_day});
      ++pv.n_evaluable;
      ++pv.response[r.category];
      pv.n_responders += r.responder ? 1 : 0;
    }
    if (pv.n_assessed == 0) continue;
    pv.pain = describe(pain);
    pv.change = describe(change);
    pv.omed = describe(omed);
    s.pain.push_back(std::move(pv));
  }

  // ---- Quality of life: every scale, baseline and paired change at each visit that has it.
  std::map<std::string, ScaleInfo> info;
  std::vector<std::string> order;
  std::map<std::int64_t, std::map<std::string, double>> base_scales;
  for (const auto& [pid, v] : baseline) base_scales[pid] = visit_scales(*v, info, order);
  std::map<std::string, std::map<std::string, std::vector<std::pair<double, double>>>> pairs;
  std::map<std::string, std::set<std::string>> events_of_scale;
  for (const std::string& e : events)
    for (const CohortVisit* v : by_event[e]) {
      const auto sc = visit_scales(*v, info, order);
      const auto b = base_scales.find(v->procedure_id);
      for (const auto& [key, value] : sc) {
        if (b == base_scales.end() || !b->second.count(key)) continue;
        pairs[key][e].emplace_back(b->second.at(key), value);
      }
    }
  for (const std::string& key : order) {
    QolScaleChange q;
    const ScaleInfo& si = info[key];
    q.instrument = si.instrument;
    q.code = si.code;
    q.name = si.name;
    q.direction = si.direction;
    std::vector<double> bl;
    for (const auto& [pid, sc] : base_scales)
      if (sc.count(key)) bl.push_back(sc.at(key));
    q.baseline = describe(bl);
    for (const std::string& e : events) {
      const auto it = pairs[key].find(e);
      if (it == pairs[key].end()) continue;
      QolScaleChange::AtVisit a;
      a.event = e;
      a.n_paired = it->second.size();
      std::vector<double> ch;
      for (const auto& [b0, f] : it->second) {
        a.baseline_mean += b0;
        a.follow_up_mean += f;
        ch.push_back(f - b0);
      }
      a.baseline_mean /= static_cast<double>(a.n_paired);
      a.follow_up_mean /= static_cast<double>(a.n_paired);
      a.change = describe(ch);
      q.visits.push_back(std::move(a));
    }
    if (q.baseline.n > 0 || !q.visits.empty()) s.qol.push_back(std::move(q));
  }

  // ---- Complications.
  std::map<std::tuple<std::string, std::string, int>, std::size_t> comp;
  std::set<std::int64_t> with_comp;
  for (const CohortComplication& c : d.complications) {
    proc_of(c.procedure_id, "complications.procedure_id");
    ++comp[{c.type, c.severity, c.ctcae_grade.value_or(-1)}];
    with_comp.insert(c.procedure_id);
  }
  for (const auto& [k, n] : comp) {
    const auto& [type, sev, grade] = k;
    s.complications.push_back({type, sev, grade < 0 ? std::nullopt : std::optional<int>(grade), n});
  }
  s.n_procedures_with_complication = with_comp.size();
  // Assessed-none: a procedure (or one of its visits) marked as looked at for complications.
  std::set<std::int64_t> assessed;
  for (const CohortProcedure& pr : d.procedures)
    if (pr.complications_assessed == std::optional<bool>(true)) assessed.insert(pr.id);
  for (const CohortVisit& v : d.visits)
    if (v.complications_assessed == std::optional<bool>(true)) assessed.insert(v.procedure_id);
  s.n_procedures_assessed = assessed.size();
  for (const char* type :
       {"cement_leak", "neuro_deficit", "embolism", "infection", "radiation", "other"}) {
    ComplicationFinding f{.type = type};
    std::set<std::int64_t> with, assessed_for = assessed;
    for (const CohortComplication& c : d.complications)
      if (c.type == type) {
        with.insert(c.procedure_id);
        assessed_for.insert(c.procedure_id);
      }
    f.n_procedures_with = with.size();
    f.n_assessed = assessed_for.size();
    f.n_not_recorded = s.n_procedures - f.n_assessed;
    s.complication_findings.push_back(f);
  }

  // ---- Neurological status against baseline, at the last follow-up visit with a grade.
  for (const char* scale : {"Frankel", "ASIA"}) {
    auto grade = [&](const CohortVisit& v) -> const std::string& {
      return std::string(scale) == "Frankel" ? v.frankel : v.asia;
    };
    NeuroChange nc{.scale = scale};
    std::map<std::int64_t, const CohortVisit*> last;
    for (const CohortVisit& v : d.visits) {
      if (grade(v).empty() || v.event == d.baseline_event) continue;
      auto [it, fresh] = last.emplace(v.procedure_id, &v);
      if (!fresh && v.date > it->second->date) it->second = &v;
    }
    for (const CohortProcedure& pr : d.procedures) {
      const auto b = baseline.find(pr.id);
      const bool has_base = b != baseline.end() && !grade(*b->second).empty();
      nc.n_baseline += has_base ? 1 : 0;
      const auto f = last.find(pr.id);
      if (!has_base || f == last.end()) {
        ++nc.n_not_recorded;
        continue;
      }
      ++nc.n_paired;
      // A is the worst grade, E normal: a later letter is better.
      const char g0 = grade(*b->second)[0], g1 = grade(*f->second)[0];
      if (g1 > g0)
        ++nc.improved;
      else if (g1 < g0)
        ++nc.worse;
      else
        ++nc.unchanged;
    }
    s.neuro.push_back(nc);
  }

  // ---- Local control and new fractures per treated level (time to event from the imaging).
  std::map<std::int64_t, std::vector<const CohortVisit*>> visits_of;
  for (const CohortVisit& v : d.visits) visits_of[v.procedure_id].push_back(&v);
  for (auto& [pid, vs] : visits_of)
    std::stable_sort(vs.begin(), vs.end(),
                     [](const CohortVisit* a, const CohortVisit* b) { return a->date < b->date; });
  auto endpoint = [&](LevelEndpoint& ep, const char* name, auto&& assessed_at, auto&& event_at) {
    ep.name = name;
    ep.n_levels = d.levels.size();
    std::vector<double> t;
    std::vector<int> e;
    for (const CohortLevel& l : d.levels) {
      const CohortProcedure& pr = proc_of(l.procedure_id, "levels.procedure_id");
      std::optional<std::int64_t> end;
      bool event = false;
      for (const CohortVisit* v : visits_of[pr.id]) {
        if (!assessed_at(*v)) continue;
        end = v->date;
        if (event_at(*v)) {
          event = true;
          ++ep.events_by_kind[event_at(*v) == 1 ? std::string(name) : v->new_fracture];
          break;
        }
      }
      if (!end) continue;
      ++ep.n_assessed;
      ep.n_events += event ? 1 : 0;
      t.push_back(static_cast<double>(std::max<std::int64_t>(0, *end - pr.date)));
      e.push_back(event ? 1 : 0);
    }
    if (t.empty()) return;
    ep.km = kaplan_meier(t, e);
    ep.km.name = name;
    if (const auto a = ep.km.at(182.625)) {
      ep.free_at_6m = a->surv;
      ep.n_risk_6m = a->n_risk;
    }
    if (const auto a = ep.km.at(365.25)) {
      ep.free_at_12m = a->surv;
      ep.n_risk_12m = a->n_risk;
    }
  };
  endpoint(
      s.local_control, "local progression",
      [](const CohortVisit& v) {
        return v.local_control == "controlled" || v.local_control == "progression";
      },
      [](const CohortVisit& v) { return v.local_control == "progression" ? 1 : 0; });
  endpoint(
      s.new_fracture, "new vertebral fracture",
      [](const CohortVisit& v) { return !v.new_fracture.empty(); },
      [](const CohortVisit& v) {
        return !v.new_fracture.empty() && v.new_fracture != "none" ? 2 : 0;
      });

  // ---- Deaths and overall survival from the (first) procedure date.
  std::map<std::int64_t, const CohortVitalStatus*> vital;
  for (const CohortVitalStatus& v : d.vital_status) vital[v.patient_id] = &v;
  std::map<std::int64_t, std::int64_t> last_visit;  // patient -> latest visit date
  for (const CohortVisit& v : d.visits) {
    const std::int64_t pid = proc_of(v.procedure_id, "visits.procedure_id").patient_id;
    if (d.as_of && v.date > *d.as_of) continue;
    last_visit[pid] = std::max(last_visit.count(pid) ? last_visit[pid] : v.date, v.date);
  }
  std::map<std::string, std::size_t> causes;
  std::vector<double> t, alive_fu;
  std::vector<int> ev, rev;
  for (const auto& [pid, start] : first_procedure) {
    SurvivalSubject sub{.pseudonym = patient[pid]->pseudonym, .start = start, .end = start};
    const auto v = vital.find(pid);
    if (v != vital.end() && v->second->death) {
      sub.end = *v->second->death;
      sub.died = true;
      ++s.n_deaths;
      s.n_deaths_30d += sub.end - start <= 30 ? 1 : 0;
      ++causes[v->second->death_cause.empty() ? "not recorded" : v->second->death_cause];
    } else {
      // Censored at the last contact; without a vital-status row, at the latest visit.
      if (v != vital.end() && v->second->last_contact) sub.end = *v->second->last_contact;
      if (last_visit.count(pid)) sub.end = std::max(sub.end, last_visit[pid]);
      ++s.n_alive;
      alive_fu.push_back(sub.days());
    }
    if (sub.end < start)
      throw Error::bad_input("death or last contact before the procedure")
          .field(sub.pseudonym)
          .expected("dates on or after the first procedure date");
    t.push_back(sub.days());
    ev.push_back(sub.died ? 1 : 0);
    rev.push_back(sub.died ? 0 : 1);
    s.survival.push_back(sub);
  }
  s.death_causes = by_count(causes);
  s.os = kaplan_meier(t, ev);
  s.os.name = "Overall survival";
  if (const auto a = s.os.at(182.625)) {
    s.os_at_6m = a->surv;
    s.os_n_risk_6m = a->n_risk;
  }
  if (const auto a = s.os.at(365.25)) {
    s.os_at_12m = a->surv;
    s.os_n_risk_12m = a->n_risk;
  }
  if (s.os.median)
    if (const auto a = s.os.at(*s.os.median)) s.os_median_n_risk = a->n_risk;
  s.os_rmean = restricted_mean(s.os);
  s.mean_follow_up_days = std::accumulate(t.begin(), t.end(), 0.0) / static_cast<double>(t.size());
  s.mean_follow_up_alive_days = alive_fu.empty()
                                    ? kNaN
                                    : std::accumulate(alive_fu.begin(), alive_fu.end(), 0.0) /
                                          static_cast<double>(alive_fu.size());
  // Reverse Kaplan-Meier (Schemper & Smith 1996): censoring is the "event", death censors.
  if (!alive_fu.empty()) s.median_follow_up_reverse_km_days = kaplan_meier(t, rev).median;
  return s;
}

}  // namespace kiort
