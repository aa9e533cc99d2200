// The one CSV reader and writer (core/csv.h, RFC 4180) that the registry, the REDCap files and
// `kiort stats` share: quoting, line counting, blank lines, and every malformed input named by
// file:line and field.
#include "core/csv.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace kiort {
namespace {

// RFC 4180 section 2: quoted fields with commas, doubled quotes and line breaks; CRLF or LF.
TEST(Csv, QuotingPerRfc4180) {
  const CsvTable t = parse_csv_table(
      "id,name,note\r\n1,\"Smith, J\",\"said \"\"ok\"\"\"\r\n2,plain,\"two\nlines\"\n3,,\n",
      "x.csv");
  ASSERT_EQ(t.header.size(), 3u);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0][1], "Smith, J");
  EXPECT_EQ(t.rows[0][2], "said \"ok\"");
  EXPECT_EQ(t.rows[1][2], "two\nlines");
  EXPECT_EQ(t.rows[2][1], "");
  EXPECT_EQ(t.lines[0], 2);
  EXPECT_EQ(t.lines[1], 3);
  EXPECT_EQ(t.lines[2], 5);  // the quoted line break moved the next record to line 5
  EXPECT_EQ(t.column("note"), 2u);
}

TEST(Csv, LastLineWithoutNewlineBlankLinesAndBom) {
  const CsvTable t = parse_csv_table(
      "\xEF\xBB\xBF"
      "a,b\n\n1,2\n\n3,4",
      "x.csv");
  EXPECT_EQ(t.header[0], "a");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1][1], "4");
  EXPECT_EQ(t.lines[1], 5);
  // A trailing comma is an empty last field; a lone CR (old spreadsheet files) ends a record.
  const auto recs = parse_csv("a,b,\rc,d,e\r\n", "y.csv");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields, (std::vector<std::string>{"a", "b", ""}));
  EXPECT_EQ(recs[1].line, 2);
}

TEST(Csv, QuotesWhatNeedsQuotingAndReadsItBack) {
  const std::vector<std::string> f = {"plain", "a,b", "say \"hi\"", "two\nlines", "", " edge"};
  const std::string line = csv_line(f);
  EXPECT_EQ(line, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\" edge\"\n");
  const auto recs = parse_csv("h1,h2\r\n" + line + "x,y\n", "t.csv");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].fields, f);
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_EQ(recs[2].line, 4);  // the quoted line break counts
  EXPECT_EQ(recs[0].fields.back(), "h2");
}

void expect_bad(const std::string& text, const std::string& needle, bool table = true) {
  try {
    if (table)
      parse_csv_table(text, "bad.csv");
    else
      parse_csv(text, "bad.csv");
    FAIL() << "no error for: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Csv, MalformedInputNamesFileLineAndField) {
  expect_bad("a,b\n1,\"open\n", "bad.csv:2: field 2: unterminated quoted field");
  expect_bad("a,b\n1,2\n3\n", "bad.csv:3: wrong number of fields: got '1', expected 2");
  expect_bad("a,b\n1,x\"y\n", "bad.csv:2: field 2: quote inside an unquoted field");
  expect_bad("a,b\n\"1\"x,2\n", "bad.csv:2: field 1: text after a closing quote");
  expect_bad("", "bad.csv: empty CSV file");
  expect_bad("a,a\n1,2\n", "bad.csv:1: column 2: duplicate column name");
  expect_bad("a,,c\n", "bad.csv:1: column 2: empty column name");
  // Text must be UTF-8 without NUL: line and column (in characters) of the first bad byte.
  expect_bad("a,b\n\xC3\xA9,\xE9\n", "bad.csv:2:3: invalid UTF-8: got 'byte 0xE9'", false);
  expect_bad(std::string("a,b\n1,x\0y\n", 10), "bad.csv:2:4: NUL byte", false);
  expect_bad("a\n\xC0\xAF\n", "bad.csv:2:1: invalid UTF-8", false);  // overlong '/'
  // No such column lists the ones there are.
  const CsvTable t = parse_csv_table("a,b\n", "ok.csv");
  EXPECT_TRUE(t.rows.empty());
  try {
    t.column("c");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("one of: a, b"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kiort
