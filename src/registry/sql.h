// The narrow SQL seam between the registry and a database engine. The repository speaks only this:
// statements with `?` placeholders, rows as text, explicit transactions. SQLite and PostgreSQL
// implement it; nothing above this file knows which engine it talks to.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kiort {

using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;
using SqlRow = std::vector<std::optional<std::string>>;  // NULL is nullopt; reals in shortest form

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual std::string dialect() const = 0;  // "sqlite" or "postgresql"
  // Runs a script of several statements (DDL); {PK} {INT} {REAL} {TEXT} already expanded.
  virtual void execute_script(const std::string& sql) = 0;
  // Runs one statement with `?` placeholders and returns its rows (if any).
  virtual std::vector<SqlRow> query(const std::string& sql,
                                    const std::vector<SqlValue>& params = {}) = 0;
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  // Expands the dialect tokens of a migration script.
  virtual std::string expand(const std::string& sql) const = 0;
  // Called after rows were inserted with explicit ids (PostgreSQL moves its identity sequence).
  virtual void after_explicit_ids(const std::string& table) = 0;
  // Whether a table exists.
  virtual bool has_table(const std::string& table) = 0;
  // Column names of a table, in order.
  virtual std::vector<std::string> table_columns(const std::string& table) = 0;
};

std::unique_ptr<SqlConnection> open_sqlite(const std::string& path);
// Only when built with PostgreSQL support (KIORT_WITH_POSTGRESQL); throws otherwise.
std::unique_ptr<SqlConnection> open_postgresql(const std::string& uri);
bool postgresql_available();

// Replaces each token of the map in sql.
std::string replace_tokens(std::string sql,
                           const std::vector<std::pair<std::string, std::string>>& map);

}  // namespace kiort
