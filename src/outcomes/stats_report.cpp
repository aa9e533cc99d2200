#include "outcomes/stats_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kiort {
namespace {

nlohmann::ordered_json number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json();
}
nlohmann::ordered_json number(const std::optional<double>& v) {
  return v ? number(*v) : nlohmann::ordered_json();
}

std::string fmt(const char* f, double v) {
  if (!std::isfinite(v)) return std::isinf(v) ? "Inf" : "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string fmt(const char* f, const std::optional<double>& v) {
  return v ? fmt(f, *v) : std::string("NA");
}

}  // namespace

KmReport km_report(const SurvivalData& data, ConfType conf_type, double conf_level,
                   std::vector<double> at_times) {
  KmReport r;
  r.at_times = std::move(at_times);
  auto add_rmean = [&r] {
    double tau = 0;
    for (const KmCurve& c : r.groups)
      if (!c.table.empty()) tau = std::max(tau, c.table.back().time);
    for (const KmCurve& c : r.groups) r.rmean.push_back(restricted_mean(c, tau));
  };
  if (data.group_names.empty()) {
    r.groups.push_back(kaplan_meier(data.time, data.event, conf_type, conf_level));
    r.groups.back().name = "all";
    add_rmean();
    return r;
  }
  for (std::size_t g = 0; g < data.group_names.size(); ++g) {
    std::vector<double> t;
    std::vector<int> e;
    for (std::size_t i = 0; i < data.time.size(); ++i) {
      if (data.group_index[i] != static_cast<int>(g)) continue;
      t.push_back(data.time[i]);
      e.push_back(data.event[i]);
    }
    r.groups.push_back(kaplan_meier(t, e, conf_type, conf_level));
    r.groups.back().name = data.group_names[g];
  }
  add_rmean();
  if (r.groups.size() >= 2)
    r.logrank = log_rank(data.time, data.event, data.group_index,
                         static_cast<int>(data.group_names.size()), data.strata_index);
  r.strata = data.strata_names;
  return r;
}

nlohmann::ordered_json to_json(const KmReport& report) {
  nlohmann::ordered_json j;
  j["groups"] = nlohmann::ordered_json::array();
  for (std::size_t k = 0; k < report.groups.size(); ++k) {
    const KmCurve& c = report.groups[k];
    nlohmann::ordered_json g;
    g["name"] = c.name;
    g["n"] = c.n;
    g["events"] = c.events;
    g["conf_type"] = to_string(c.conf_type);
    g["conf_level"] = c.conf_level;
    g["median"] = number(c.median);
    g["median_lcl"] = number(c.median_lcl);
    g["median_ucl"] = number(c.median_ucl);
    if (k < report.rmean.size())
      g["rmean"] = {{"tau", number(report.rmean[k].tau)},
                    {"rmean", number(report.rmean[k].rmean)},
                    {"se", number(report.rmean[k].se)}};
    nlohmann::ordered_json table = nlohmann::ordered_json::array();
    for (const KmRow& r : c.table)
      table.push_back({{"time", r.time},
                       {"n_risk", r.n_risk},
                       {"n_event", r.n_event},
                       {"n_censor", r.n_censor},
                       {"surv", number(r.surv)},
                       {"std_err", number(r.std_err)},
                       {"lower", number(r.lower)},
                       {"upper", number(r.upper)}});
    g["table"] = std::move(table);
    if (!report.at_times.empty()) {
      nlohmann::ordered_json at = nlohmann::ordered_json::array();
      for (double t : report.at_times) {
        const auto s = c.at(t);
        if (!s) {  // beyond the last observation: R's summary(fit, times) drops it too
          at.push_back({{"time", t},
                        {"n_risk", nullptr},
                        {"surv", nullptr},
                        {"std_err", nullptr},
                        {"lower", nullptr},
                        {"upper", nullptr}});
          continue;
        }
        at.push_back({{"time", t},
                      {"n_risk", s->n_risk},
                      {"surv", number(s->surv)},
                      {"std_err", number(s->std_err)},
                      {"lower", number(s->lower)},
                      {"upper", number(s->upper)}});
      }
      g["at"] = std::move(at);
    }
    j["groups"].push_back(std::move(g));
  }
  if (report.logrank) {
    j["logrank"] = {{"stratified_by", report.strata},
                    {"chisq", number(report.logrank->chisq)},
                    {"df", report.logrank->df},
                    {"p", number(report.logrank->p)},
                    {"observed", report.logrank->observed},
                    {"expected", report.logrank->expected}};
  } else {
    j["logrank"] = nullptr;
  }
  return j;
}

std::string to_text(const KmReport& report) {
  std::string out;
  char buf[256];
  for (std::size_t k = 0; k < report.groups.size(); ++k) {
    const KmCurve& c = report.groups[k];
    const int pct = static_cast<int>(std::lround(c.conf_level * 100));
    std::snprintf(buf, sizeof buf, "group %s: n = %d, events = %d, median %s (%d%% CI %s to %s)\n",
                  c.name.c_str(), c.n, c.events, fmt("%g", c.median).c_str(), pct,
                  fmt("%g", c.median_lcl).c_str(), fmt("%g", c.median_ucl).c_str());
    out += buf;
    if (k < report.rmean.size()) {
      std::snprintf(buf, sizeof buf, "restricted mean %s (se %s) up to %g\n",
                    fmt("%.4g", report.rmean[k].rmean).c_str(),
                    fmt("%.4g", report.rmean[k].se).c_str(), report.rmean[k].tau);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, "%10s %7s %7s %9s %9s %9s %9s   (%s CI)\n", "time", "n.risk",
                  "n.event", "survival", "se(H)", "lower", "upper", to_string(c.conf_type).c_str());
    out += buf;
    for (const KmRow& r : c.table) {
      if (r.n_event == 0) continue;  // like summary.survfit: event times only
      std::snprintf(buf, sizeof buf, "%10g %7d %7d %9s %9s %9s %9s\n", r.time, r.n_risk, r.n_event,
                    fmt("%.4f", r.surv).c_str(), fmt("%.4f", r.std_err).c_str(),
                    fmt("%.4f", r.lower).c_str(), fmt("%.4f", r.upper).c_str());
      out += buf;
    }
    for (double t : report.at_times) {
      const auto s = c.at(t);
      if (!s) {
        std::snprintf(buf, sizeof buf, "survival at %g: beyond the last observation\n", t);
      } else {
        std::snprintf(buf, sizeof buf, "survival at %g: %s (%s to %s), %d at risk\n", t,
                      fmt("%.4f", s->surv).c_str(), fmt("%.4f", s->lower).c_str(),
                      fmt("%.4f", s->upper).c_str(), s->n_risk);
      }
      out += buf;
    }
    out += "\n";
  }
  if (report.logrank) {
    if (!report.strata.empty())
      out += "stratified by " + std::to_string(report.strata.size()) + " strata\n";
    std::snprintf(buf, sizeof buf, "log-rank: chisq = %.4f on %d df, p = %.4g\n",
                  report.logrank->chisq, report.logrank->df, report.logrank->p);
    out += buf;
  }
  return out;
}

CoxFit cox_report(const SurvivalData& data, double conf_level, CoxTies ties) {
  return cox_ph(data.time, data.event, data.covariates, data.covariate_names, conf_level, ties,
                data.strata_index);
}

nlohmann::ordered_json to_json(const CoxFit& f, int n_omitted) {
  nlohmann::ordered_json j;
  j["n"] = f.n;
  j["events"] = f.events;
  j["n_omitted"] = n_omitted;
  j["ties"] = to_string(f.ties);
  j["n_strata"] = f.n_strata;
  j["conf_level"] = f.conf_level;
  j["iterations"] = f.iterations;
  j["loglik_null"] = number(f.loglik_null);
  j["loglik"] = number(f.loglik);
  j["coefficients"] = nlohmann::ordered_json::array();
  for (const CoxCoefficient& c : f.coefficients)
    j["coefficients"].push_back({{"name", c.name},
                                 {"coef", number(c.coef)},
                                 {"se", number(c.se)},
                                 {"hr", number(c.hr)},
                                 {"hr_lower", number(c.hr_lower)},
                                 {"hr_upper", number(c.hr_upper)},
                                 {"z", number(c.z)},
                                 {"p", number(c.p)}});
  auto test = [](const CoxTest& t) {
    return nlohmann::ordered_json{{"chisq", number(t.chisq)}, {"df", t.df}, {"p", number(t.p)}};
  };
  j["tests"] = {{"likelihood_ratio", test(f.likelihood_ratio)},
                {"wald", test(f.wald)},
                {"score", test(f.score)}};
  j["concordance"] = {{"concordance", number(f.concordance.concordance)},
                      {"concordant", f.concordance.concordant},
                      {"discordant", f.concordance.discordant},
                      {"tied_risk", f.concordance.tied_x},
                      {"tied_time", f.concordance.tied_y},
                      {"tied_time_and_risk", f.concordance.tied_xy}};
  return j;
}

std::string to_text(const CoxFit& f, int n_omitted) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "Cox model (%s ties%s): n = %d, events = %d",
                f.ties == CoxTies::kEfron ? "Efron" : "Breslow",
                f.n_strata > 1 ? (", " + std::to_string(f.n_strata) + " strata").c_str() : "", f.n,
                f.events);
  out += buf;
  if (n_omitted > 0) out += ", " + std::to_string(n_omitted) + " rows omitted (missing covariate)";
  out += "\n\n";
  const int pct = static_cast<int>(std::lround(f.conf_level * 100));
  std::snprintf(buf, sizeof buf, "%-16s %10s %10s %10s %10s %10s %8s %10s\n", "covariate", "coef",
                "se", "HR", ("HR " + std::to_string(pct) + "% lo").c_str(), "HR hi", "z", "p");
  out += buf;
  for (const CoxCoefficient& c : f.coefficients) {
    std::snprintf(buf, sizeof buf, "%-16s %10.5f %10.5f %10.5f %10.5f %10.5f %8.3f %10.4g\n",
                  c.name.c_str(), c.coef, c.se, c.hr, c.hr_lower, c.hr_upper, c.z, c.p);
    out += buf;
  }
  auto test = [&](const char* name, const CoxTest& t) {
    std::snprintf(buf, sizeof buf, "%-22s %10.4f on %d df, p = %.4g\n", name, t.chisq, t.df, t.p);
    out += buf;
  };
  out += "\n";
  test("Likelihood ratio test", f.likelihood_ratio);
  test("Wald test", f.wald);
  test("Score (logrank) test", f.score);
  std::snprintf(buf, sizeof buf, "Concordance = %.4f\n", f.concordance.concordance);
  out += buf;
  return out;
}

}  // namespace kiort
