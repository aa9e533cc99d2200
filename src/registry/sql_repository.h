// Repository over an SqlConnection: validation, computed columns, transactions and the audit trail
// live here once, for SQLite and PostgreSQL alike.
#pragma once

#include <memory>

#include "registry/repository.h"
#include "registry/schema.h"
#include "registry/sql.h"

namespace kiort {

// A visit's pain_score must come with its instrument and lie on that instrument's scale (0-10,
// VAS 0-100 mm). Throws kiort::Error (bad input); `registry check` applies the same rule.
void check_pain_instrument(const Row& row);

class SqlRepository final : public Repository {
 public:
  explicit SqlRepository(std::unique_ptr<SqlConnection> conn);

  std::string backend() const override { return conn_->dialect(); }
  int schema_version() override;
  void migrate(int target) override;
  std::int64_t insert(const std::string& table, const Row& values,
                      const std::string& user) override;
  void update(const std::string& table, std::int64_t id, const Row& changes,
              const std::string& user) override;
  void remove(const std::string& table, std::int64_t id, const std::string& user) override;
  std::optional<Row> get(const std::string& table, std::int64_t id) override;
  std::vector<Row> list(const std::string& table) override;
  std::vector<AuditEntry> audit_trail(const std::string& table, std::int64_t row_id) override;
  std::vector<std::vector<std::optional<std::string>>> select(const std::string& sql) override;
  void import_rows(const std::vector<ImportRow>& rows, const std::string& user,
                   const std::function<void(std::size_t)>& on_row,
                   const std::vector<AuditEntry>* trail, const std::string& source) override;
  void transaction(const std::function<void()>& fn) override;
  void annotate(const std::string& table, std::int64_t id, const std::string& action,
                const std::string& reason, const std::string& user) override;

  // The raw connection, for maintenance and tests: it bypasses validation and the audit trail.
  SqlConnection& connection() { return *conn_; }

 private:
  enum class Mode { kInsert, kUpdate, kImport };
  // Canonicalises, fills computed columns and checks the hard rules of a full row.
  Row prepare(const TableSpec& t, const Row& given, const Row* existing, Mode mode);
  // audited = false: the row's history comes from an imported trail instead.
  std::int64_t write_insert(const TableSpec& t, const Row& full, bool explicit_id,
                            const std::string& user, const std::string& when, bool audited = true);
  void write_update(const TableSpec& t, std::int64_t id, const Row& before, const Row& after,
                    const std::string& user, const std::string& when);
  void audit(const std::string& user, const std::string& when, const std::string& table,
             std::int64_t row_id, const std::string& action, const std::string& field,
             const std::optional<std::string>& old_value,
             const std::optional<std::string>& new_value);
  std::optional<Row> get_row(const TableSpec& t, std::int64_t id);
  void check_references(const TableSpec& t, const Row& row);
  void check_unique(const TableSpec& t, const Row& row, std::int64_t self_id);

  std::unique_ptr<SqlConnection> conn_;
  bool in_transaction_ = false;  // inside transaction(): changes join it
};

}  // namespace kiort
