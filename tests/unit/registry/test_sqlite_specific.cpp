// What only the SQLite backend must show: its pragmas, and that a process killed in the middle of
// an import leaves the file as it was.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>

#include "registry/repository.h"
#include "registry/sql_repository.h"
#include "registry/transfer.h"
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

TEST(RegistrySqlite, AProcessKilledInTheMiddleOfAnImportLeavesTheRegistryAsItWas) {
  const std::string db = test::new_registry_db();
  std::string before;
  {
    auto repo = open_repository(db, OpenMode::kCreate);
    repo->import_rows({{.table = "patients",
                        .values = {{"id", "1000"}, {"pseudonym", "HD-1"}},
                        .file = "setup",
                        .line = 2,
                        .columns = {"id", "pseudonym"}}},
                      "setup");
    before = std::to_string(repo->list("patients").size()) + "/" +
             std::to_string(repo->audit_trail().size());
  }
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child imports the demo cohort and, half way through, tells the parent and waits to die.
    ::close(ready[0]);
    try {
      auto repo = open_repository(db, OpenMode::kExisting);
      import_csv(*repo, fs::path(KIORT_TEST_DATA_DIR) / "demo-cohort", "child",
                 [&](std::size_t done, std::size_t) {
                   if (done == 60) {
                     const char x = 'x';
                     if (::write(ready[1], &x, 1) != 1) ::_exit(3);
                     for (;;) ::pause();
                   }
                 });
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(1);  // the import must not finish
  }
  ::close(ready[1]);
  char x = 0;
  ASSERT_EQ(::read(ready[0], &x, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto repo = open_repository(db, OpenMode::kExisting);
  EXPECT_EQ(std::to_string(repo->list("patients").size()) + "/" +
                std::to_string(repo->audit_trail().size()),
            before);
  EXPECT_TRUE(repo->list("procedures").empty());
  SqlConnection& c = dynamic_cast<SqlRepository&>(*repo).connection();
  EXPECT_EQ(c.query("PRAGMA integrity_check").at(0).at(0), "ok");
  // And the registry is usable: the same import now succeeds.
  EXPECT_GT(import_csv(*repo, fs::path(KIORT_TEST_DATA_DIR) / "demo-cohort", "parent"), 100u);
}

}  // namespace
}  // namespace kiort
