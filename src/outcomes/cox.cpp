#include "outcomes/cox.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <numeric>
#include <set>

#include "core/error.h"
#include "outcomes/linalg.h"
#include "outcomes/survival.h"

namespace kiort {
namespace {

struct Derivatives {
  double loglik = 0;
  std::vector<double> score;  // U(beta)
  detail::SquareMatrix info;  // I(beta) = -d2 loglik / d beta2
  explicit Derivatives(std::size_t p) : score(p, 0.0), info(p) {}
};

// Efron (or Breslow) partial log likelihood and its first two derivatives. Subjects are processed
// in decreasing time so the risk-set sums grow by accumulation; at a time with d tied events the
// Efron correction removes the fraction l/d of the events' own contribution for l = 0..d-1.
// Covariates are centred by the caller (as coxph does), which leaves every result unchanged.
// Breslow's approximation is the same sums without the correction (fraction 0 for every l).
// Strata: subjects come grouped by stratum (order_desc sorts by stratum, then decreasing time)
// and the risk-set sums start again at each stratum.
Derivatives partial_likelihood(const std::vector<double>& time, const std::vector<int>& event,
                               const std::vector<double>& x, std::size_t p,
                               const std::vector<double>& beta,
                               const std::vector<std::size_t>& order_desc,
                               const std::vector<int>& strata, bool efron_ties) {
  const std::size_t n = time.size();
  Derivatives out(p);
  std::vector<double> s1(p, 0.0), d1(p, 0.0), a1(p, 0.0);
  detail::SquareMatrix s2(p), d2(p);
  double s0 = 0;
  for (std::size_t i = 0; i < n;) {
    if (i > 0 && strata[order_desc[i]] != strata[order_desc[i - 1]]) {
      s0 = 0;
      std::fill(s1.begin(), s1.end(), 0.0);
      std::fill(s2.a.begin(), s2.a.end(), 0.0);
    }
    const double t = time[order_desc[i]];
    const int stratum = strata[order_desc[i]];
    double dcount = 0, d0 = 0;
    std::fill(d1.begin(), d1.end(), 0.0);
    std::fill(d2.a.begin(), d2.a.end(), 0.0);
    std::size_t j = i;
    for (; j < n && time[order_desc[j]] == t && strata[order_desc[j]] == stratum; ++j) {
      const std::size_t s = order_desc[j];
      const double* xs = &x[s * p];
      double eta = 0;
      for (std::size_t a = 0; a < p; ++a) eta += beta[a] * xs[a];
      const double w = std::exp(eta);
      s0 += w;
      for (std::size_t a = 0; a < p; ++a) {
        s1[a] += w * xs[a];
        for (std::size_t b = 0; b < p; ++b) s2(a, b) += w * xs[a] * xs[b];
      }
      if (event[s]) {
        dcount += 1;
        d0 += w;
        out.loglik += eta;
        for (std::size_t a = 0; a < p; ++a) {
          out.score[a] += xs[a];
          d1[a] += w * xs[a];
          for (std::size_t b = 0; b < p; ++b) d2(a, b) += w * xs[a] * xs[b];
        }
      }
    }
    for (double l = 0; l < dcount; l += 1) {
      const double f = efron_ties ? l / dcount : 0.0;
      const double r0 = s0 - f * d0;
      out.loglik -= std::log(r0);
      for (std::size_t a = 0; a < p; ++a) {
        a1[a] = (s1[a] - f * d1[a]) / r0;
        out.score[a] -= a1[a];
      }
      for (std::size_t a = 0; a < p; ++a)
        for (std::size_t b = 0; b < p; ++b)
          out.info(a, b) += (s2(a, b) - f * d2(a, b)) / r0 - a1[a] * a1[b];
    }
    i = j;
  }
  return out;
}

CoxConcordance concordance(const std::vector<double>& time, const std::vector<int>& event,
                           const std::vector<double>& lp, const std::vector<int>& strata) {
  CoxConcordance c;
  const std::size_t n = time.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (!event[i]) continue;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i || strata[j] != strata[i]) continue;
      if (time[j] > time[i] || (time[j] == time[i] && !event[j])) {
        if (lp[i] > lp[j])
          c.concordant += 1;
        else if (lp[i] < lp[j])
          c.discordant += 1;
        else
          c.tied_x += 1;
      } else if (time[j] == time[i] && event[j] && j > i) {
        (lp[i] == lp[j] ? c.tied_xy : c.tied_y) += 1;
      }
    }
  }
  const double denom = c.concordant + c.discordant + c.tied_x;
  c.concordance = denom > 0 ? (c.concordant + c.tied_x / 2) / denom : 0.5;
  return c;
}

}  // namespace

std::string to_string(CoxTies t) {
  return t == CoxTies::kEfron ? "efron" : "breslow";
}

CoxFit cox_ph(std::span<const double> time, std::span<const int> event, std::span<const double> x,
              const std::vector<std::string>& names, double conf_level, CoxTies ties,
              std::span<const int> strata_in) {
  const std::size_t n = time.size();
  const std::size_t p = names.size();
  if (p == 0) throw Error::bad_input("Cox model: no covariates").expected("at least one");
  if (event.size() != n || x.size() != n * p || (!strata_in.empty() && strata_in.size() != n))
    throw Error::internal("Cox model: time, event, covariate and strata sizes differ");
  const std::vector<int> strata = strata_in.empty()
                                      ? std::vector<int>(n, 0)
                                      : std::vector<int>(strata_in.begin(), strata_in.end());
  const bool efron_ties = ties == CoxTies::kEfron;
  if (n == 0) throw Error::bad_input("Cox model: no observations").expected("at least one");
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(time[i]) || time[i] < 0)
      throw Error::bad_input("Cox model: invalid survival time")
          .field("observation " + std::to_string(i + 1))
          .seen(std::to_string(time[i]))
          .expected("a finite time >= 0");
    if (event[i] != 0 && event[i] != 1)
      throw Error::bad_input("Cox model: invalid event indicator")
          .field("observation " + std::to_string(i + 1))
          .seen(std::to_string(event[i]))
          .expected("0 or 1");
    for (std::size_t a = 0; a < p; ++a)
      if (!std::isfinite(x[i * p + a]))
        throw Error::bad_input("Cox model: non-finite covariate")
            .field(names[a] + ", observation " + std::to_string(i + 1))
            .expected("a finite number");
  }

  CoxFit fit;
  fit.ties = ties;
  fit.n_strata = static_cast<int>(std::set<int>(strata.begin(), strata.end()).size());
  fit.n = static_cast<int>(n);
  fit.conf_level = conf_level;
  fit.events = static_cast<int>(std::count(event.begin(), event.end(), 1));
  if (fit.events == 0)
    throw Error::bad_input("Cox model: no events").expected("at least one event");

  // Centre the covariates (coxph does the same); the partial likelihood is invariant.
  std::vector<double> xc(x.begin(), x.end());
  for (std::size_t a = 0; a < p; ++a) {
    double mean = 0;
    for (std::size_t i = 0; i < n; ++i) mean += xc[i * p + a];
    mean /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) xc[i * p + a] -= mean;
  }
  const std::vector<double> t(time.begin(), time.end());
  const std::vector<int> e(event.begin(), event.end());
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return strata[a] != strata[b] ? strata[a] < strata[b] : t[a] > t[b];
  });

  std::vector<double> beta(p, 0.0);
  Derivatives cur = partial_likelihood(t, e, xc, p, beta, order, strata, efron_ties);
  fit.loglik_null = cur.loglik;
  detail::SquareMatrix inv(p);
  if (!detail::invert(cur.info, inv))
    throw Error::goal_not_met(
        "Cox model: singular information matrix (collinear or constant covariates?)");
  fit.score.chisq = detail::quadratic_form(inv, cur.score);
  fit.score.df = static_cast<int>(p);

  // Newton-Raphson with step halving when the log likelihood falls (coxfit6's rule). Iterate to
  // a tighter tolerance than coxph's default (relative change 1e-9) so the estimate is the
  // maximiser to working precision rather than wherever the default criterion happened to stop.
  constexpr int kMaxIter = 50;
  bool converged = false;
  int halvings = 0;
  bool r_checked = false;  // the infinite-coefficient check has been made at coxph's stop
  for (int iter = 1; iter <= kMaxIter; ++iter) {
    fit.iterations = iter;
    const std::vector<double> step = detail::multiply(inv, cur.score);
    std::vector<double> next(p);
    for (std::size_t a = 0; a < p; ++a) next[a] = beta[a] + step[a];
    Derivatives cand = partial_likelihood(t, e, xc, p, next, order, strata, efron_ties);
    while (!(cand.loglik >= cur.loglik) && halvings < 60) {
      ++halvings;
      for (std::size_t a = 0; a < p; ++a) next[a] = (next[a] + beta[a]) / 2;
      cand = partial_likelihood(t, e, xc, p, next, order, strata, efron_ties);
    }
    double max_step = 0;
    for (std::size_t a = 0; a < p; ++a)
      max_step = std::max(max_step, std::fabs(next[a] - beta[a]) / (1 + std::fabs(next[a])));
    const double rel = std::fabs(1 - cur.loglik / cand.loglik);
    beta = next;
    cur = std::move(cand);
    // The information was regular at beta = 0; losing it (or finiteness) on the way means the
    // estimate runs off to infinity: the likelihood is monotone.
    bool finite = std::isfinite(cur.loglik);
    for (double b : beta) finite = finite && std::isfinite(b);
    if (!finite || !detail::invert(cur.info, inv))
      throw Error::goal_not_met(
          "Cox model: did not converge: the information matrix vanishes as the coefficients grow "
          "(monotone likelihood: does a covariate separate the events?)");
    // Where coxph stops (relative log-likelihood change <= 1e-9), it checks whether the next
    // Newton step |U(beta) I(beta)^-1| is still large against the coefficient (> 1e-9 and
    // > sqrt(1e-9) |beta|): the log likelihood has converged while a coefficient runs off to
    // +-infinity (monotone likelihood, e.g. a group without events). R warns "Loglik converged
    // before variable j; coefficient may be infinite"; kiort refuses the fit (exit 3).
    if (!r_checked && rel <= 1e-9) {
      r_checked = true;
      const std::vector<double> next_step = detail::multiply(inv, cur.score);
      std::string infinite;
      for (std::size_t a = 0; a < p; ++a)
        if (std::fabs(next_step[a]) > 1e-9 &&
            std::fabs(next_step[a]) > 3.1622776601683795e-5 * std::fabs(beta[a]))
          infinite += (infinite.empty() ? "" : ", ") + names[a];
      if (!infinite.empty())
        throw Error::goal_not_met(
            "Cox model: did not converge to a finite estimate (monotone likelihood): the log "
            "likelihood converged before " +
            infinite +
            ", whose coefficient may be infinite, as R's coxph warns; does a covariate separate "
            "the events, e.g. a group without events?");
    }
    if (rel < 1e-12 && max_step < 1e-9) {
      converged = true;
      break;
    }
  }
  if (!converged)
    throw Error::goal_not_met(
        "Cox model: Newton-Raphson did not converge in 50 iterations (monotone likelihood: does a "
        "covariate separate the events?)");

  fit.loglik = cur.loglik;
  fit.variance = inv.a;
  const double z = normal_two_sided_z(conf_level);
  const boost::math::normal_distribution<double> norm(0.0, 1.0);
  for (std::size_t a = 0; a < p; ++a) {
    CoxCoefficient c;
    c.name = names[a];
    c.coef = beta[a];
    c.se = std::sqrt(inv(a, a));
    c.hr = std::exp(c.coef);
    c.hr_lower = std::exp(c.coef - z * c.se);
    c.hr_upper = std::exp(c.coef + z * c.se);
    c.z = c.coef / c.se;
    c.p = 2 * boost::math::cdf(boost::math::complement(norm, std::fabs(c.z)));
    fit.coefficients.push_back(c);
  }
  const int df = static_cast<int>(p);
  fit.likelihood_ratio = {2 * (fit.loglik - fit.loglik_null), df, 0};
  fit.likelihood_ratio.p = chisq_upper_p(fit.likelihood_ratio.chisq, df);
  detail::SquareMatrix info = cur.info;
  fit.wald = {detail::quadratic_form(info, beta), df, 0};
  fit.wald.p = chisq_upper_p(fit.wald.chisq, df);
  fit.score.p = chisq_upper_p(fit.score.chisq, df);
  std::vector<double> lp(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t a = 0; a < p; ++a) lp[i] += beta[a] * xc[i * p + a];
  fit.concordance = concordance(t, e, lp, strata);
  return fit;
}

}  // namespace kiort
