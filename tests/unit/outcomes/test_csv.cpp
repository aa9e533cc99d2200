// The survival-data checks on a parsed CSV table: each bad cell is named by file, line and
// column (the CSV reader itself: tests/unit/core/test_csv.cpp).
#include "core/csv.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "outcomes/survival_data.h"

namespace kiort {
namespace {

SurvivalData load(const std::string& text, const SurvivalColumns& c) {
  return survival_data_from_csv(parse_csv_table(text, "s.csv"), c);
}

void expect_bad_data(const std::string& text, const SurvivalColumns& c, const std::string& needle) {
  try {
    load(text, c);
    FAIL() << "no error for: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(SurvivalData, EventCodings) {
  const SurvivalColumns c{"t", "e", "", {}, "", {}};
  const SurvivalData a = load("t,e\n1,0\n2,1\n", c);
  EXPECT_FALSE(a.event_coded_1_2);
  EXPECT_EQ(a.event[0], 0);
  EXPECT_EQ(a.event[1], 1);
  const SurvivalData b = load("t,e\n1,1\n2,2\n", c);  // R's Surv: 1 censored, 2 event
  EXPECT_TRUE(b.event_coded_1_2);
  EXPECT_EQ(b.event[0], 0);
  EXPECT_EQ(b.event[1], 1);
}

TEST(SurvivalData, BadCellsNameLineAndColumn) {
  const SurvivalColumns c{"t", "e", "", {}, "", {}};
  expect_bad_data("t,e\n1,0\n-2,1\n", c, "s.csv: line 3, column 't' (1): negative survival time");
  expect_bad_data("t,e\n1,0\nabc,1\n", c, "line 3, column 't' (1): non-numeric");
  expect_bad_data("t,e\n1,3\n", c, "line 2, column 'e' (2): invalid event code");
  expect_bad_data("t,e\n1,0\n2,2\n", c, "line 2, column 'e' (2): event code 0");
  expect_bad_data("t,e\n1,0\n", {"time", "e", "", {}, "", {}}, "no such column");
  expect_bad_data("t,e,g\n1,0,a\n2,1,\n", {"t", "e", "g", {}, "", {}},
                  "line 3, column 'g' (3): empty group");
  expect_bad_data("t,e\n", c, "no data rows");
}

TEST(SurvivalData, GroupsSortedAndCovariatesNaOmitted) {
  const SurvivalData d =
      load("t,e,g,x\n1,1,10,0.5\n2,0,9,NA\n3,1,9,1.5\n4,1,10,\n", {"t", "e", "g", {"x"}, "", {}});
  EXPECT_EQ(d.n_omitted, 2);
  ASSERT_EQ(d.time.size(), 2u);
  ASSERT_EQ(d.group_names.size(), 2u);
  EXPECT_EQ(d.group_names[0], "9");  // numeric order, not text order
  EXPECT_EQ(d.group_index[0], 1);
  EXPECT_DOUBLE_EQ(d.covariates[1], 1.5);
}

}  // namespace
}  // namespace kiort
