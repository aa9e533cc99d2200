// SQLite through SQLiteCpp: foreign keys on, write-ahead log, a busy timeout so that a second
// process waits instead of failing, and BEGIN IMMEDIATE so a writer takes its lock up front.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "registry/schema.h"
#include "registry/sql.h"

namespace kiort {
namespace {

// How long a writer waits for another process's transaction before it gives up (SQLITE_BUSY).
constexpr int kBusyTimeoutMs = 10000;

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(const std::string& path)
      : path_(path), db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {
    db_.exec("PRAGMA foreign_keys = ON");
    db_.exec("PRAGMA journal_mode = WAL");
    db_.exec("PRAGMA synchronous = FULL");
    db_.setBusyTimeout(kBusyTimeoutMs);
  }

  std::string dialect() const override { return "sqlite"; }

  void execute_script(const std::string& sql) override {
    guard([&] { db_.exec(sql); });
  }

  std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlValue>& params) override {
    return guard([&] { return run_query(sql, params); });
  }

  void begin() override {
    guard([&] { db_.exec("BEGIN IMMEDIATE"); });
  }
  void commit() override {
    guard([&] { db_.exec("COMMIT"); });
  }
  void rollback() override { db_.exec("ROLLBACK"); }

 private:
  // A database still locked after the busy timeout is a clear, retryable refusal (kiort::Error
  // kBusy: exit 4, HTTP 503), never an internal fault; the transaction never began or is rolled
  // back, so nothing is half written.
  template <class Fn>
  auto guard(Fn&& fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const SQLite::Exception& e) {
      const int code = e.getErrorCode() & 0xff;
      if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        throw Error::busy(
            "registry busy: another process is writing; nothing was changed, try again")
            .file(path_)
            .seen(std::string(e.what()) + " after waiting " +
                  std::to_string(kBusyTimeoutMs / 1000) + " s");
      throw;
    }
  }

  std::vector<SqlRow> run_query(const std::string& sql, const std::vector<SqlValue>& params) {
    SQLite::Statement st(db_, sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int k = static_cast<int>(i + 1);
      const SqlValue& p = params[i];
      if (std::holds_alternative<std::monostate>(p))
        st.bind(k);
      else if (const auto* n = std::get_if<std::int64_t>(&p))
        st.bind(k, *n);
      else if (const auto* d = std::get_if<double>(&p))
        st.bind(k, *d);
      else
        st.bind(k, std::get<std::string>(p));
    }
    std::vector<SqlRow> rows;
    while (st.executeStep()) {
      SqlRow row;
      const int n = st.getColumnCount();
      for (int c = 0; c < n; ++c) {
        const SQLite::Column col = st.getColumn(c);
        if (col.isNull())
          row.emplace_back(std::nullopt);
        else if (col.isFloat())
          row.emplace_back(format_real(col.getDouble()));
        else
          row.emplace_back(col.getString());
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

 public:
  std::string expand(const std::string& sql) const override {
    return replace_tokens(sql, {{"{PK}", "INTEGER PRIMARY KEY AUTOINCREMENT"},
                                {"{INT}", "INTEGER"},
                                {"{REAL}", "REAL"},
                                {"{TEXT}", "TEXT"},
                                {"{AUDIT_APPEND_ONLY}", R"SQL(
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)SQL"}});
  }
  void after_explicit_ids(const std::string&) override {}
  bool has_table(const std::string& table) override {
    return !query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", {table})
                .empty();
  }
  std::vector<std::string> table_columns(const std::string& table) override {
    std::vector<std::string> out;
    for (const SqlRow& r : query("SELECT name FROM pragma_table_info(?) ORDER BY cid", {table}))
      out.push_back(r[0].value_or(""));
    return out;
  }

 private:
  std::string path_;
  SQLite::Database db_;
};

}  // namespace

std::unique_ptr<SqlConnection> open_sqlite(const std::string& path) {
  // Patient data: a new registry is created owner-only (SQLite gives its -wal and -shm files the
  // database file's mode).
  if (!path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0) create_private_file(path);
  try {
    return std::make_unique<SqliteConnection>(path);
  } catch (const SQLite::Exception& e) {
    throw Error::bad_input("cannot open the registry database")
        .file(path)
        .seen(e.what())
        .expected("a writable SQLite file");
  }
}

std::string replace_tokens(std::string sql,
                           const std::vector<std::pair<std::string, std::string>>& map) {
  for (const auto& [from, to] : map) {
    for (std::size_t pos = sql.find(from); pos != std::string::npos;
         pos = sql.find(from, pos + to.size()))
      sql.replace(pos, from.size(), to);
  }
  return sql;
}

}  // namespace kiort
