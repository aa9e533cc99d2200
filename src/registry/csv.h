// CSV as RFC 4180 writes it: comma separated, fields quoted with " when they hold a comma, quote,
// line break or edge space, quotes doubled inside. Records may span lines inside quotes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kiort {

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Parses a whole file's text; throws kiort::Error (bad input) naming file:line for an unterminated
// quote or text after a closing quote.
std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& file);
std::string csv_field(std::string_view value);
std::string csv_line(const std::vector<std::string>& fields);  // with a trailing "\n"

}  // namespace kiort
