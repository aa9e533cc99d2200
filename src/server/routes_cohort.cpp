// The cohort's summary for the cohort page: counts, overall survival (Kaplan-Meier with its
// confidence limits and numbers at risk), pain by scheduled event (its day, patients counted) and
// complications, from the registry, as of today.
#include <cmath>

#include "core/error.h"
#include "outcomes/cohort.h"
#include "registry/scores.h"
#include "report/cohort_report.h"
#include "server/server_impl.h"

namespace kiort {

using namespace web;  // the route helpers (http_util.h)

namespace {

json describe_json(const Describe& d) {
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(); };
  return {{"n", d.n},          {"mean", num(d.mean)}, {"sd", num(d.sd)}, {"median", num(d.median)},
          {"min", num(d.min)}, {"max", num(d.max)}};
}

}  // namespace

void WebServer::Impl::cohort_routes() {
  http.Get(
      "/api/cohort", api([this](const Request&, Response& res, const Session&) {
        LoadedCohort cohort;
        {
          std::lock_guard lock(registry_mutex);
          try {
            cohort = load_cohort(*repo);
          } catch (const Error& e) {
            if (e.kind() != ErrorKind::kBadInput) throw;
            send_json(res, {{"empty", true}, {"message", e.what()}});
            return;
          }
        }
        // Visits dated after today are typing errors, not follow-up (outcomes/cohort.h as_of).
        const std::string today = today_utc();
        cohort.data.as_of = parse_date(today);
        const CohortSummary s = summarize_cohort(cohort.data);
        json km = json::array();
        for (const KmRow& r : s.os.table)
          km.push_back({{"time_days", r.time},
                        {"surv", r.surv},
                        {"n_risk", r.n_risk},
                        {"n_event", r.n_event},
                        {"n_censor", r.n_censor},
                        {"lower", r.lower},
                        {"upper", r.upper}});
        double max_days = 0;
        for (const SurvivalSubject& x : s.survival) max_days = std::max(max_days, x.days());
        std::vector<double> times;
        for (double m = 0; m * kDaysPerMonth <= max_days + 1e-9; m += 3)
          times.push_back(m * kDaysPerMonth);
        const std::vector<int> at_risk = numbers_at_risk(s.survival, times);
        json risk = json::array();
        for (std::size_t i = 0; i < times.size(); ++i)
          risk.push_back({{"time_days", times[i]}, {"n", at_risk[i]}});
        json censored = json::array();
        for (const SurvivalSubject& x : s.survival)
          if (!x.died) censored.push_back(x.days());
        json pain = json::array();
        for (const PainAtVisit& p : s.pain) {
          json resp = json::object();
          for (const auto& [k, n] : p.response) resp[to_string(k)] = n;
          const auto label = cohort.event_labels.find(p.event);
          const auto day = cohort.event_days.find(p.event);
          pain.push_back({{"event", p.event},
                          {"label", label != cohort.event_labels.end() ? label->second : p.event},
                          {"day", day != cohort.event_days.end() ? json(day->second) : json()},
                          {"n_visits", p.n_visits},
                          {"n_assessed", p.n_assessed},
                          {"pain", describe_json(p.pain)},
                          {"n_paired", p.n_paired},
                          {"change", describe_json(p.change)},
                          {"n_evaluable", p.n_evaluable},
                          {"n_responders", p.n_responders},
                          {"response", resp}});
        }
        json comps = json::array();
        for (const ComplicationCount& c : s.complications)
          comps.push_back({{"type", c.type},
                           {"severity", c.severity},
                           {"ctcae_grade", c.ctcae_grade ? json(*c.ctcae_grade) : json()},
                           {"n", c.n}});
        send_json(res, {{"empty", false},
                        {"as_of", today},
                        {"n_patients", s.n_patients},
                        {"n_procedures", s.n_procedures},
                        {"n_levels", s.n_levels},
                        {"n_deaths", s.n_deaths},
                        {"n_alive", s.n_alive},
                        {"baseline_pain", describe_json(s.baseline_pain)},
                        {"n_procedures_with_complication", s.n_procedures_with_complication},
                        {"km", km},
                        {"at_risk", risk},
                        {"censored_days", censored},
                        {"median_os_days", s.os.median ? json(*s.os.median) : json()},
                        {"pain", pain},
                        {"complications", comps}});
      }));
}

}  // namespace kiort
