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

// Distinct labels sorted as R sorts factor levels here (numerically when all are numbers), and
// each row's index into them.
void index_labels(const std::vector<std::string>& labels, std::vector<std::string>& names,
                  std::vector<int>& index) {
  std::set<std::string> distinct(labels.begin(), labels.end());
  names.assign(distinct.begin(), distinct.end());
  const bool numeric = std::all_of(
      names.begin(), names.end(), [](const std::string& x) { return parse_number(x).has_value(); });
  if (numeric)
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      return *parse_number(a) < *parse_number(b);
    });
  index.clear();
  for (const std::string& g : labels) {
    const auto it = std::find(names.begin(), names.end(), g);
    index.push_back(static_cast<int>(it - names.begin()));
  }
}

}  // namespace

SurvivalData survival_data_from_csv(const CsvTable& t, const SurvivalColumns& cols) {
  const std::size_t tc = t.column(cols.time);
  const std::size_t ec = t.column(cols.event);
  const bool grouped = !cols.group.empty();
  const std::size_t gc = grouped ? t.column(cols.group) : 0;
  std::vector<std::size_t> cc;
  for (const std::string& c : cols.covariates) cc.push_back(t.column(c));
  const bool stratified = !cols.strata.empty();
  const std::size_t sc = stratified ? t.column(cols.strata) : 0;
  std::vector<std::size_t> fc;
  for (const std::string& c : cols.factors) fc.push_back(t.column(c));
  std::vector<std::vector<std::string>> factor_labels(fc.size());
  std::vector<std::string> strata_labels;

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
    std::string stratum;
    if (stratified) {
      stratum = trim(row[sc]);
      if (stratum.empty() || stratum == "NA")
        throw Error::bad_input("empty stratum")
            .file(t.source)
            .field(where(t, r, sc))
            .seen(row[sc])
            .expected("a stratum label");
    }
    std::vector<std::string> levels;
    for (std::size_t k = 0; k < fc.size(); ++k) {
      if (is_missing(row[fc[k]])) omit = true;  // na.omit, as for numeric covariates
      levels.push_back(trim(row[fc[k]]));
    }
    if (omit) {
      ++d.n_omitted;
      continue;
    }
    d.time.push_back(*time);
    codes.push_back(*code);
    code_rows.push_back(r);
    if (grouped) d.group.push_back(group);
    if (stratified) strata_labels.push_back(stratum);
    for (std::size_t k = 0; k < fc.size(); ++k) factor_labels[k].push_back(levels[k]);
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

  if (grouped) index_labels(d.group, d.group_names, d.group_index);
  if (stratified) index_labels(strata_labels, d.strata_names, d.strata_index);
  // Factors: treatment contrasts as R's model.matrix, the first level the reference, one 0/1
  // column per other level named <column><level> (celltypelarge), after the numeric covariates.
  if (!fc.empty()) {
    const std::size_t n = d.time.size(), p0 = cols.covariates.size();
    std::vector<std::vector<int>> idx(fc.size());
    std::size_t width = p0;
    for (std::size_t k = 0; k < fc.size(); ++k) {
      std::vector<std::string> names;
      index_labels(factor_labels[k], names, idx[k]);
      if (names.size() < 2)
        throw Error::bad_input("a factor with a single level")
            .file(t.source)
            .field("column '" + cols.factors[k] + "'")
            .seen(names.empty() ? "" : names[0])
            .expected("at least two levels");
      for (std::size_t l = 1; l < names.size(); ++l)
        d.covariate_names.push_back(cols.factors[k] + names[l]);
      width += names.size() - 1;
    }
    std::vector<double> x(n * width, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      std::copy_n(d.covariates.begin() + static_cast<std::ptrdiff_t>(i * p0), p0,
                  x.begin() + static_cast<std::ptrdiff_t>(i * width));
      std::size_t col = p0;
      for (std::size_t k = 0; k < fc.size(); ++k) {
        const std::size_t n_levels =
            static_cast<std::size_t>(*std::max_element(idx[k].begin(), idx[k].end()) + 1);
        if (idx[k][i] > 0) x[i * width + col + static_cast<std::size_t>(idx[k][i]) - 1] = 1;
        col += n_levels - 1;
      }
    }
    d.covariates = std::move(x);
  }
  return d;
}

}  // namespace kiort
