#include "outcomes/survival_data.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "core/error.h"

namespace kiort {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::optional<double> parse_number(const std::string& raw) {
  const std::string s = trim(raw);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const char* first = s.data();
  if (*first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool is_missing(const std::string& raw) {
  const std::string s = trim(raw);
  return s.empty() || s == "NA";
}

std::string where(const CsvTable& t, std::size_t row, std::size_t col) {
  return "line " + std::to_string(t.lines[row]) + ", column '" + t.header[col] + "' (" +
         std::to_string(col + 1) + ")";
}

}  // namespace

SurvivalData survival_data_from_csv(const CsvTable& t, const SurvivalColumns& cols) {
  const std::size_t tc = t.column(cols.time);
  const std::size_t ec = t.column(cols.event);
  const bool grouped = !cols.group.empty();
  const std::size_t gc = grouped ? t.column(cols.group) : 0;
  std::vector<std::size_t> cc;
  for (const std::string& c : cols.covariates) cc.push_back(t.column(c));

  if (t.rows.empty())
    throw Error::bad_input("no data rows")
        .file(t.source)
        .expected("at least one row after the header");

  SurvivalData d;
  d.covariate_names = cols.covariates;
  std::vector<double> codes;
  std::vector<std::size_t> code_rows;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    std::vector<double> cov;
    bool omit = false;
    for (std::size_t k = 0; k < cc.size(); ++k) {
      const std::string& cell = row[cc[k]];
      if (is_missing(cell)) {
        omit = true;
        continue;
      }
      const auto v = parse_number(cell);
      if (!v)
        throw Error::bad_input("non-numeric covariate")
            .file(t.source)
            .field(where(t, r, cc[k]))
            .seen(cell)
            .expected("a number (or NA / empty for missing)");
      cov.push_back(*v);
    }

    const auto time = parse_number(row[tc]);
    if (!time)
      throw Error::bad_input(is_missing(row[tc]) ? "missing survival time"
                                                 : "non-numeric survival time")
          .file(t.source)
          .field(where(t, r, tc))
          .seen(row[tc])
          .expected("a number >= 0");
    if (*time < 0)
      throw Error::bad_input("negative survival time")
          .file(t.source)
          .field(where(t, r, tc))
          .seen(row[tc])
          .expected("a number >= 0");
    const auto code = parse_number(row[ec]);
    if (!code || (*code != 0 && *code != 1 && *code != 2))
      throw Error::bad_input("invalid event code")
          .file(t.source)
          .field(where(t, r, ec))
          .seen(row[ec])
          .expected("0/1 (0 censored, 1 event) or 1/2 (1 censored, 2 event)");
    std::string group;
    if (grouped) {
      group = trim(row[gc]);
      if (group.empty() || group == "NA")
        throw Error::bad_input("empty group")
            .file(t.source)
            .field(where(t, r, gc))
            .seen(row[gc])
            .expected("a group label");
    }
    if (omit) {
      ++d.n_omitted;
      continue;
    }
    d.time.push_back(*time);
    codes.push_back(*code);
    code_rows.push_back(r);
    if (grouped) d.group.push_back(group);
    d.covariates.insert(d.covariates.end(), cov.begin(), cov.end());
  }
  if (d.time.empty())
    throw Error::bad_input("no complete rows: every row misses a covariate")
        .file(t.source)
        .expected("at least one row with all covariates present");

  // R's Surv: when the largest code is 2 the coding is 1/2; a 0 then cannot be interpreted.
  d.event_coded_1_2 = *std::max_element(codes.begin(), codes.end()) == 2;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (d.event_coded_1_2 && codes[i] == 0)
      throw Error::bad_input("event code 0 in a column coded 1/2 (it also holds a 2)")
          .file(t.source)
          .field(where(t, code_rows[i], ec))
          .seen(t.rows[code_rows[i]][ec])
          .expected("either 0/1 or 1/2 coding throughout the column");
    d.event.push_back(static_cast<int>(d.event_coded_1_2 ? codes[i] - 1 : codes[i]));
  }

  if (grouped) {
    std::set<std::string> names(d.group.begin(), d.group.end());
    d.group_names.assign(names.begin(), names.end());
    const bool numeric =
        std::all_of(d.group_names.begin(), d.group_names.end(),
                    [](const std::string& s) { return parse_number(s).has_value(); });
    if (numeric)
      std::stable_sort(d.group_names.begin(), d.group_names.end(),
                       [](const std::string& a, const std::string& b) {
                         return *parse_number(a) < *parse_number(b);
                       });
    for (const std::string& g : d.group) {
      const auto it = std::find(d.group_names.begin(), d.group_names.end(), g);
      d.group_index.push_back(static_cast<int>(it - d.group_names.begin()));
    }
  }
  return d;
}

}  // namespace kiort
