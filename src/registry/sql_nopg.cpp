// Built when libpqxx is not found: a postgresql:// registry is refused with a clear reason.
#include "core/error.h"
#include "registry/sql.h"

namespace kiort {

bool postgresql_available() {
  return false;
}

std::unique_ptr<SqlConnection> open_postgresql(const std::string&) {
  throw Error::bad_input("this kiort was built without PostgreSQL support")
      .expected("a SQLite file, or a kiort built with libpqxx (scripts/install-deps)");
}

}  // namespace kiort
