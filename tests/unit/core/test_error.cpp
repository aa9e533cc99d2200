#include "core/error.h"

#include <gtest/gtest.h>

namespace kiort {
namespace {

TEST(Error, ExitCodesFollowDesign) {
  EXPECT_EQ(exit_code_for(Error::bad_input("x")), 2);
  EXPECT_EQ(exit_code_for(Error::goal_not_met("x")), 3);
  EXPECT_EQ(exit_code_for(Error::internal("x")), 1);
  EXPECT_EQ(static_cast<int>(ExitCode::kOk), 0);
}

TEST(Error, MessageNamesFileFieldValueAndExpectation) {
  const Error e = Error::bad_input("energy out of range")
                      .file("plan.json")
                      .field("sources[0].energy_kev")
                      .seen("75")
                      .expected("1 to 60 keV");
  EXPECT_STREQ(e.what(),
               "plan.json: sources[0].energy_kev: energy out of range: got '75', expected 1 to 60 "
               "keV");
  EXPECT_EQ(e.file(), "plan.json");
  EXPECT_EQ(e.value_seen(), "75");
}

TEST(Error, PartialContext) {
  EXPECT_STREQ(Error::internal("boom").what(), "boom");
  EXPECT_STREQ(Error::bad_input("missing").field("kv").expected("30, 40 or 50").what(),
               "kv: missing: expected 30, 40 or 50");
}

}  // namespace
}  // namespace kiort
