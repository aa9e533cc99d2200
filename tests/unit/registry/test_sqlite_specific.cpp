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

}  // namespace
}  // namespace kiort
