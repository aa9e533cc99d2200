#include "outcomes/csv.h"

#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"

namespace kiort {

std::size_t CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string have;
  for (const std::string& h : header) have += (have.empty() ? "" : ", ") + h;
  throw Error::bad_input("no such column")
      .file(source)
      .field("line 1 (header)")
      .seen(std::string(name))
      .expected("one of: " + have);
}

CsvTable parse_csv(std::string_view text, std::string source) {
  CsvTable t;
  t.source = std::move(source);
  // Skip a UTF-8 byte-order mark, which spreadsheet programs like to write.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  std::vector<std::string> record;
  std::string field;
  int line = 1, record_line = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto fail = [&](const std::string& what, int at_line, const std::string& expected) {
    return Error::bad_input(what)
        .file(t.source)
        .field("line " + std::to_string(at_line) + ", field " + std::to_string(record.size() + 1))
        .expected(expected);
  };
  auto end_record = [&] {
    record.push_back(std::move(field));
    field.clear();
    // A blank line (one empty field) is not a record.
    const bool blank = record.size() == 1 && record[0].empty();
    if (!blank) {
      if (t.header.empty()) {
        t.header = std::move(record);
        std::set<std::string> seen;
        for (std::size_t c = 0; c < t.header.size(); ++c) {
          if (t.header[c].empty())
            throw Error::bad_input("empty column name")
                .file(t.source)
                .field("line " + std::to_string(record_line) + ", column " + std::to_string(c + 1))
                .expected("a name for every column");
          if (!seen.insert(t.header[c]).second)
            throw Error::bad_input("duplicate column name")
                .file(t.source)
                .field("line " + std::to_string(record_line) + ", column " + std::to_string(c + 1))
                .seen(t.header[c])
                .expected("unique column names");
        }
      } else {
        if (record.size() != t.header.size())
          throw Error::bad_input("wrong number of fields")
              .file(t.source)
              .field("line " + std::to_string(record_line))
              .seen(std::to_string(record.size()))
              .expected(std::to_string(t.header.size()) + " (as in the header)");
        t.rows.push_back(std::move(record));
        t.lines.push_back(record_line);
      }
    }
    record.clear();
  };

  bool at_field_start = true;
  while (i < n) {
    const char ch = text[i];
    if (at_field_start && ch == '"') {
      // Quoted field: runs to the closing quote; "" is a literal quote.
      const int open_line = line;
      ++i;
      for (;;) {
        if (i >= n) throw fail("unterminated quoted field", open_line, "a closing \"");
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
        throw fail("text after a closing quote", line, "a comma or the end of the line");
      at_field_start = false;
      continue;
    }
    if (ch == ',') {
      record.push_back(std::move(field));
      field.clear();
      at_field_start = true;
      ++i;
    } else if (ch == '\r' || ch == '\n') {
      if (ch == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      end_record();
      ++line;
      record_line = line;
      at_field_start = true;
    } else if (ch == '"') {
      throw fail("quote inside an unquoted field", line,
                 "the whole field in quotes, \"\" for a quote");
    } else {
      field += ch;
      at_field_start = false;
      ++i;
    }
  }
  if (!field.empty() || !record.empty()) end_record();
  if (t.header.empty())
    throw Error::bad_input("empty CSV file").file(t.source).expected("a header line");
  return t;
}

CsvTable read_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error::bad_input("cannot open CSV file").file(path.string()).expected("a readable file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error::bad_input("cannot read CSV file").file(path.string());
  return parse_csv(ss.str(), path.string());
}

}  // namespace kiort
