#include "core/csv.h"

#include <cstdint>
#include <cstdio>
#include <set>

#include "core/error.h"
#include "core/read_file.h"

namespace kiort {
namespace {

// Text is stored and compared as UTF-8: an invalid byte sequence (a Latin-1 export, a truncated
// file) or a NUL (which cut the text short in SQLite) is refused with file, line and column
// (counted in characters), never passed on. Overlong forms, surrogates and code points past
// U+10FFFF are invalid (RFC 3629).
void check_utf8(std::string_view text, const std::string& file) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    auto fail = [&](const char* what) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      return Error::bad_input(what)
          .file(file + ":" + std::to_string(line) + ":" + std::to_string(column))
          .seen(std::string("byte ") + hex)
          .expected("UTF-8 text without NUL bytes (save the file as UTF-8)");
    };
    if (c == 0) throw fail("NUL byte in the text");
    const std::size_t n = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
    if (n == 0 || i + n > text.size()) throw fail("invalid UTF-8");
    std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d >> 6) != 0x2) throw fail("invalid UTF-8");
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      throw fail("invalid UTF-8");
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
}

}  // namespace

std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& file) {
  // A UTF-8 byte-order mark, which spreadsheet programs like to write.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  check_utf8(text, file);

  std::vector<CsvRecord> out;
  CsvRecord rec;
  rec.line = 1;
  std::string field;
  int line = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto fail = [&](const std::string& what, int at_line, const std::string& expected) {
    return Error::bad_input(what)
        .file(file + ":" + std::to_string(at_line))
        .field("field " + std::to_string(rec.fields.size() + 1))
        .expected(expected);
  };
  auto end_record = [&] {
    rec.fields.push_back(std::move(field));
    field.clear();
    // A blank line (one empty field) is no record.
    if (!(rec.fields.size() == 1 && rec.fields[0].empty())) out.push_back(std::move(rec));
    rec = CsvRecord{};
  };

  bool at_field_start = true;
  bool pending = false;  // a record has begun (a field or a comma seen)
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
      pending = true;
      continue;
    }
    if (ch == ',') {
      rec.fields.push_back(std::move(field));
      field.clear();
      at_field_start = true;
      pending = true;
      ++i;
    } else if (ch == '\r' || ch == '\n') {
      if (ch == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      end_record();
      ++line;
      rec.line = line;
      at_field_start = true;
      pending = false;
    } else if (ch == '"') {
      throw fail("quote inside an unquoted field", line,
                 "the whole field in quotes, \"\" for a quote (RFC 4180)");
    } else {
      field += ch;
      at_field_start = false;
      pending = true;
      ++i;
    }
  }
  if (pending) end_record();
  return out;
}

std::size_t CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string have;
  for (const std::string& h : header) have += (have.empty() ? "" : ", ") + h;
  throw Error::bad_input("no such column")
      .file(source + ":1")
      .field("header")
      .seen(std::string(name))
      .expected("one of: " + have);
}

CsvTable parse_csv_table(std::string_view text, std::string source) {
  CsvTable t;
  t.source = std::move(source);
  std::vector<CsvRecord> recs = parse_csv(text, t.source);
  if (recs.empty())
    throw Error::bad_input("empty CSV file").file(t.source).expected("a header line");
  t.header = std::move(recs[0].fields);
  std::set<std::string> seen;
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    const std::string where = t.source + ":" + std::to_string(recs[0].line);
    if (t.header[c].empty())
      throw Error::bad_input("empty column name")
          .file(where)
          .field("column " + std::to_string(c + 1))
          .expected("a name for every column");
    if (!seen.insert(t.header[c]).second)
      throw Error::bad_input("duplicate column name")
          .file(where)
          .field("column " + std::to_string(c + 1))
          .seen(t.header[c])
          .expected("unique column names");
  }
  for (std::size_t r = 1; r < recs.size(); ++r) {
    if (recs[r].fields.size() != t.header.size())
      throw Error::bad_input("wrong number of fields")
          .file(t.source + ":" + std::to_string(recs[r].line))
          .seen(std::to_string(recs[r].fields.size()))
          .expected(std::to_string(t.header.size()) + " (as in the header)");
    t.rows.push_back(std::move(recs[r].fields));
    t.lines.push_back(recs[r].line);
  }
  return t;
}

CsvTable read_csv_table(const std::filesystem::path& path) {
  return parse_csv_table(read_file_bounded(path, kMaxInputFileBytes, "CSV file"), path.string());
}

std::string csv_field(std::string_view v) {
  const bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!quote) return std::string(v);
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_field(fields[i]);
  }
  out += '\n';
  return out;
}

}  // namespace kiort
