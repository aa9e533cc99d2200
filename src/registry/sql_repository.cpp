#include "registry/sql_repository.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "registry/scores.h"

namespace kiort {
namespace {

// Natural keys that must be unique, checked before writing so that the message names the field.
const std::vector<std::vector<std::string>>& unique_keys(const std::string& table) {
  static const std::map<std::string, std::vector<std::vector<std::string>>> keys = {
      {"patients", {{"pseudonym"}}},
      {"levels", {{"procedure_id", "level"}}},
      {"vital_status", {{"patient_id"}}},
      {"visit_schedule", {{"event"}}},
      {"opioid_conversion", {{"drug", "route"}}},
  };
  static const std::vector<std::vector<std::string>> none;
  const auto it = keys.find(table);
  return it == keys.end() ? none : it->second;
}

std::string now_utc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

SqlValue bind_value(const ColumnSpec& c, const std::optional<std::string>& v) {
  if (!v) return std::monostate{};
  switch (c.type) {
    case ColumnType::kId:
    case ColumnType::kRef:
    case ColumnType::kInt:
      return static_cast<std::int64_t>(std::stoll(*v));
    case ColumnType::kReal:
      return std::stod(*v);
    default:
      return *v;
  }
}

std::string column_list(const TableSpec& t) {
  std::string s;
  for (const ColumnSpec& c : t.columns) s += (s.empty() ? "" : ", ") + c.name;
  return s;
}

const std::optional<std::string>& at(const Row& r, const std::string& k) {
  static const std::optional<std::string> none;
  const auto it = r.find(k);
  return it == r.end() ? none : it->second;
}

int to_int(const std::optional<std::string>& v) {
  return std::stoi(*v);
}

// Runs fn in a transaction; rolls back on any exception and turns database errors into bad input.
// Inside Repository::transaction() (open set) fn joins the open transaction instead: its errors
// go up to transaction(), which rolls everything back.
template <typename Fn>
auto in_transaction(SqlConnection& c, bool open, Fn&& fn) {
  if (open) return fn();
  c.begin();
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      c.commit();
    } else {
      auto r = fn();
      c.commit();
      return r;
    }
  } catch (const Error&) {
    try {
      c.rollback();
    } catch (...) {
    }
    throw;
  } catch (const std::exception& e) {
    try {
      c.rollback();
    } catch (...) {
    }
    throw Error::bad_input("the database refused the change").seen(e.what());
  }
}

}  // namespace

void check_pain_instrument(const Row& row) {
  const auto& score = at(row, "pain_score");
  const auto& instrument = at(row, "pain_instrument");
  if (score && !instrument)
    throw Error::bad_input("pain_score without its instrument")
        .field("visits.pain_instrument")
        .expected("nrs, vas_mm or bpi_worst");
  if (score && instrument) {
    const double hi = *instrument == "vas_mm" ? 100 : 10;
    if (std::stod(*score) > hi)
      throw Error::bad_input("pain score outside its instrument's scale")
          .field("visits.pain_score")
          .seen(*score + " (" + *instrument + ")")
          .expected("0 to " + format_real(hi));
  }
}

SqlRepository::SqlRepository(std::unique_ptr<SqlConnection> conn) : conn_(std::move(conn)) {}

int SqlRepository::schema_version() {
  if (!conn_->has_table("schema_migrations")) return 0;
  const auto rows = conn_->query("SELECT MAX(version) FROM schema_migrations");
  return rows.empty() || !rows[0][0] ? 0 : std::stoi(*rows[0][0]);
}

void SqlRepository::migrate(int target) {
  if (!conn_->has_table("schema_migrations")) {
    in_transaction(*conn_, in_transaction_, [&] {
      conn_->execute_script(conn_->expand(
          "CREATE TABLE schema_migrations (version {INT} PRIMARY KEY, description {TEXT} NOT "
          "NULL, applied_at {TEXT} NOT NULL)"));
    });
  }
  const int have = schema_version();
  if (have > current_schema_version())
    throw Error::bad_input("the registry was written by a newer kiort")
        .field("schema_migrations.version")
        .seen(std::to_string(have))
        .expected("at most " + std::to_string(current_schema_version()));
  for (const Migration& m : migrations()) {
    if (m.version <= have || m.version > target) continue;
    in_transaction(*conn_, in_transaction_, [&] {
      conn_->execute_script(conn_->expand(m.sql));
      for (const TableSpec& t : registry_tables())  // migrations seed rows with explicit ids
        if (conn_->has_table(t.name)) conn_->after_explicit_ids(t.name);
      conn_->query(
          "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
          {static_cast<std::int64_t>(m.version), m.description, now_utc()});
    });
  }
}

void SqlRepository::audit(const std::string& user, const std::string& when,
                          const std::string& table, std::int64_t row_id, const std::string& action,
                          const std::string& field, const std::optional<std::string>& old_value,
                          const std::optional<std::string>& new_value) {
  auto v = [](const std::optional<std::string>& s) -> SqlValue {
    if (!s) return std::monostate{};
    return *s;
  };
  conn_->query(
      "INSERT INTO audit (user_name, changed_at, table_name, row_id, action, field, old_value, "
      "new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {user, when, table, row_id, action, field, v(old_value), v(new_value)});
}

std::optional<Row> SqlRepository::get_row(const TableSpec& t, std::int64_t id) {
  const auto rows =
      conn_->query("SELECT " + column_list(t) + " FROM " + t.name + " WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  Row r;
  for (std::size_t i = 0; i < t.columns.size(); ++i) r[t.columns[i].name] = rows[0][i];
  return r;
}

void SqlRepository::check_references(const TableSpec& t, const Row& row) {
  for (const ColumnSpec& c : t.columns) {
    if (c.type != ColumnType::kRef) continue;
    const auto& v = at(row, c.name);
    if (!v) continue;
    if (conn_->query("SELECT id FROM " + c.references + " WHERE id = ?", {std::stoll(*v)}).empty())
      throw Error::bad_input("unknown " + table_spec(c.references).singular)
          .field(t.name + "." + c.name)
          .seen(*v)
          .expected("the id of an existing " + c.references + " row");
  }
}

void SqlRepository::check_unique(const TableSpec& t, const Row& row, std::int64_t self_id) {
  for (const auto& key : unique_keys(t.name)) {
    std::string where;
    std::vector<SqlValue> params;
    bool complete = true;
    std::string shown;
    for (const std::string& k : key) {
      const auto& v = at(row, k);
      if (!v) complete = false;
      where += std::string(where.empty() ? "" : " AND ") + k + " = ?";
      params.push_back(bind_value(*t.column(k), v));
      shown += (shown.empty() ? "" : ", ") + v.value_or("");
    }
    if (!complete) continue;
    params.push_back(self_id);
    if (!conn_->query("SELECT id FROM " + t.name + " WHERE " + where + " AND id <> ?", params)
             .empty())
      throw Error::bad_input("duplicate " + t.singular)
          .field(t.name + "." + key.back())
          .seen(shown)
          .expected("a value not already in the registry");
  }
}

Row SqlRepository::prepare(const TableSpec& t, const Row& given, const Row* existing, Mode mode) {
  Row row;
  if (existing) row = *existing;
  Row given_computed;
  for (const auto& [name, value] : given) {
    const ColumnSpec* c = t.column(name);
    if (!c)
      throw Error::bad_input("unknown column")
          .field(t.name + "." + name)
          .expected("one of " + column_list(t));
    if (c->type == ColumnType::kId && mode != Mode::kImport)
      throw Error::bad_input("the id is assigned by the registry").field(t.name + ".id");
    if (c->computed) {
      if (mode != Mode::kImport)
        throw Error::bad_input("computed by kiort, not entered").field(t.name + "." + name);
      if (value) given_computed[name] = canonical_value(t, *c, *value);
      continue;
    }
    row[name] = value ? canonical_value(t, *c, *value) : std::nullopt;
    if (!row[name] && c->not_null)
      throw Error::bad_input("missing value").field(t.name + "." + name).expected("a value");
  }
  if (mode == Mode::kImport && !at(row, "id"))
    throw Error::bad_input("missing value").field(t.name + ".id").expected("a row id");

  // Every NOT NULL column is present from here on (the rules below rely on it).
  for (const ColumnSpec& c : t.columns)
    if (c.not_null && !at(row, c.name))
      throw Error::bad_input("missing value").field(t.name + "." + c.name).expected("a value");

  // Computed columns and rules that tie columns together.
  if (t.name == "patients") {
    const std::string& p = *at(row, "pseudonym");
    row["site"] = p.substr(0, p.find('-'));
    // A coded primary gives the Tokuhashi category; an entered one must agree with the code.
    if (const auto& icd = at(row, "primary_icd10")) {
      const std::string derived = *primary_site_of_icd10(*icd);
      // (An edit that changes only the code takes the new category.)
      const bool site_given = given.count("primary_site") && at(given, "primary_site");
      if (site_given && *at(row, "primary_site") != derived)
        throw Error::bad_input("primary_site disagrees with primary_icd10")
            .field("patients.primary_site")
            .seen(*at(row, "primary_site") + " for " + *icd)
            .expected(derived + " (or leave primary_site empty)");
      row["primary_site"] = derived;
    }
    const auto& bd = at(row, "birth_date");
    if (bd) {
      const std::string year = bd->substr(0, 4);
      if (at(row, "birth_year") && *at(row, "birth_year") != std::to_string(std::stoi(year)))
        throw Error::bad_input("birth_year disagrees with birth_date")
            .field("patients.birth_year")
            .seen(*at(row, "birth_year"))
            .expected(year);
      row["birth_year"] = std::to_string(std::stoi(year));
    }
    bool all_sins = true;
    for (const char* k : {"sins_location", "sins_pain", "sins_lesion", "sins_alignment",
                          "sins_collapse", "sins_posterolateral"})
      all_sins = all_sins && at(row, k).has_value();
    row["sins_score"] = std::nullopt;
    if (all_sins)
      row["sins_score"] =
          std::to_string(sins_score({*at(row, "sins_location"), *at(row, "sins_pain"),
                                     *at(row, "sins_lesion"), *at(row, "sins_alignment"),
                                     *at(row, "sins_collapse"), *at(row, "sins_posterolateral")}));
    bool all_tok = true;
    for (const char* k : {"kps", "primary_site", "tok_extraspinal_bone_mets", "tok_vertebral_mets",
                          "tok_visceral_mets", "tok_palsy_frankel"})
      all_tok = all_tok && at(row, k).has_value();
    row["tokuhashi_score"] = std::nullopt;
    if (all_tok)
      row["tokuhashi_score"] = std::to_string(
          tokuhashi_score({.kps = to_int(at(row, "kps")),
                           .extraspinal_bone_mets = to_int(at(row, "tok_extraspinal_bone_mets")),
                           .vertebral_mets = to_int(at(row, "tok_vertebral_mets")),
                           .visceral_mets = *at(row, "tok_visceral_mets"),
                           .primary_site = *at(row, "primary_site"),
                           .palsy_frankel = *at(row, "tok_palsy_frankel")}));
  } else if (t.name == "analgesics") {
    const auto conv =
        conn_->query("SELECT dose_unit, factor FROM opioid_conversion WHERE drug = ? AND route = ?",
                     {*at(row, "drug"), *at(row, "route")});
    if (conv.empty())
      throw Error::bad_input("no recorded oral morphine conversion for this drug and route")
          .field("analgesics.drug")
          .seen(*at(row, "drug") + " " + *at(row, "route"))
          .expected("a drug and route of the opioid_conversion table");
    row["dose_unit"] = conv[0][0];
    row["ome_factor"] = conv[0][1];
    row["ome_mg_day"] = format_real(std::stod(*at(row, "daily_dose")) * std::stod(*conv[0][1]));
  } else if (t.name == "complications") {
    // A leak's location may be unknown (a study that reports "minor cement leak in 4 cases"):
    // `registry check` lists it under completeness.
    const bool leak = *at(row, "type") == "cement_leak";
    if (!leak && at(row, "leak_location"))
      throw Error::bad_input("leak_location is only for type cement_leak")
          .field("complications.leak_location")
          .seen(*at(row, "leak_location"))
          .expected("empty");
  } else if (t.name == "visits" && conn_->has_table("visit_schedule")) {
    check_pain_instrument(row);
    const std::string& ev = *at(row, "event");
    // A recurring event's visits are <event>_<n> (n = 1, 2, ...).
    const std::size_t us = ev.rfind('_');
    const bool recurring =
        us != std::string::npos && us + 1 < ev.size() && ev[us + 1] != '0' &&
        ev.find_first_not_of("0123456789", us + 1) == std::string::npos &&
        !conn_
             ->query("SELECT id FROM visit_schedule WHERE event = ? AND repeat_days IS NOT NULL",
                     {ev.substr(0, us)})
             .empty();
    if (ev != "unscheduled" && !recurring &&
        conn_->query("SELECT id FROM visit_schedule WHERE event = ? AND repeat_days IS NULL", {ev})
            .empty())
      throw Error::bad_input("unknown visit event")
          .field("visits.event")
          .seen(ev)
          .expected(
              "an event of visit_schedule (postop, w2, m1, m2, m6, late_1, late_2, ... by "
              "default) or unscheduled");
  }

  if (mode == Mode::kImport) {
    for (const auto& [name, value] : given_computed) {
      const auto& mine = at(row, name);
      bool same = mine == value;
      if (!same && mine && value && t.column(name)->type == ColumnType::kReal)
        same =
            std::fabs(std::stod(*mine) - std::stod(*value)) <= 1e-9 * std::fabs(std::stod(*mine));
      if (!same)
        throw Error::bad_input("computed value disagrees with kiort's")
            .field(t.name + "." + name)
            .seen(value.value_or(""))
            .expected(mine.value_or("empty") + " (or leave the column empty)");
    }
  }
  check_references(t, row);
  return row;
}

std::int64_t SqlRepository::write_insert(const TableSpec& t, const Row& full, bool explicit_id,
                                         const std::string& user, const std::string& when,
                                         bool audited) {
  std::string cols, marks;
  std::vector<SqlValue> params;
  // Ids are never reused (issue 18: after a delete of the highest id SQLite's rowid handed it out
  // again, and the audit trail of visits/59 mixed two records). SQLite: the next id is above both
  // the table's and every id the append-only audit trail has seen for the table (this covers
  // registries made before AUTOINCREMENT). PostgreSQL's identity columns never reuse.
  std::optional<std::int64_t> next_id;
  if (!explicit_id && conn_->dialect() == "sqlite") {
    const auto r =
        conn_->query("SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM " + t.name +
                         " UNION ALL SELECT MAX(row_id) AS m FROM audit WHERE table_name = ?)",
                     {t.name});
    next_id = (r.empty() || !r[0][0] ? 0 : std::stoll(*r[0][0])) + 1;
  }
  for (const ColumnSpec& c : t.columns) {
    if (c.type == ColumnType::kId && !explicit_id) {
      if (!next_id) continue;
      cols += (cols.empty() ? "" : ", ") + c.name;
      marks += marks.empty() ? "?" : ", ?";
      params.push_back(*next_id);
      continue;
    }
    cols += (cols.empty() ? "" : ", ") + c.name;
    marks += marks.empty() ? "?" : ", ?";
    params.push_back(bind_value(c, at(full, c.name)));
  }
  const auto rows = conn_->query(
      "INSERT INTO " + t.name + " (" + cols + ") VALUES (" + marks + ") RETURNING id", params);
  const std::int64_t id = std::stoll(*rows.at(0).at(0));
  if (!audited) return id;
  for (const ColumnSpec& c : t.columns) {
    const std::optional<std::string> v = c.type == ColumnType::kId
                                             ? std::optional<std::string>(std::to_string(id))
                                             : at(full, c.name);
    if (v) audit(user, when, t.name, id, "insert", c.name, std::nullopt, v);
  }
  return id;
}

void SqlRepository::write_update(const TableSpec& t, std::int64_t id, const Row& before,
                                 const Row& after, const std::string& user,
                                 const std::string& when) {
  std::string sets;
  std::vector<SqlValue> params;
  for (const ColumnSpec& c : t.columns) {
    if (c.type == ColumnType::kId || at(before, c.name) == at(after, c.name)) continue;
    sets += (sets.empty() ? "" : ", ") + c.name + " = ?";
    params.push_back(bind_value(c, at(after, c.name)));
    audit(user, when, t.name, id, "update", c.name, at(before, c.name), at(after, c.name));
  }
  if (sets.empty()) return;
  params.push_back(id);
  conn_->query("UPDATE " + t.name + " SET " + sets + " WHERE id = ?", params);
}

std::int64_t SqlRepository::insert(const std::string& table, const Row& values,
                                   const std::string& user) {
  const TableSpec& t = table_spec(table);
  return in_transaction(*conn_, in_transaction_, [&] {
    const Row full = prepare(t, values, nullptr, Mode::kInsert);
    check_unique(t, full, 0);
    return write_insert(t, full, false, user, now_utc());
  });
}

void SqlRepository::update(const std::string& table, std::int64_t id, const Row& changes,
                           const std::string& user) {
  const TableSpec& t = table_spec(table);
  in_transaction(*conn_, in_transaction_, [&] {
    const auto before = get_row(t, id);
    if (!before)
      throw Error::bad_input("no such " + t.singular)
          .field(t.name + ".id")
          .seen(std::to_string(id));
    const Row after = prepare(t, changes, &*before, Mode::kUpdate);
    check_unique(t, after, id);
    write_update(t, id, *before, after, user, now_utc());
  });
}

void SqlRepository::remove(const std::string& table, std::int64_t id, const std::string& user) {
  const TableSpec& t = table_spec(table);
  in_transaction(*conn_, in_transaction_, [&] {
    const auto before = get_row(t, id);
    if (!before)
      throw Error::bad_input("no such " + t.singular)
          .field(t.name + ".id")
          .seen(std::to_string(id));
    // Refuse while other rows point here, naming them, rather than relying on the engine's text.
    for (const TableSpec& other : registry_tables())
      for (const ColumnSpec& c : other.columns)
        if (c.type == ColumnType::kRef && c.references == t.name &&
            !conn_->query("SELECT id FROM " + other.name + " WHERE " + c.name + " = ?", {id})
                 .empty())
          throw Error::bad_input("still referenced; delete those rows first")
              .field(other.name + "." + c.name)
              .seen(std::to_string(id));
    const std::string when = now_utc();
    for (const ColumnSpec& c : t.columns)
      if (const auto& v = at(*before, c.name))
        audit(user, when, t.name, id, "delete", c.name, v, std::nullopt);
    conn_->query("DELETE FROM " + t.name + " WHERE id = ?", {id});
  });
}

std::optional<Row> SqlRepository::get(const std::string& table, std::int64_t id) {
  return get_row(table_spec(table), id);
}

std::vector<Row> SqlRepository::list(const std::string& table) {
  const TableSpec& t = table_spec(table);
  std::vector<Row> out;
  for (const SqlRow& r :
       conn_->query("SELECT " + column_list(t) + " FROM " + t.name + " ORDER BY id")) {
    Row row;
    for (std::size_t i = 0; i < t.columns.size(); ++i) row[t.columns[i].name] = r[i];
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<std::vector<std::optional<std::string>>> SqlRepository::select(const std::string& sql) {
  std::size_t start = sql.find_first_not_of(" \t\r\n");
  const std::string head = start == std::string::npos ? "" : sql.substr(start, 6);
  std::string upper;
  for (const char ch : head)
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string body = sql;
  while (!body.empty() &&
         (std::isspace(static_cast<unsigned char>(body.back())) || body.back() == ';'))
    body.pop_back();
  if (upper != "SELECT" || body.find(';') != std::string::npos)
    throw Error::bad_input("not a single SELECT statement")
        .seen(sql.substr(0, 60))
        .expected("one read-only SELECT");
  conn_->begin();
  try {
    const std::vector<SqlRow> rows = conn_->query(body);
    conn_->rollback();
    return rows;
  } catch (...) {
    try {
      conn_->rollback();
    } catch (...) {
    }
    throw;
  }
}

std::vector<AuditEntry> SqlRepository::audit_trail(const std::string& table, std::int64_t row_id) {
  std::string where = " WHERE 1 = 1";
  std::vector<SqlValue> params;
  if (!table.empty()) {
    where += " AND table_name = ?";
    params.push_back(table);
  }
  if (row_id != 0) {
    where += " AND row_id = ?";
    params.push_back(row_id);
  }
  std::vector<AuditEntry> out;
  for (const SqlRow& r : conn_->query(
           "SELECT id, user_name, changed_at, table_name, row_id, action, field, old_value, "
           "new_value FROM audit" +
               where + " ORDER BY id",
           params)) {
    out.push_back({.id = std::stoll(*r[0]),
                   .user = *r[1],
                   .changed_at = *r[2],
                   .table = *r[3],
                   .action = *r[5],
                   .field = *r[6],
                   .row_id = std::stoll(*r[4]),
                   .old_value = r[7],
                   .new_value = r[8]});
  }
  return out;
}

void SqlRepository::import_rows(const std::vector<ImportRow>& rows, const std::string& user,
                                const std::function<void(std::size_t)>& on_row,
                                const std::vector<AuditEntry>* trail, const std::string& source) {
  in_transaction(*conn_, in_transaction_, [&] {
    const std::string when = now_utc();
    std::set<std::string> explicit_tables;
    std::size_t n = 0;
    for (const ImportRow& ir : rows) {
      const TableSpec& t = table_spec(ir.table);
      try {
        const auto& given_id = at(ir.values, "id");
        if (!given_id)
          throw Error::bad_input("missing value").field(t.name + ".id").expected("a row id");
        const std::int64_t id = std::stoll(*canonical_value(t, *t.column("id"), *given_id));
        const auto existing = get_row(t, id);
        if (existing && !t.config)
          throw Error::bad_input("row id already in the registry")
              .field(t.name + ".id")
              .seen(std::to_string(id))
              .expected("a new id (import adds rows; it never overwrites clinical data)");
        // A configuration row is updated by id; columns the file does not have keep their value.
        const Row full = prepare(t, ir.values, existing ? &*existing : nullptr, Mode::kImport);
        if (existing) {
          check_unique(t, full, id);
          write_update(t, id, *existing, full, user, when);
        } else {
          check_unique(t, full, id);
          write_insert(t, full, true, user, when, trail == nullptr);
          explicit_tables.insert(t.name);
        }
      } catch (const Error& e) {
        // Point at the file, line and column the user must fix.
        std::string col = e.field();
        const std::size_t dot = col.find('.');
        if (dot != std::string::npos) col = col.substr(dot + 1);
        std::string where;
        for (std::size_t i = 0; i < ir.columns.size(); ++i)
          if (ir.columns[i] == col) where = "column " + std::to_string(i + 1) + " (" + col + ")";
        if (where.empty() && !col.empty()) where = "column " + col;
        throw Error::bad_input(e.summary())
            .file(ir.file + ":" + std::to_string(ir.line))
            .field(where)
            .seen(e.value_seen())
            .expected(e.expectation());
      }
      if (on_row) on_row(++n);
    }
    for (const std::string& t : explicit_tables) conn_->after_explicit_ids(t);
    if (!trail) return;
    // The exported trail, as it was: with its own ids into an empty trail (so that export ->
    // import -> export gives the same audit.csv), appended in order otherwise.
    const bool keep_ids = conn_->query("SELECT id FROM audit LIMIT 1").empty();
    auto v = [](const std::optional<std::string>& x) -> SqlValue {
      if (!x) return std::monostate{};
      return *x;
    };
    for (const AuditEntry& a : *trail) {
      if (keep_ids)
        conn_->query(
            "INSERT INTO audit (id, user_name, changed_at, table_name, row_id, action, field, "
            "old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {a.id, a.user, a.changed_at, a.table, a.row_id, a.action, a.field, v(a.old_value),
             v(a.new_value)});
      else
        audit(a.user, a.changed_at, a.table, a.row_id, a.action, a.field, a.old_value, a.new_value);
    }
    if (keep_ids) conn_->after_explicit_ids("audit");
    audit(user, when, "registry", 0, "import", source.empty() ? "rows" : source, std::nullopt,
          std::to_string(rows.size()) + " rows imported with their audit trail of " +
              std::to_string(trail->size()) + " entries");
  });
}

void SqlRepository::transaction(const std::function<void()>& fn) {
  if (in_transaction_) {
    fn();
    return;
  }
  in_transaction(*conn_, false, [&] {
    in_transaction_ = true;
    try {
      fn();
    } catch (...) {
      in_transaction_ = false;
      throw;
    }
    in_transaction_ = false;
  });
}

void SqlRepository::annotate(const std::string& table, std::int64_t id, const std::string& action,
                             const std::string& reason, const std::string& user) {
  const TableSpec& t = table_spec(table);
  if (action != "update" && action != "delete")
    throw Error::internal("annotate: action must be update or delete, got " + action);
  std::string text = reason;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  const std::size_t b = text.find_first_not_of(" \t\r\n");
  text = b == std::string::npos ? "" : text.substr(b);
  if (text.empty())
    throw Error::bad_input("a reason for the change is required")
        .field("reason")
        .expected("a few words (why the record is corrected or deleted)");
  if (text.size() > 500)
    throw Error::bad_input("reason too long")
        .field("reason")
        .seen(std::to_string(text.size()) + " characters")
        .expected("at most 500");
  in_transaction(*conn_, in_transaction_,
                 [&] { audit(user, now_utc(), t.name, id, "reason", action, std::nullopt, text); });
}

bool is_postgresql_uri(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Repository> open_repository(const std::string& db, OpenMode mode) {
  const bool pg = is_postgresql_uri(db);
  if (!pg && mode == OpenMode::kExisting && !std::filesystem::exists(db))
    throw Error::bad_input("no registry database here")
        .file(db)
        .expected("an initialised registry (run `kiort registry init --db FILE`)");
  auto repo = std::make_unique<SqlRepository>(pg ? open_postgresql(db) : open_sqlite(db));
  if (mode == OpenMode::kExisting && repo->schema_version() == 0)
    throw Error::bad_input("not an initialised kiort registry")
        .file(pg ? "(postgresql database)" : db)
        .expected("a registry made by `kiort registry init`");
  repo->migrate(current_schema_version());
  return repo;
}

}  // namespace kiort
