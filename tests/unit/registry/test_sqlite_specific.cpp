// What only the SQLite backend must show: its pragmas.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>

#include "registry/repository.h"
#include "registry/sql_repository.h"
#include "registry_backend.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

TEST(RegistrySqlite, ForeignKeysAndWriteAheadLogAreOn) {
  auto repo = open_repository(test::new_registry_db(), OpenMode::kCreate);
  SqlConnection& c = dynamic_cast<SqlRepository&>(*repo).connection();
  EXPECT_EQ(c.query("PRAGMA foreign_keys").at(0).at(0), "1");
  EXPECT_EQ(c.query("PRAGMA journal_mode").at(0).at(0), "wal");
  // The engine itself refuses an orphan, even behind the repository's back.
  EXPECT_ANY_THROW(
      c.query("INSERT INTO procedures (patient_id, procedure_date) VALUES (42, '2024-01-01')"));
}

// Issue 18: a new registry (patient data) was created world-readable; now owner-only, and its
// write-ahead log with it (SQLite gives -wal the database file's mode).
TEST(RegistrySqlite, NewRegistryIsOwnerOnly) {
  const std::string db = test::new_registry_db();
  auto repo = open_repository(db, OpenMode::kCreate);
  const auto owner = fs::perms::owner_read | fs::perms::owner_write;
  EXPECT_EQ(fs::status(db).permissions() & fs::perms::all, owner);
  if (fs::exists(db + "-wal")) {
    EXPECT_EQ(fs::status(db + "-wal").permissions() & fs::perms::all, owner);
  }
}

}  // namespace
}  // namespace kiort
