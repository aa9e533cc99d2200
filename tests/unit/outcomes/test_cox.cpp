// Cox model with Efron ties on a small data set whose R results are quoted, plus properties that
// hold by construction (score test = log-rank without ties; separation does not converge).
#include "outcomes/cox.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "outcomes/survival.h"

namespace kiort {
namespace {

// R 4.2.2, survival 3.5-3:
//   t <- c(1,2,2,3,4,5,6,7); s <- c(1,1,1,0,1,0,1,1); x <- c(0,1,0,1,1,0,1,0)
//   f <- coxph(Surv(t, s) ~ x)   # ties = "efron" is the default
//   coef 0.283114190268, se 0.915420068434, loglik -7.89655270164 -7.84798064221,
//   score 0.0962793360046, wald.test 0.0956494367908, LR 2*diff(loglik) = 0.0971441188757.
TEST(Cox, EfronTiesMatchR) {
  const std::vector<double> t{1, 2, 2, 3, 4, 5, 6, 7};
  const std::vector<int> s{1, 1, 1, 0, 1, 0, 1, 1};
  const std::vector<double> x{0, 1, 0, 1, 1, 0, 1, 0};
  const CoxFit f = cox_ph(t, s, x, {"x"});
  ASSERT_EQ(f.coefficients.size(), 1u);
  const CoxCoefficient& c = f.coefficients[0];
  EXPECT_NEAR(c.coef, 0.283114190268, 1e-9);
  EXPECT_NEAR(c.se, 0.915420068434, 1e-9);
  EXPECT_NEAR(c.hr, std::exp(0.283114190268), 1e-9);
  EXPECT_NEAR(c.hr_lower, std::exp(0.283114190268 - 1.959963984540054 * 0.915420068434), 1e-8);
  EXPECT_NEAR(f.loglik_null, -7.89655270164, 1e-9);
  EXPECT_NEAR(f.loglik, -7.84798064221, 1e-9);
  EXPECT_NEAR(f.score.chisq, 0.0962793360046, 1e-10);
  EXPECT_NEAR(f.wald.chisq, 0.0956494367908, 1e-9);
  EXPECT_NEAR(f.likelihood_ratio.chisq, 0.0971441188757, 1e-9);
  EXPECT_NEAR(f.likelihood_ratio.p, 0.7552840991077, 1e-8);
  EXPECT_NEAR(f.score.p, 0.7563411065573, 1e-8);
  EXPECT_EQ(f.n, 8);
  EXPECT_EQ(f.events, 6);
  // Concordance (R: f$concordance: 5 concordant, 7 discordant, 9 tied.x, 1 tied.y, 0.4523810).
  // By hand, beta > 0 so x = 1 is the higher risk. Event at 1 (x 0) against the 7 longer: 4
  // discordant (x 1), 3 tied. Event at 2 (x 1): 2 concordant (5, 7), 3 tied (3+, 4, 6); with the
  // other event at 2 it is tied.y. Event at 2 (x 0): 3 discordant, 2 tied. Event at 4 (x 1): 2
  // concordant, 1 tied. Event at 6 (x 1): 1 concordant. (5 + 9/2) / 21 = 0.452381.
  EXPECT_EQ(f.concordance.concordant, 5);
  EXPECT_EQ(f.concordance.discordant, 7);
  EXPECT_EQ(f.concordance.tied_x, 9);
  EXPECT_EQ(f.concordance.tied_y, 1);
  EXPECT_NEAR(f.concordance.concordance, 9.5 / 21, 1e-15);
}

// Without tied times the Cox score test of one binary covariate is the log-rank test.
TEST(Cox, ScoreTestEqualsLogRankWithoutTies) {
  const std::vector<double> t{2, 3, 5, 7, 8, 11, 13, 17, 19, 23};
  const std::vector<int> s{1, 0, 1, 1, 0, 1, 1, 1, 0, 1};
  const std::vector<int> g{0, 1, 0, 0, 1, 1, 0, 1, 1, 1};
  const std::vector<double> x(g.begin(), g.end());
  const CoxFit f = cox_ph(t, s, x, {"g"});
  const LogRank lr = log_rank(t, s, g, 2);
  EXPECT_NEAR(f.score.chisq, lr.chisq, 1e-10);
}

// Every event happens in the x = 1 subject first: the likelihood rises without bound.
TEST(Cox, SeparationIsReportedNotFitted) {
  const std::vector<double> t{1, 2, 3, 4};
  const std::vector<int> s{1, 1, 0, 0};
  const std::vector<double> x{1, 1, 0, 0};
  try {
    cox_ph(t, s, x, {"x"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kGoalNotMet);
    EXPECT_NE(std::string(e.what()).find("monotone likelihood"), std::string::npos) << e.what();
  }
}

// A group without events (g = 1: every subject censored) among events in the other group. R 4.2.2
// with survival 3.5-3 (coxph(Surv(t, e) ~ g), data as below) returns coef -20.6 with the warning
// "Loglik converged before variable 1; coefficient may be infinite"; kiort refuses the fit rather
// than print a hazard ratio of 1e-9 (before this check it printed coef -37 and exited 0).
TEST(Cox, AGroupWithoutEventsIsAMonotoneLikelihood) {
  const std::vector<double> t{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<int> e{0, 1, 0, 1, 1, 0, 1, 0, 1, 1};
  const std::vector<double> g{1, 0, 1, 0, 0, 1, 0, 1, 0, 0};
  try {
    cox_ph(t, e, g, {"g"});
    FAIL() << "expected an error";
  } catch (const Error& err) {
    EXPECT_EQ(err.kind(), ErrorKind::kGoalNotMet);
    EXPECT_NE(std::string(err.what()).find("monotone likelihood"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("converged before g"), std::string::npos) << err.what();
  }
}

TEST(Cox, CollinearCovariatesAreReported) {
  const std::vector<double> t{1, 2, 3, 4, 5};
  const std::vector<int> s{1, 0, 1, 1, 1};
  const std::vector<double> x{1, 2, 0, 0, 3, 6, 2, 4, 1, 2};  // second = 2 * first
  EXPECT_THROW(cox_ph(t, s, x, {"a", "b"}), Error);
}

TEST(Cox, RejectsNoEvents) {
  const std::vector<double> t{1, 2};
  const std::vector<int> s{0, 0};
  const std::vector<double> x{0, 1};
  EXPECT_THROW(cox_ph(t, s, x, {"x"}), Error);
}

}  // namespace
}  // namespace kiort
