// The registry's schema as data: every table and column with its type, limits and meaning, and the
// versioned migrations that build it. Storage, validation, CSV and the CLI are all driven by this
// one description, so a column is declared once. Never edit a released migration: add a new one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiort {

enum class ColumnType {
  kId,   // integer primary key
  kRef,  // integer foreign key (ColumnSpec::references names the table)
  kInt,
  kReal,
  kText,
  kDate,    // YYYY-MM-DD
  kChoice,  // one of ColumnSpec::choices
  kItems,   // questionnaire item answers, comma separated (empty = item missing)
  kJson,    // JSON text (dwell positions and times)
};

struct ItemSpec {
  int count = 0;         // number of items
  int min = 0, max = 0;  // range of an item answer
  int wide_from = 0;     // 1-based item number from which wide_max applies (0: none)
  int wide_max = 0;
};

struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::kText;
  std::string description;
  bool not_null = false;  // hard: entry is refused without it
  bool required = false;  // soft: `registry check` reports it missing (REDCap "required") as
                          // completeness (not recorded), never as an error
  bool key = false;       // ... and as a warning: a main result of the series needs it
  bool computed = false;  // written by kiort (scores, conversions), never by the user
  std::optional<double> min, max;            // hard limits (impossible values)
  std::optional<double> soft_min, soft_max;  // plausibility limits (`registry check`)
  std::vector<std::string> choices;          // kChoice
  std::string references;                    // kRef: table name
  ItemSpec items;                            // kItems
};

struct TableSpec {
  std::string name;      // SQL table and CSV file stem
  std::string form;      // the form's name as `check` reports it
  std::string singular;  // CLI noun (patient, procedure, ...)
  std::string description;
  std::vector<ColumnSpec> columns;
  bool config = false;  // configuration table seeded by a migration (import updates by id)
  const ColumnSpec* column(std::string_view name) const;
  std::vector<std::string> column_names() const;
};

// Data tables in dependency order (a table only references tables before it). Excludes the
// bookkeeping tables `audit` and `schema_migrations`.
const std::vector<TableSpec>& registry_tables();
const TableSpec& table_spec(std::string_view name);  // throws bad_input for an unknown name
const TableSpec* find_table(std::string_view name_or_singular);

// The columns of the audit table, in order (for export).
const std::vector<std::string>& audit_columns();

struct Migration {
  int version;
  std::string description;
  std::string sql;  // dialect tokens: {PK} {INT} {REAL} {TEXT}, expanded per backend
};
const std::vector<Migration>& migrations();
int current_schema_version();

// Turns user text into the canonical stored text of a column (trimmed; numbers reformatted;
// dates checked; choices and items validated against the hard limits). Empty text means NULL.
// Throws kiort::Error (bad input) naming the table.column, the value and what was expected.
std::optional<std::string> canonical_value(const TableSpec& table, const ColumnSpec& col,
                                           std::string_view text);
// Markdown tables of every registry table's columns (docs/registry.md embeds this output).
std::string schema_markdown();

// Shortest text that reads back as the same double.
std::string format_real(double v);

}  // namespace kiort
