#include "core/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace kiort {
namespace {

std::string run(ProgressMode mode, int steps) {
  std::FILE* f = std::tmpfile();
  {
    Progress p("mc", 100, mode, f);
    for (int i = 1; i <= steps; ++i) p.update(static_cast<std::uint64_t>(i));
  }
  std::rewind(f);
  std::string s;
  char buf[256];
  while (std::fgets(buf, sizeof buf, f)) s += buf;
  std::fclose(f);
  return s;
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(Progress, LinesEveryTenPercentWhenNotATerminal) {
  const std::string out = run(ProgressMode::kLines, 100);
  EXPECT_EQ(count_lines(out), 10) << out;
  EXPECT_NE(out.find("mc: 10 %"), std::string::npos);
  EXPECT_NE(out.find("mc: 100 %"), std::string::npos);
}

TEST(Progress, UnfinishedWorkStillEndsWithALine) {
  const std::string out = run(ProgressMode::kLines, 35);
  EXPECT_EQ(count_lines(out), 4) << out;  // 10, 20, 30 % and "done in"
  EXPECT_NE(out.find("done in"), std::string::npos);
}

TEST(Progress, QuietPrintsNothing) { EXPECT_EQ(run(ProgressMode::kQuiet, 100), ""); }

TEST(Progress, BarShowsRateAndEta) {
  const std::string out = run(ProgressMode::kBar, 100);
  EXPECT_NE(out.find("ETA"), std::string::npos);
  EXPECT_NE(out.find("/s"), std::string::npos);
  EXPECT_NE(out.find("100%"), std::string::npos);
}

TEST(Progress, DurationFormat) {
  EXPECT_EQ(Progress::format_duration(0), "0:00");
  EXPECT_EQ(Progress::format_duration(75), "1:15");
  EXPECT_EQ(Progress::format_duration(3725), "1:02:05");
}

}  // namespace
}  // namespace kiort
