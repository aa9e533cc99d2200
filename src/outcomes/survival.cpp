#include "outcomes/survival.h"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "core/error.h"
#include "outcomes/linalg.h"

namespace kiort {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void check_inputs(std::span<const double> time, std::span<const int> event, const char* what) {
  if (time.size() != event.size())
    throw Error::internal(std::string(what) + ": time and event lengths differ");
  if (time.empty())
    throw Error::bad_input(std::string(what) + ": no observations").expected("at least one");
  for (std::size_t i = 0; i < time.size(); ++i) {
    if (!std::isfinite(time[i]) || time[i] < 0)
      throw Error::bad_input(std::string(what) + ": invalid survival time")
          .field("observation " + std::to_string(i + 1))
          .seen(std::to_string(time[i]))
          .expected("a finite time >= 0");
    if (event[i] != 0 && event[i] != 1)
      throw Error::bad_input(std::string(what) + ": invalid event indicator")
          .field("observation " + std::to_string(i + 1))
          .seen(std::to_string(event[i]))
          .expected("0 (censored) or 1 (event)");
  }
}

}  // namespace

ConfType conf_type_from_string(const std::string& s) {
  if (s == "log") return ConfType::kLog;
  if (s == "log-log") return ConfType::kLogLog;
  if (s == "plain") return ConfType::kPlain;
  throw Error::bad_input("unknown confidence-interval type")
      .field("conf-type")
      .seen(s)
      .expected("log, log-log or plain");
}

std::string to_string(ConfType t) {
  switch (t) {
    case ConfType::kLog:
      return "log";
    case ConfType::kLogLog:
      return "log-log";
    case ConfType::kPlain:
      return "plain";
  }
  return "log";
}

double normal_two_sided_z(double conf_level) {
  if (!(conf_level > 0 && conf_level < 1))
    throw Error::bad_input("confidence level out of range")
        .seen(std::to_string(conf_level))
        .expected("0 < level < 1");
  return boost::math::quantile(boost::math::normal_distribution<double>(0.0, 1.0),
                               1.0 - (1.0 - conf_level) / 2.0);
}

double chisq_upper_p(double x, int df) {
  if (df <= 0) return kNaN;
  if (!(x > 0)) return 1.0;
  if (std::isinf(x)) return 0.0;
  return boost::math::cdf(
      boost::math::complement(boost::math::chi_squared_distribution<double>(df), x));
}

// survival:::survfit_confint (survival 3.5-3) with logse = TRUE, ulimit = TRUE, no selow.
void km_confint(double p, double se, ConfType type, double conf_level, double& lower,
                double& upper) {
  const double z = normal_two_sided_z(conf_level);
  switch (type) {
    case ConfType::kPlain: {
      const double se2 = se * p * z;
      const double lo = p - se2, hi = p + se2;
      lower = std::isnan(lo) ? kNaN : std::max(lo, 0.0);
      upper = std::isnan(hi) ? kNaN : std::min(hi, 1.0);
      return;
    }
    case ConfType::kLog: {
      if (p == 0) {
        lower = upper = kNaN;
        return;
      }
      const double se2 = z * se;
      lower = std::exp(std::log(p) - se2);
      const double hi = std::exp(std::log(p) + se2);
      upper = std::isnan(hi) ? kNaN : std::min(hi, 1.0);
      return;
    }
    case ConfType::kLogLog: {
      if (p == 0 || p == 1) {
        lower = upper = kNaN;
        return;
      }
      const double se2 = z * se / std::log(p);
      lower = std::exp(-std::exp(std::log(-std::log(p)) - se2));
      upper = std::exp(-std::exp(std::log(-std::log(p)) + se2));
      return;
    }
  }
}

// survival:::survmean's minmin (survival 3.5-3), which print.survfit uses for the median and for
// its confidence limits (applied to the lower and upper curves).
std::optional<double> km_median_time(std::span<const double> time, std::span<const double> y) {
  const double tol = std::sqrt(std::numeric_limits<double>::epsilon());
  std::vector<double> xs, ys;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (std::isnan(y[i]) || !(y[i] < 0.5 + tol)) continue;
    xs.push_back(time[i]);
    ys.push_back(y[i]);
  }
  if (xs.empty()) return std::nullopt;
  if (std::fabs(ys[0] - 0.5) < tol) {
    for (std::size_t i = 1; i < ys.size(); ++i)
      if (ys[i] < ys[0]) return (xs[0] + xs[i]) / 2.0;  // flat at exactly 0.5: midpoint rule
  }
  return xs[0];
}

KmCurve kaplan_meier(std::span<const double> time, std::span<const int> event, ConfType conf_type,
                     double conf_level) {
  check_inputs(time, event, "Kaplan-Meier");
  const std::size_t n = time.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return time[a] < time[b]; });

  KmCurve c;
  c.n = static_cast<int>(n);
  c.conf_type = conf_type;
  c.conf_level = conf_level;
  double surv = 1.0, varhaz = 0.0;
  int at_risk = static_cast<int>(n);
  for (std::size_t i = 0; i < n;) {
    const double t = time[order[i]];
    int d = 0, cens = 0;
    std::size_t j = i;
    for (; j < n && time[order[j]] == t; ++j) (event[order[j]] ? d : cens) += 1;
    KmRow r;
    r.time = t;
    r.n_risk = at_risk;
    r.n_event = d;
    r.n_censor = cens;
    if (d > 0) {
      surv *= 1.0 - static_cast<double>(d) / at_risk;
      // Greenwood on the cumulative-hazard scale; infinite once everyone at risk has the event.
      varhaz += at_risk > d
                    ? static_cast<double>(d) / (static_cast<double>(at_risk) * (at_risk - d))
                    : kInf;
    }
    r.surv = surv;
    r.std_err = std::sqrt(varhaz);
    km_confint(r.surv, r.std_err, conf_type, conf_level, r.lower, r.upper);
    c.events += d;
    c.table.push_back(r);
    at_risk -= d + cens;
    i = j;
  }

  std::vector<double> ts, s, lo, hi;
  for (const KmRow& r : c.table) {
    ts.push_back(r.time);
    s.push_back(r.surv);
    lo.push_back(r.lower);
    hi.push_back(r.upper);
  }
  c.median = km_median_time(ts, s);
  // The lower band reaches 0.5 first, so it bounds the median from below (print.survfit's LCL).
  c.median_lcl = km_median_time(ts, lo);
  c.median_ucl = km_median_time(ts, hi);
  return c;
}

std::optional<SurvAt> KmCurve::at(double t) const {
  if (table.empty() || t > table.back().time) return std::nullopt;
  SurvAt s;
  s.time = t;
  s.n_risk = n;
  s.surv = 1;
  s.std_err = 0;
  km_confint(1.0, 0.0, conf_type, conf_level, s.lower, s.upper);
  for (const KmRow& r : table) {
    if (r.time <= t) {
      s.surv = r.surv;
      s.std_err = r.std_err;
      s.lower = r.lower;
      s.upper = r.upper;
    }
  }
  for (const KmRow& r : table) {
    if (r.time >= t) {
      s.n_risk = r.n_risk;
      break;
    }
  }
  return s;
}

LogRank log_rank(std::span<const double> time, std::span<const int> event,
                 std::span<const int> group, int n_groups, std::span<const int> strata) {
  check_inputs(time, event, "log-rank");
  if (group.size() != time.size()) throw Error::internal("log-rank: group length differs");
  if (n_groups < 2)
    throw Error::bad_input("log-rank test needs at least two groups")
        .seen(std::to_string(n_groups))
        .expected(">= 2 groups");
  const auto k = static_cast<std::size_t>(n_groups);
  for (int g : group)
    if (g < 0 || g >= n_groups) throw Error::internal("log-rank: group index out of range");

  if (!strata.empty() && strata.size() != time.size())
    throw Error::internal("log-rank: strata length differs");
  const std::size_t n_all = time.size();
  // Stratified (survdiff with strata()): observed, expected and variance are summed over the
  // strata, each with its own risk sets.
  std::map<int, std::vector<std::size_t>> by_stratum;
  for (std::size_t i = 0; i < n_all; ++i) by_stratum[strata.empty() ? 0 : strata[i]].push_back(i);

  LogRank lr;
  lr.observed.assign(k, 0.0);
  lr.expected.assign(k, 0.0);
  detail::SquareMatrix var(k);
  for (auto& [stratum, order] : by_stratum) {
    const std::size_t n = order.size();
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return time[a] < time[b]; });
    std::vector<double> risk(k, 0.0);
    for (std::size_t i : order) risk[static_cast<std::size_t>(group[i])] += 1;
    double n_risk = static_cast<double>(n);
    std::vector<double> deaths(k);
    for (std::size_t i = 0; i < n;) {
      const double t = time[order[i]];
      std::fill(deaths.begin(), deaths.end(), 0.0);
      std::vector<double> leaving(k, 0.0);
      std::size_t j = i;
      for (; j < n && time[order[j]] == t; ++j) {
        const auto g = static_cast<std::size_t>(group[order[j]]);
        deaths[g] += event[order[j]];
        leaving[g] += 1;
      }
      const double d = std::accumulate(deaths.begin(), deaths.end(), 0.0);
      if (d > 0) {
        for (std::size_t a = 0; a < k; ++a) {
          lr.observed[a] += deaths[a];
          lr.expected[a] += d * risk[a] / n_risk;
        }
        if (n_risk > 1) {
          const double kappa = d * (n_risk - d) / (n_risk - 1) / n_risk;
          for (std::size_t a = 0; a < k; ++a)
            for (std::size_t b = 0; b < k; ++b)
              var(a, b) += kappa * risk[a] * ((a == b ? 1.0 : 0.0) - risk[b] / n_risk);
        }
      }
      for (std::size_t a = 0; a < k; ++a) {
        risk[a] -= leaving[a];
        n_risk -= leaving[a];
      }
      i = j;
    }
  }

  // survdiff: groups with expected > 0 take part; drop the first of them; solve the rest.
  std::vector<std::size_t> used;
  for (std::size_t a = 0; a < k; ++a)
    if (lr.expected[a] > 0) used.push_back(a);
  lr.df = static_cast<int>(used.size()) - 1;
  if (used.size() < 2) {
    lr.chisq = 0;
    lr.p = chisq_upper_p(0, lr.df);
    return lr;
  }
  const std::size_t m = used.size() - 1;
  detail::SquareMatrix v(m), vinv(m);
  std::vector<double> diff(m);
  for (std::size_t a = 0; a < m; ++a) {
    diff[a] = lr.observed[used[a + 1]] - lr.expected[used[a + 1]];
    for (std::size_t b = 0; b < m; ++b) v(a, b) = var(used[a + 1], used[b + 1]);
  }
  if (!detail::invert(v, vinv))
    throw Error::goal_not_met("log-rank: the variance matrix is singular");
  lr.chisq = detail::quadratic_form(vinv, diff);
  lr.p = chisq_upper_p(lr.chisq, lr.df);
  return lr;
}

RestrictedMean restricted_mean(const KmCurve& km, std::optional<double> tau_opt) {
  // survival:::survmean (3.5-3), pfun with end.time = tau and start.time = 0: rectangles under
  // the step function to tau; varmean = sum over the curve's times after the first of
  // (area from that time to tau)^2 * d / (n (n - d)).
  RestrictedMean r;
  if (km.table.empty()) return r;
  const double tau = tau_opt.value_or(km.table.back().time);
  r.tau = tau;
  std::vector<double> time, surv, hh;
  for (const KmRow& row : km.table) {
    if (row.time > tau) break;
    time.push_back(row.time);
    surv.push_back(row.surv);
    const int left = row.n_risk - row.n_event;
    hh.push_back(left == 0
                     ? 0.0
                     : static_cast<double>(row.n_event) / (static_cast<double>(row.n_risk) * left));
  }
  if (time.empty()) {
    r.rmean = tau;
    return r;
  }
  time.push_back(tau);
  surv.push_back(surv.back());
  hh.push_back(0);
  const std::size_t n = time.size();
  std::vector<double> rect(n);
  double prev_t = 0, prev_s = 1;
  for (std::size_t i = 0; i < n; ++i) {
    rect[i] = (time[i] - prev_t) * prev_s;
    prev_t = time[i];
    prev_s = surv[i];
  }
  r.rmean = std::accumulate(rect.begin(), rect.end(), 0.0);
  // cumsum(rev(rectangles[-1]))^2 * rev(hh)[-1]: the k-th term pairs the area of the last k
  // rectangles with hh of the (n-k)-th time (1-based), i.e. hh[n-1-k] 0-based.
  double area = 0, var = 0;
  for (std::size_t k = 1; k < n; ++k) {
    area += rect[n - k];
    var += area * area * hh[n - 1 - k];
  }
  r.se = std::sqrt(var);
  return r;
}

}  // namespace kiort
