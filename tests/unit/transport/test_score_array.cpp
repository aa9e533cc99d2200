#include "transport/score_array.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kiort {
namespace {

TEST(ScoreArray, HistoryByHistoryMeanAndSigma) {
  ScoreArray a(2);
  // Histories 0..3 score 1, 2, 3, 4 in bin 0 (bin 1 scored twice within history 0).
  for (std::uint64_t h = 0; h < 4; ++h) a.score(0, double(h + 1), h);
  a.score(1, 0.5, 0);
  a.score(1, 0.25, 0);
  a.flush();
  EXPECT_DOUBLE_EQ(a.mean(0, 4), 2.5);
  // Sample variance of {1,2,3,4} is 5/3; sigma of the mean = sqrt(5/3 / 4).
  EXPECT_NEAR(a.sigma(0, 4), std::sqrt(5.0 / 12.0), 1e-9);
  EXPECT_DOUBLE_EQ(a.mean(1, 4), 0.75 / 4);
}

TEST(ScoreArray, MergeIsExactInAnyOrder) {
  ScoreArray x(1), y(1), z(1), xyz(1), zyx(1);
  for (std::uint64_t h = 0; h < 1000; ++h) {
    const double v = 1.0 / double(h + 3) + 1e-7 * double(h % 7);
    (h % 3 == 0 ? x : (h % 3 == 1 ? y : z)).score(0, v, h);
  }
  for (ScoreArray* s : {&x, &y, &z}) s->flush();
  xyz.merge(x);
  xyz.merge(y);
  xyz.merge(z);
  zyx.merge(z);
  zyx.merge(y);
  zyx.merge(x);
  EXPECT_TRUE(xyz.raw_sum(0) == zyx.raw_sum(0));
  EXPECT_EQ(xyz.mean(0, 1000), zyx.mean(0, 1000));
  EXPECT_EQ(xyz.sigma(0, 1000), zyx.sigma(0, 1000));
}

}  // namespace
}  // namespace kiort
