// kiort's survival statistics against R's survival package on the data sets it ships (lung,
// aml, veteran) and a small constructed one (flat: curves flat at exactly 0.5). Data and reference
// numbers live in data/reference/survival/; every number was written by generate.R there (R and
// survival versions in its README.md and meta.json). The data go through the same CSV reader and
// checks as `kiort stats`, so 1/2 event coding, NA covariates (na.omit) and quoted labels are
// exercised too. Agreement is required to a relative 1e-4; each test prints the largest relative
// difference it saw.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/csv.h"
#include "outcomes/cox.h"
#include "outcomes/stats_report.h"
#include "outcomes/survival.h"
#include "outcomes/survival_data.h"

namespace kiort {
namespace {

using nlohmann::json;
const std::string kDir = std::string(KIORT_TEST_DATA_DIR) + "/reference/survival/";
constexpr double kRelTol = 1e-4;

json load(const std::string& name) {
  std::ifstream in(kDir + name);
  EXPECT_TRUE(in) << "cannot open " << kDir + name;
  return json::parse(in);
}

struct Tally {
  double max_rel = 0;
  int compared = 0;
  std::string worst;
  ~Tally() {
    std::cout << "compared " << compared << " numbers with R; max relative difference " << max_rel
              << (worst.empty() ? "" : " (" + worst + ")") << "\n";
  }
  // R's value (number, null for NA, "Inf") against kiort's (NaN for NA).
  void check(const json& r, double k, const std::string& what) {
    if (r.is_null()) {
      EXPECT_TRUE(std::isnan(k)) << what << ": R has NA, kiort " << k;
      return;
    }
    if (r.is_string()) {
      EXPECT_EQ(r.get<std::string>(), "Inf") << what;
      EXPECT_TRUE(std::isinf(k) && k > 0) << what << ": R has Inf, kiort " << k;
      return;
    }
    const double v = r.get<double>();
    ++compared;
    const double rel = v == 0 ? std::fabs(k) : std::fabs(k - v) / std::fabs(v);
    if (rel > max_rel) {
      max_rel = rel;
      worst = what;
    }
    EXPECT_LE(rel, kRelTol) << what << ": R " << v << ", kiort " << k;
  }
  void check(const json& r, const std::optional<double>& k, const std::string& what) {
    check(r, k ? *k : std::nan(""), what);
  }
};

SurvivalData data_for(const json& c, const std::string& group,
                      const std::vector<std::string>& covariates = {}) {
  const CsvTable t = read_csv_table(kDir + c["data"].get<std::string>());
  return survival_data_from_csv(t, {.time = c["time"].get<std::string>(),
                                    .event = c["event"].get<std::string>(),
                                    .group = group,
                                    .covariates = covariates,
                                    .strata = {},
                                    .factors = {}});
}

TEST(SurvivalVsR, KaplanMeierTablesMediansAndBands) {
  Tally tally;
  const json cases = load("km.json");
  ASSERT_EQ(cases.size(), 19u);
  for (const json& c : cases) {
    const std::string id = c["id"].get<std::string>();
    SCOPED_TRACE(id + ": " + c["r_call"].get<std::string>());
    const std::string group = c["group"].is_null() ? "" : c["group"].get<std::string>();
    const SurvivalData d = data_for(c, group);
    const KmReport rep = km_report(d, conf_type_from_string(c["conf_type"].get<std::string>()),
                                   c["conf_level"].get<double>());
    ASSERT_EQ(rep.groups.size(), c["groups"].size());
    for (std::size_t g = 0; g < rep.groups.size(); ++g) {
      const json& rg = c["groups"][g];
      const KmCurve& k = rep.groups[g];
      const std::string where = id + "/" + rg["name"].get<std::string>();
      if (!group.empty()) {
        EXPECT_EQ(k.name, rg["name"].get<std::string>());
      }
      EXPECT_EQ(k.n, rg["n"].get<int>());
      EXPECT_EQ(k.events, rg["events"].get<int>());
      tally.check(rg["median"], k.median, where + " median");
      tally.check(rg["median_lcl"], k.median_lcl, where + " median LCL");
      tally.check(rg["median_ucl"], k.median_ucl, where + " median UCL");
      const json& tab = rg["table"];
      ASSERT_EQ(k.table.size(), tab["time"].size()) << where;
      for (std::size_t i = 0; i < k.table.size(); ++i) {
        const KmRow& r = k.table[i];
        const std::string row = where + " row " + std::to_string(i);
        EXPECT_EQ(r.time, tab["time"][i].get<double>()) << row;
        EXPECT_EQ(r.n_risk, tab["n_risk"][i].get<int>()) << row;
        EXPECT_EQ(r.n_event, tab["n_event"][i].get<int>()) << row;
        EXPECT_EQ(r.n_censor, tab["n_censor"][i].get<int>()) << row;
        tally.check(tab["surv"][i], r.surv, row + " surv");
        tally.check(tab["std_err"][i], r.std_err, row + " std.err");
        tally.check(tab["lower"][i], r.lower, row + " lower");
        tally.check(tab["upper"][i], r.upper, row + " upper");
      }
      if (rg.contains("at")) {
        const json& at = rg["at"];
        for (std::size_t i = 0; i < at["time"].size(); ++i) {
          const double t = at["time"][i].get<double>();
          const auto s = k.at(t);
          ASSERT_TRUE(s.has_value()) << where << " at " << t;
          const std::string row = where + " at " + std::to_string(t);
          EXPECT_EQ(s->n_risk, at["n_risk"][i].get<int>()) << row;
          tally.check(at["surv"][i], s->surv, row + " surv");
          tally.check(at["std_err"][i], s->std_err, row + " std.err");
          tally.check(at["lower"][i], s->lower, row + " lower");
          tally.check(at["upper"][i], s->upper, row + " upper");
        }
      }
    }
  }
}

TEST(SurvivalVsR, LogRank) {
  Tally tally;
  const json cases = load("logrank.json");
  ASSERT_EQ(cases.size(), 5u);
  for (const json& c : cases) {
    const std::string id = c["id"].get<std::string>();
    SCOPED_TRACE(id + ": " + c["r_call"].get<std::string>());
    const SurvivalData d = data_for(c, c["group"].get<std::string>());
    ASSERT_EQ(d.group_names.size(), c["groups"].size());
    for (std::size_t g = 0; g < d.group_names.size(); ++g)
      EXPECT_EQ(d.group_names[g], c["groups"][g].get<std::string>());
    const KmReport rep = km_report(d, ConfType::kLog);
    ASSERT_TRUE(rep.logrank.has_value());
    const LogRank& lr = *rep.logrank;
    for (std::size_t g = 0; g < d.group_names.size(); ++g) {
      tally.check(c["observed"][g], lr.observed[g], id + " observed");
      tally.check(c["expected"][g], lr.expected[g], id + " expected");
    }
    tally.check(c["chisq"], lr.chisq, id + " chisq");
    EXPECT_EQ(lr.df, c["df"].get<int>());
    tally.check(c["p"], lr.p, id + " p");
  }
}

TEST(SurvivalVsR, CoxEfron) {
  Tally tally;
  const json cases = load("cox.json");
  ASSERT_EQ(cases.size(), 5u);
  for (const json& c : cases) {
    const std::string id = c["id"].get<std::string>();
    SCOPED_TRACE(id + ": " + c["r_call"].get<std::string>());
    const auto covs = c["covariates"].get<std::vector<std::string>>();
    const SurvivalData d = data_for(c, "", covs);
    EXPECT_EQ(d.n_omitted, c["n_omitted"].get<int>());
    const CoxFit f = cox_report(d);
    EXPECT_EQ(f.n, c["n"].get<int>());
    EXPECT_EQ(f.events, c["events"].get<int>());
    ASSERT_EQ(f.coefficients.size(), covs.size());
    for (std::size_t j = 0; j < covs.size(); ++j) {
      const CoxCoefficient& k = f.coefficients[j];
      const std::string w = id + " " + covs[j];
      tally.check(c["coef"][j], k.coef, w + " coef");
      tally.check(c["se"][j], k.se, w + " se");
      tally.check(c["hr"][j], k.hr, w + " HR");
      tally.check(c["hr_lower"][j], k.hr_lower, w + " HR lower");
      tally.check(c["hr_upper"][j], k.hr_upper, w + " HR upper");
      tally.check(c["z"][j], k.z, w + " z");
      tally.check(c["p"][j], k.p, w + " p");
    }
    tally.check(c["loglik_null"], f.loglik_null, id + " loglik(0)");
    tally.check(c["loglik"], f.loglik, id + " loglik");
    tally.check(c["lr_chisq"], f.likelihood_ratio.chisq, id + " LR");
    tally.check(c["lr_p"], f.likelihood_ratio.p, id + " LR p");
    tally.check(c["wald_chisq"], f.wald.chisq, id + " Wald");
    tally.check(c["wald_p"], f.wald.p, id + " Wald p");
    tally.check(c["score_chisq"], f.score.chisq, id + " score");
    tally.check(c["score_p"], f.score.p, id + " score p");
    EXPECT_EQ(f.likelihood_ratio.df, c["df"].get<int>());
    EXPECT_EQ(f.concordance.concordant, c["concordant"].get<double>()) << id;
    EXPECT_EQ(f.concordance.discordant, c["discordant"].get<double>()) << id;
    EXPECT_EQ(f.concordance.tied_x, c["tied_x"].get<double>()) << id;
    EXPECT_EQ(f.concordance.tied_y, c["tied_y"].get<double>()) << id;
    EXPECT_EQ(f.concordance.tied_xy, c["tied_xy"].get<double>()) << id;
    tally.check(c["concordance"], f.concordance.concordance, id + " concordance");
  }
}

// Restricted mean survival and its standard error, as print(survfit, rmean = "common") gives.
TEST(SurvivalVsR, RestrictedMeanCommon) {
  Tally tally;
  const json cases = load("rmean.json");
  ASSERT_EQ(cases.size(), 5u);
  for (const json& c : cases) {
    const std::string id = c["id"].get<std::string>();
    SCOPED_TRACE(id + ": " + c["r_call"].get<std::string>());
    const SurvivalData d =
        data_for(c, c["group"].is_null() ? std::string() : c["group"].get<std::string>());
    const KmReport rep = km_report(d, ConfType::kLog);
    ASSERT_EQ(rep.rmean.size(), c["groups"].size());
    for (std::size_t g = 0; g < rep.rmean.size(); ++g) {
      EXPECT_EQ(rep.groups[g].name, c["groups"][g].get<std::string>());
      tally.check(c["tau"], rep.rmean[g].tau, id + " tau");
      tally.check(c["rmean"][g], rep.rmean[g].rmean, id + " rmean " + rep.groups[g].name);
      tally.check(c["se"][g], rep.rmean[g].se, id + " se(rmean) " + rep.groups[g].name);
    }
  }
}

// Breslow ties, strata and factor covariates (cox_strata.json: coxph(..., ties = ...) with
// strata() and character columns as factors, treatment contrasts).
TEST(SurvivalVsR, CoxBreslowStrataFactors) {
  Tally tally;
  const json cases = load("cox_strata.json");
  ASSERT_EQ(cases.size(), 5u);
  for (const json& c : cases) {
    const std::string id = c["id"].get<std::string>();
    SCOPED_TRACE(id + ": " + c["r_call"].get<std::string>());
    const CsvTable t = read_csv_table(kDir + c["data"].get<std::string>());
    const SurvivalData d = survival_data_from_csv(
        t, {.time = "time",
            .event = "status",
            .group = "",
            .covariates = c["covariates"].get<std::vector<std::string>>(),
            .strata = c["strata"].is_null() ? std::string() : c["strata"].get<std::string>(),
            .factors = c["factors"].get<std::vector<std::string>>()});
    const CoxFit f = cox_report(
        d, 0.95, c["ties"].get<std::string>() == "breslow" ? CoxTies::kBreslow : CoxTies::kEfron);
    EXPECT_EQ(f.n, c["n"].get<int>());
    EXPECT_EQ(f.events, c["events"].get<int>());
    const auto names = c["names"].get<std::vector<std::string>>();
    ASSERT_EQ(f.coefficients.size(), names.size());
    for (std::size_t j = 0; j < names.size(); ++j) {
      const CoxCoefficient& k = f.coefficients[j];
      EXPECT_EQ(k.name, names[j]);
      const std::string w = id + " " + names[j];
      tally.check(c["coef"][j], k.coef, w + " coef");
      tally.check(c["se"][j], k.se, w + " se");
      tally.check(c["hr"][j], k.hr, w + " HR");
      tally.check(c["hr_lower"][j], k.hr_lower, w + " HR lower");
      tally.check(c["hr_upper"][j], k.hr_upper, w + " HR upper");
      tally.check(c["z"][j], k.z, w + " z");
      tally.check(c["p"][j], k.p, w + " p");
    }
    tally.check(c["loglik_null"], f.loglik_null, id + " loglik(0)");
    tally.check(c["loglik"], f.loglik, id + " loglik");
    tally.check(c["lr_chisq"], f.likelihood_ratio.chisq, id + " LR");
    tally.check(c["wald_chisq"], f.wald.chisq, id + " Wald");
    tally.check(c["score_chisq"], f.score.chisq, id + " score");
    EXPECT_EQ(f.likelihood_ratio.df, c["df"].get<int>());
    tally.check(c["concordance"], f.concordance.concordance, id + " concordance");
  }
}

// Stratified log-rank: survdiff(Surv(time, status) ~ group + strata(s)).
TEST(SurvivalVsR, StratifiedLogRank) {
  Tally tally;
  const json cases = load("logrank_strata.json");
  ASSERT_EQ(cases.size(), 2u);
  for (const json& c : cases) {
    const std::string id = c["id"].get<std::string>();
    SCOPED_TRACE(id + ": " + c["r_call"].get<std::string>());
    const CsvTable t = read_csv_table(kDir + c["data"].get<std::string>());
    const SurvivalData d = survival_data_from_csv(t, {.time = "time",
                                                      .event = "status",
                                                      .group = c["group"].get<std::string>(),
                                                      .covariates = {},
                                                      .strata = c["strata"].get<std::string>(),
                                                      .factors = {}});
    const KmReport rep = km_report(d, ConfType::kLog);
    ASSERT_TRUE(rep.logrank.has_value());
    for (std::size_t g = 0; g < d.group_names.size(); ++g) {
      tally.check(c["observed"][g], rep.logrank->observed[g], id + " observed");
      tally.check(c["expected"][g], rep.logrank->expected[g], id + " expected");
    }
    tally.check(c["chisq"], rep.logrank->chisq, id + " chisq");
    EXPECT_EQ(rep.logrank->df, c["df"].get<int>());
    tally.check(c["p"], rep.logrank->p, id + " p");
  }
}

}  // namespace
}  // namespace kiort
