// The registry suite on PostgreSQL: main() starts a throwaway cluster (initdb + pg_ctl in a
// temporary folder, listening only on a unix socket in that folder, as the postgres user when run
// as root), gives every test a fresh database, and stops and removes the cluster at the end.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "registry_backend.h"

namespace fs = std::filesystem;

namespace kiort::test {
namespace {

struct Cluster {
  fs::path bin, dir;
  std::string as_user;  // "runuser -u postgres -- " when root
  bool running = false;

  std::string base_uri(const std::string& db) const {
    return "postgresql:///" + db + "?host=" + dir.string() + "&port=5432&user=postgres";
  }
  int run(const std::string& cmd) const {
    const std::string full = as_user + cmd + " >>" + (dir / "setup.log").string() + " 2>&1";
    return std::system(full.c_str());
  }
};

Cluster& cluster() {
  static Cluster c;
  return c;
}

fs::path find_bin() {
  if (const char* env = std::getenv("KIORT_PG_BIN")) return env;
  fs::path best;
  if (fs::exists("/usr/lib/postgresql"))
    for (const auto& e : fs::directory_iterator("/usr/lib/postgresql"))
      if (fs::exists(e.path() / "bin" / "initdb") && e.path() > best.parent_path())
        best = e.path() / "bin";
  return best;
}

bool start(std::string& why) {
  Cluster& c = cluster();
  c.bin = find_bin();
  if (c.bin.empty()) {
    why = "PostgreSQL server binaries not found (install Debian's postgresql, or set KIORT_PG_BIN)";
    return false;
  }
  std::string tmpl = (fs::temp_directory_path() / "kiort_pg_XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    why = "cannot create a temporary folder";
    return false;
  }
  c.dir = tmpl;
  if (::geteuid() == 0) {  // initdb refuses root: run the server as the postgres user
    const passwd* pw = ::getpwnam("postgres");
    if (!pw || ::chown(c.dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      why = "running as root and there is no postgres user to run the server";
      return false;
    }
    c.as_user = "runuser -u postgres -- ";
  }
  const std::string data = (c.dir / "data").string();
  if (c.run((c.bin / "initdb").string() + " -D " + data +
            " -U postgres -A trust -E UTF8 --locale=C --no-sync") != 0) {
    why = "initdb failed (see " + (c.dir / "setup.log").string() + ")";
    return false;
  }
  if (c.run((c.bin / "pg_ctl").string() + " -D " + data + " -l " + (c.dir / "server.log").string() +
            " -w -o \"-c listen_addresses='' -k " + c.dir.string() +
            " -p 5432 -F -c max_connections=50\" start") != 0) {
    why = "pg_ctl start failed (see " + (c.dir / "server.log").string() + ")";
    return false;
  }
  c.running = true;
  return true;
}

void stop() {
  Cluster& c = cluster();
  if (c.running)
    c.run((c.bin / "pg_ctl").string() + " -D " + (c.dir / "data").string() +
          " -m immediate -w stop");
  c.running = false;
  std::error_code ec;
  if (!c.dir.empty()) fs::remove_all(c.dir, ec);
}

}  // namespace

std::string new_registry_db() {
  static int n = 0;
  const std::string name = "registry_" + std::to_string(++n);
  pqxx::connection conn(cluster().base_uri("postgres"));
  pqxx::nontransaction tx(conn);
  tx.exec("CREATE DATABASE " + name);
  return cluster().base_uri(name);
}

}  // namespace kiort::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string why;
  if (!kiort::test::start(why)) {
    std::fprintf(stderr, "registry PostgreSQL tests: %s\n", why.c_str());
    kiort::test::stop();
    return 1;
  }
  const int rc = RUN_ALL_TESTS();
  kiort::test::stop();
  return rc;
}
