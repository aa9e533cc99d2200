// The one CSV module (RFC 4180) for every table kiort reads or writes: registry import/export,
// REDCap files, survival data for `kiort stats`. Comma separated; a field may be quoted with ",
// and must be when it holds a comma, a quote or a line break; "" is a quote inside a quoted field;
// records end in CRLF, LF (or a lone CR); a quoted field may span lines. The text must be UTF-8
// without NUL bytes (a UTF-8 byte-order mark is skipped). Blank lines are no records. Every
// record remembers the line it starts on, so errors name file:line and the field.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kiort {

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Parses a whole file's text into records (the header is the first one). Throws kiort::Error
// (bad input) naming file:line (and the field) for an unterminated quote, text after a closing
// quote, or a quote inside an unquoted field; file:line:column for invalid UTF-8 or a NUL byte.
std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& file);

// A table: the first record is the header; every row has as many fields as the header.
struct CsvTable {
  std::string source;  // file name used in error messages
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lines;  // the 1-based line each row starts on

  // Index of the column with this header name; throws kiort::Error (bad input) naming the file
  // and the columns that exist when there is none.
  std::size_t column(std::string_view name) const;
};

// As parse_csv, and also refuses no header at all, an empty or duplicate header name, and a
// record whose field count differs from the header's.
CsvTable parse_csv_table(std::string_view text, std::string source);
// Reads (read_file_bounded: a regular file of bounded size) and parses a file.
CsvTable read_csv_table(const std::filesystem::path& path);

// Writing: a field quoted when it must be (comma, quote, line break) or when it has a space at
// either edge (which spreadsheet programs trim); a record with a trailing "\n".
std::string csv_field(std::string_view value);
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace kiort
