// The registry's storage interface. Callers hand in rows as column -> text (NULL = absent) and get
// them back the same way, in canonical form. Every change runs in one transaction together with its
// audit entries (who, when, table, row, field, old and new value); a delete leaves a full trail.
// Implemented over SQL for SQLite and PostgreSQL (sql_repository.h); open_repository() picks one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiort {

using Row = std::map<std::string, std::optional<std::string>>;

struct AuditEntry {
  std::int64_t id = 0;
  // action: insert | update | delete | import | reason (why a change was made: field names the
  // change, update or delete, and new_value holds the reason; see Repository::annotate)
  std::string user, changed_at, table, action, field;
  std::int64_t row_id = 0;
  std::optional<std::string> old_value, new_value;
};

// One row of an import, with where it came from so that an error can name file, line and column.
struct ImportRow {
  std::string table;
  Row values;                        // must include "id"
  std::string file;                  // for messages
  int line = 0;                      // 1-based line of the record in file
  std::vector<std::string> columns;  // the file's header, for column numbers in messages
};

class Repository {
 public:
  virtual ~Repository() = default;
  virtual std::string backend() const = 0;  // "sqlite" or "postgresql"
  // The applied schema version (0 for an empty database).
  virtual int schema_version() = 0;
  // Applies the migrations after the current version up to target, each in its own transaction.
  virtual void migrate(int target) = 0;

  // Inserts a row (without "id"; computed columns are filled in) and returns its id.
  virtual std::int64_t insert(const std::string& table, const Row& values,
                              const std::string& user) = 0;
  // Changes the given columns of a row; absent columns keep their value, NULL clears.
  virtual void update(const std::string& table, std::int64_t id, const Row& changes,
                      const std::string& user) = 0;
  // Deletes a row, recording every value it held in the audit trail.
  virtual void remove(const std::string& table, std::int64_t id, const std::string& user) = 0;

  virtual std::optional<Row> get(const std::string& table, std::int64_t id) = 0;
  virtual std::vector<Row> list(const std::string& table) = 0;  // ordered by id
  // A read-only SELECT over the registry tables (reports that print their SQL, such as the
  // cohort report): each row's values as text, NULL absent. Runs in a transaction that is rolled
  // back, so nothing it does is kept; refuses anything but one SELECT (bad input).
  virtual std::vector<std::vector<std::optional<std::string>>> select(const std::string& sql) = 0;

  // Runs fn in one transaction: every insert, update, remove and annotate it makes is kept
  // together or, should fn throw, none is (a visit with its analgesics, a correction with its
  // reason). The exception goes on to the caller. Calls may nest (the inner joins the outer).
  virtual void transaction(const std::function<void()>& fn) = 0;
  // Records why a row was changed or deleted (action "update" or "delete"): an audit entry with
  // action "reason", field = that action and new_value = the reason (trimmed; empty is refused,
  // bad input on field "reason"). Call it in the same transaction() as the change.
  virtual void annotate(const std::string& table, std::int64_t id, const std::string& action,
                        const std::string& reason, const std::string& user) = 0;

  // The audit trail, oldest first; table empty = all tables, row_id 0 = all rows.
  virtual std::vector<AuditEntry> audit_trail(const std::string& table = {},
                                              std::int64_t row_id = 0) = 0;

  // All or nothing: inserts every row with its explicit id in one transaction (configuration
  // tables are updated by id instead). On any bad row nothing is kept and a kiort::Error names
  // file:line, the column and the reason. on_row(n) is called after the n-th row is written.
  // Without a trail every row is audited as an insert by user. With the trail the rows came with
  // (an export's audit.csv), that trail is kept as it was (who, when, what; its ids too when this
  // registry's trail is empty) instead, and the import itself is one audit entry by user
  // (table "registry", action "import", new_value saying what was imported from source).
  virtual void import_rows(const std::vector<ImportRow>& rows, const std::string& user,
                           const std::function<void(std::size_t)>& on_row = {},
                           const std::vector<AuditEntry>* trail = nullptr,
                           const std::string& source = {}) = 0;
};

// Opens a registry: a SQLite file path, or a postgresql:// URI. kCreate creates it if needed and
// applies every migration (`registry init`); kExisting refuses a missing or uninitialised registry
// and brings an older schema up to date.
enum class OpenMode { kCreate, kExisting };
std::unique_ptr<Repository> open_repository(const std::string& db,
                                            OpenMode mode = OpenMode::kExisting);
bool is_postgresql_uri(const std::string& db);

}  // namespace kiort
