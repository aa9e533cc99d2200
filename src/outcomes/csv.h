// A CSV reader for tabular follow-up data (RFC 4180): comma-separated fields, optional double
// quotes around a field, "" for a quote inside a quoted field, quoted fields may hold commas and
// line breaks, records end in CRLF or LF. The first record is the header. Every record remembers
// the line it starts on so errors can point at file, line and column.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kiort {

struct CsvTable {
  std::string source;  // file name used in error messages
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each row has header.size() fields
  std::vector<int> lines;                      // the 1-based line each row starts on

  // Index of the column with this header name; throws kiort::Error (bad input) naming the file
  // and the columns that exist when there is none.
  std::size_t column(std::string_view name) const;
};

// Parses CSV text; source names it in errors. Throws kiort::Error (bad input) on an unterminated
// quote, a stray quote inside an unquoted field, a record whose field count differs from the
// header's, an empty or duplicate header name, or no header at all.
CsvTable parse_csv(std::string_view text, std::string source);

// Reads and parses a file; throws kiort::Error (bad input) when it cannot be read.
CsvTable read_csv(const std::filesystem::path& path);

}  // namespace kiort
