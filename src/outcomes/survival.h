// Survival statistics for the follow-up registry: Kaplan-Meier with Greenwood variance and its
// confidence bands, the median and its confidence interval, and the k-group log-rank test. Each
// function reproduces what R's survival package (survfit, print.survfit, survdiff) reports, so a
// kiort number can be checked against R line by line (data/reference/survival/README.md).
// This module computes; it never reads files or prints (that is the CLI's job).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kiort {

// Confidence-interval transform of the survival curve, as survfit's conf.type.
enum class ConfType { kLog, kLogLog, kPlain };

// "log", "log-log" or "plain" -> ConfType; throws kiort::Error (bad input) otherwise.
ConfType conf_type_from_string(const std::string& s);
std::string to_string(ConfType t);

// One row of the Kaplan-Meier table: one distinct observed time (event or censoring), as in
// survfit's object. Values that R reports as NA are NaN here (lower/upper where the transform is
// undefined, e.g. surv == 0); std_err is +inf where every subject still at risk has the event.
struct KmRow {
  double time = 0;
  int n_risk = 0;
  int n_event = 0;
  int n_censor = 0;
  double surv = 1;
  // Standard error on the cumulative-hazard scale (Greenwood): R's survfit `std.err`, i.e.
  // sqrt(sum d / (n (n - d))). The standard error of S itself is surv * std_err.
  double std_err = 0;
  double lower = 1;
  double upper = 1;
};

// Survival (and its band) at a requested time: the curve's value at the last row at or before t.
struct SurvAt {
  double time = 0;
  int n_risk = 0;  // at risk just before (or at) t
  double surv = 1;
  double std_err = 0;
  double lower = 1;
  double upper = 1;
};

struct KmCurve {
  std::string name;
  int n = 0;
  int events = 0;
  ConfType conf_type = ConfType::kLog;
  double conf_level = 0.95;
  std::vector<KmRow> table;
  // Median survival and its confidence limits as print.survfit reports them; empty where R
  // prints NA (the curve or limit never drops to 0.5).
  std::optional<double> median, median_lcl, median_ucl;

  // Survival at time t (summary.survfit(fit, times = t)); empty when t lies beyond the last
  // observed time (R drops such times unless extend = TRUE). Times before the first row give 1.
  std::optional<SurvAt> at(double time) const;
};

// Kaplan-Meier estimate from times (>= 0) and event indicators (true = event, false = censored).
// Throws kiort::Error (bad input) on negative or non-finite times, mismatched lengths or no data.
KmCurve kaplan_meier(std::span<const double> time, std::span<const int> event,
                     ConfType conf_type = ConfType::kLog, double conf_level = 0.95);

// The confidence limits survfit_confint() gives for survival p with cumulative-hazard standard
// error se (NaN where R gives NA). Exposed for tests.
void km_confint(double p, double se, ConfType type, double conf_level, double& lower,
                double& upper);

// The quantile rule of print.survfit (survmean's minmin): the first time at which y < 0.5
// (within sqrt(machine eps)); when y is exactly 0.5 there and drops later, the midpoint of that
// time and the time of the drop. NaN entries of y are skipped.
std::optional<double> km_median_time(std::span<const double> time, std::span<const double> y);

// Restricted mean survival time: the area under the curve from 0 to tau, and its standard error,
// as R's print(survfit, rmean = ...) reports them (survival:::survmean). tau defaults to the
// curve's last time; rmean = "common" over several curves is tau = the largest time of all.
// Beyond the last row the curve is carried at its last value.
struct RestrictedMean {
  double tau = 0, rmean = 0, se = 0;
};
RestrictedMean restricted_mean(const KmCurve& km, std::optional<double> tau = std::nullopt);

struct LogRank {
  double chisq = 0;
  int df = 0;
  double p = 1;
  std::vector<double> observed;  // per group
  std::vector<double> expected;  // per group
};

// The k-group log-rank test (R's survdiff, rho = 0). group[i] is in 0..n_groups-1. With strata
// (one code per subject), the stratified test (survdiff(... ~ group + strata(s))): observed,
// expected and variance summed over the strata.
LogRank log_rank(std::span<const double> time, std::span<const int> event,
                 std::span<const int> group, int n_groups, std::span<const int> strata = {});

// Upper-tail probability of the chi-square distribution (Boost.Math); 1 for x <= 0.
double chisq_upper_p(double x, int df);
// The standard normal quantile z_{(1+level)/2}, e.g. 1.959964 for level 0.95.
double normal_two_sided_z(double conf_level);

}  // namespace kiort
