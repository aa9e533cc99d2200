// Cox proportional-hazards regression with Efron's handling of tied event times, fitted by
// Newton-Raphson with step halving (as R's coxph / coxfit6 does), and the summary R's
// summary.coxph prints: coefficients, standard errors, hazard ratios with confidence limits, and
// the likelihood-ratio, Wald and score (log-rank) tests. Computes only; no I/O.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace kiort {

// Handling of tied event times, as coxph's ties = "efron" (default) or "breslow".
enum class CoxTies { kEfron, kBreslow };
std::string to_string(CoxTies t);

struct CoxCoefficient {
  std::string name;
  double coef = 0;      // log hazard ratio per unit of the covariate
  double se = 0;        // sqrt of the diagonal of the inverse information at the estimate
  double hr = 1;        // exp(coef)
  double hr_lower = 1;  // exp(coef - z se)
  double hr_upper = 1;  // exp(coef + z se)
  double z = 0;         // coef / se
  double p = 1;         // two-sided Wald p
};

struct CoxTest {
  double chisq = 0;
  int df = 0;
  double p = 1;
};

// Harrell's concordance of the fitted risk score with the outcome, counted as R's
// concordance() does for a coxph fit (survival 3.5-3, default timewt = "n"): over pairs where
// the shorter time is an event (a subject censored at an event's time counts as longer), a pair
// is concordant when the earlier event has the higher risk score; equal scores are tied_x and
// count one half; pairs of events at the same time do not count (tied_y, or tied_xy when their
// scores are equal too).
// concordance = (concordant + tied_x / 2) / (concordant + discordant + tied_x). R's standard
// error of the concordance (an infinitesimal-jackknife estimate) is not computed.
struct CoxConcordance {
  double concordant = 0;
  double discordant = 0;
  double tied_x = 0;
  double tied_y = 0;
  double tied_xy = 0;
  double concordance = 0;
};

struct CoxFit {
  CoxTies ties = CoxTies::kEfron;
  int n_strata = 1;
  int n = 0;
  int events = 0;
  int iterations = 0;
  double conf_level = 0.95;
  double loglik_null = 0;  // partial log likelihood at beta = 0
  double loglik = 0;       // at the estimate
  std::vector<CoxCoefficient> coefficients;
  std::vector<double> variance;  // row-major p x p inverse information at the estimate
  CoxTest likelihood_ratio, wald, score;
  CoxConcordance concordance;
};

// Fits the model. x is row-major: x[i * names.size() + j] is covariate j of subject i. strata
// (one code per subject, or empty): coxph's strata(): each stratum has its own baseline hazard
// and risk sets; concordance counts pairs within a stratum only.
// Throws kiort::Error: bad input on invalid times/events/covariates or no events, goal not met
// when the information matrix is singular (collinear covariates) or the fit does not converge
// (e.g. monotone likelihood, when a covariate separates the events).
CoxFit cox_ph(std::span<const double> time, std::span<const int> event, std::span<const double> x,
              const std::vector<std::string>& names, double conf_level = 0.95,
              CoxTies ties = CoxTies::kEfron, std::span<const int> strata = {});

}  // namespace kiort
