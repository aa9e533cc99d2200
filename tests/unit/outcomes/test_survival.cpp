// Kaplan-Meier, its confidence bands, the median rule and the log-rank test on small worked
// examples. Each expected number is derived by hand in the comment beside it and was also
// checked with R 4.2.2, survival 3.5-3 (the call is quoted).
#include "outcomes/survival.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace kiort {
namespace {

// survfit(Surv(c(1,2,3,4), c(1,1,1,1)) ~ 1): S = 3/4, 2/4, 1/4, 0; Greenwood on the hazard
// scale: sqrt(1/(4*3)), sqrt(1/12 + 1/(3*2)), sqrt(... + 1/(2*1)), then infinite.
TEST(KaplanMeier, AllEventsHandWorked) {
  const std::vector<double> t{1, 2, 3, 4};
  const std::vector<int> e{1, 1, 1, 1};
  const KmCurve c = kaplan_meier(t, e);
  ASSERT_EQ(c.table.size(), 4u);
  EXPECT_EQ(c.n, 4);
  EXPECT_EQ(c.events, 4);
  EXPECT_DOUBLE_EQ(c.table[0].surv, 0.75);
  EXPECT_DOUBLE_EQ(c.table[1].surv, 0.5);
  EXPECT_DOUBLE_EQ(c.table[2].surv, 0.25);
  EXPECT_DOUBLE_EQ(c.table[3].surv, 0.0);
  EXPECT_NEAR(c.table[0].std_err, std::sqrt(1.0 / 12), 1e-15);
  EXPECT_NEAR(c.table[1].std_err, 0.5, 1e-15);
  EXPECT_NEAR(c.table[2].std_err, std::sqrt(0.75), 1e-15);
  EXPECT_TRUE(std::isinf(c.table[3].std_err));
  // log type: 0.75 * exp(-1.959964 * 0.288675) = 0.4259 (R prints 0.4259); upper clipped at 1.
  EXPECT_NEAR(c.table[0].lower, 0.75 * std::exp(-1.959963984540054 * std::sqrt(1.0 / 12)), 1e-12);
  EXPECT_NEAR(c.table[0].lower, 0.4259, 5e-5);
  EXPECT_DOUBLE_EQ(c.table[0].upper, 1.0);
  EXPECT_TRUE(std::isnan(c.table[3].lower));  // R: NA where S = 0
  EXPECT_TRUE(std::isnan(c.table[3].upper));
  // The curve is flat at exactly 0.5 from t = 2 to 3: print.survfit's median is (2 + 3) / 2.
  ASSERT_TRUE(c.median.has_value());
  EXPECT_DOUBLE_EQ(*c.median, 2.5);
  ASSERT_TRUE(c.median_lcl.has_value());
  EXPECT_DOUBLE_EQ(*c.median_lcl, 1.0);    // lower band 0.4259 < 0.5 already at t = 1
  EXPECT_FALSE(c.median_ucl.has_value());  // upper band never below 0.5 (R: NA)
}

// t = 1,2,2,3+,4,5+,6,7, R call: survfit(Surv(t, s) ~ 1) with s = 1,1,1,0,1,0,1,1.
// Rows at censored times are kept (n.event 0), as in survfit's object.
TEST(KaplanMeier, TiesAndCensoringMatchR) {
  const std::vector<double> t{1, 2, 2, 3, 4, 5, 6, 7};
  const std::vector<int> e{1, 1, 1, 0, 1, 0, 1, 1};
  const KmCurve c = kaplan_meier(t, e);
  ASSERT_EQ(c.table.size(), 7u);
  const double surv[] = {0.875, 0.625, 0.625, 0.46875, 0.46875, 0.234375, 0};
  const int risk[] = {8, 7, 5, 4, 3, 2, 1};
  const int ev[] = {1, 2, 0, 1, 0, 1, 1};
  const double se[] = {0.133630620956, 0.273861278753, 0.273861278753,
                       0.397911212877, 0.397911212877, 0.811377429643};
  const double lower[] = {0.6733819365060, 0.3654002786824, 0.3654002786824,
                          0.2149011018708, 0.2149011018708, 0.0477821365237};
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_DOUBLE_EQ(c.table[i].surv, surv[i]) << i;
    EXPECT_EQ(c.table[i].n_risk, risk[i]) << i;
    EXPECT_EQ(c.table[i].n_event, ev[i]) << i;
    if (i < 6) {
      EXPECT_NEAR(c.table[i].std_err, se[i], 1e-11) << i;
      EXPECT_NEAR(c.table[i].lower, lower[i], 1e-12) << i;
      EXPECT_DOUBLE_EQ(c.table[i].upper, 1.0) << i;
    }
  }
  EXPECT_EQ(c.table[2].n_censor, 1);
  // R: median 4, 0.95LCL 2, 0.95UCL NA.
  EXPECT_DOUBLE_EQ(*c.median, 4.0);
  EXPECT_DOUBLE_EQ(*c.median_lcl, 2.0);
  EXPECT_FALSE(c.median_ucl.has_value());
}

TEST(KaplanMeier, MedianNotReachedIsEmpty) {
  const std::vector<double> t{1, 2, 3, 4};
  const std::vector<int> e{1, 0, 0, 0};
  const KmCurve c = kaplan_meier(t, e);
  EXPECT_FALSE(c.median.has_value());
  EXPECT_DOUBLE_EQ(c.table.back().surv, 0.75);
}

// survfit_confint by hand: S = 0.6, se = 0.2, z = 1.959964.
TEST(KaplanMeier, ConfidenceTransforms) {
  const double z = normal_two_sided_z(0.95);
  EXPECT_NEAR(z, 1.959963984540054, 1e-12);
  double lo = 0, hi = 0;
  km_confint(0.6, 0.2, ConfType::kLog, 0.95, lo, hi);
  EXPECT_NEAR(lo, 0.6 * std::exp(-z * 0.2), 1e-14);
  EXPECT_NEAR(hi, std::min(1.0, 0.6 * std::exp(z * 0.2)), 1e-14);
  km_confint(0.6, 0.2, ConfType::kPlain, 0.95, lo, hi);
  EXPECT_NEAR(lo, 0.6 - z * 0.2 * 0.6, 1e-14);
  EXPECT_NEAR(hi, 0.6 + z * 0.2 * 0.6, 1e-14);
  km_confint(0.6, 0.2, ConfType::kLogLog, 0.95, lo, hi);
  const double ll = std::log(-std::log(0.6));
  EXPECT_NEAR(lo, std::exp(-std::exp(ll - z * 0.2 / std::log(0.6))), 1e-14);
  EXPECT_NEAR(hi, std::exp(-std::exp(ll + z * 0.2 / std::log(0.6))), 1e-14);
  EXPECT_LT(lo, 0.6);
  EXPECT_GT(hi, 0.6);
  // log-log is undefined at S = 1 and S = 0 (R: NA); plain clips to [0, 1].
  km_confint(1.0, 0.0, ConfType::kLogLog, 0.95, lo, hi);
  EXPECT_TRUE(std::isnan(lo) && std::isnan(hi));
  km_confint(0.1, 2.0, ConfType::kPlain, 0.95, lo, hi);
  EXPECT_DOUBLE_EQ(lo, 0.0);
  km_confint(0.9, 2.0, ConfType::kPlain, 0.95, lo, hi);
  EXPECT_DOUBLE_EQ(hi, 1.0);
  EXPECT_EQ(conf_type_from_string("log-log"), ConfType::kLogLog);
  EXPECT_THROW(conf_type_from_string("logit"), Error);
}

TEST(KaplanMeier, SurvivalAtTimes) {
  const std::vector<double> t{1, 2, 2, 3, 4, 5, 6, 7};
  const std::vector<int> e{1, 1, 1, 0, 1, 0, 1, 1};
  const KmCurve c = kaplan_meier(t, e);
  const auto before = c.at(0.5);
  ASSERT_TRUE(before.has_value());
  EXPECT_DOUBLE_EQ(before->surv, 1.0);
  EXPECT_EQ(before->n_risk, 8);
  const auto mid = c.at(4.5);  // last row at or before 4.5 is t = 4; at risk at 4.5: times >= 5
  ASSERT_TRUE(mid.has_value());
  EXPECT_DOUBLE_EQ(mid->surv, 0.46875);
  EXPECT_EQ(mid->n_risk, 3);
  EXPECT_FALSE(c.at(7.5).has_value());  // beyond the last observation
}

TEST(KaplanMeier, RejectsBadInput) {
  const std::vector<double> neg{1, -2};
  const std::vector<int> e{1, 1};
  EXPECT_THROW(kaplan_meier(neg, e), Error);
  const std::vector<double> t{1, 2};
  const std::vector<int> bad{1, 2};
  EXPECT_THROW(kaplan_meier(t, bad), Error);
  EXPECT_THROW(kaplan_meier(std::vector<double>{}, std::vector<int>{}), Error);
}

// Log-rank by hand: A = {1, 2}, B = {3, 4}, all events. t=1: n=4, nA=2, E_A=1/2, V=1*3/3*(1/2)(1/2)
// = 1/4. t=2: n=3, nA=1, E_A=1/3, V=(1/3)(2/3)=2/9. O_A - E_A = 2 - 5/6 = 7/6;
// chisq = (7/6)^2 / (1/4 + 2/9) = 2.882352941 (R survdiff: 2.88235294118, p 0.0895550744136).
TEST(LogRank, TwoGroupsHandWorked) {
  const std::vector<double> t{1, 2, 3, 4};
  const std::vector<int> e{1, 1, 1, 1};
  const std::vector<int> g{0, 0, 1, 1};
  const LogRank lr = log_rank(t, e, g, 2);
  EXPECT_NEAR(lr.chisq, (49.0 / 36) / (17.0 / 36), 1e-12);
  EXPECT_NEAR(lr.chisq, 2.88235294118, 1e-10);
  EXPECT_EQ(lr.df, 1);
  EXPECT_NEAR(lr.p, 0.0895550744136, 1e-11);
  EXPECT_NEAR(lr.expected[0], 5.0 / 6, 1e-14);
  EXPECT_NEAR(lr.expected[1], 19.0 / 6, 1e-14);
  EXPECT_DOUBLE_EQ(lr.observed[0], 2);
}

TEST(LogRank, IdenticalGroupsGiveZero) {
  const std::vector<double> t{1, 1, 2, 2, 3, 3};
  const std::vector<int> e{1, 1, 0, 0, 1, 1};
  const std::vector<int> g{0, 1, 0, 1, 0, 1};
  const LogRank lr = log_rank(t, e, g, 2);
  EXPECT_NEAR(lr.chisq, 0.0, 1e-14);
  EXPECT_NEAR(lr.p, 1.0, 1e-12);
}

TEST(LogRank, NeedsTwoGroups) {
  const std::vector<double> t{1, 2};
  const std::vector<int> e{1, 1};
  const std::vector<int> g{0, 0};
  EXPECT_THROW(log_rank(t, e, g, 1), Error);
}

TEST(ChiSquare, UpperTail) {
  EXPECT_NEAR(chisq_upper_p(3.841458820694124, 1), 0.05, 1e-12);
  EXPECT_NEAR(chisq_upper_p(5.991464547107979, 2), 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(chisq_upper_p(0, 3), 1.0);
}

}  // namespace
}  // namespace kiort
