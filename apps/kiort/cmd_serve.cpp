// kiort serve: the web application (module server). Also manages its users: `--create-user NAME
// --role ROLE` reads the password from standard input, so it never appears in a process list or
// a shell history. `--demo` is a newcomer's way in: a throwaway registry with the shipped demo
// cohort, the demo plan, and one user of each role whose password is printed once.
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "cli.h"
#include "core/error.h"
#include "core/paths.h"
#include "registry/repository.h"
#include "registry/transfer.h"
#include "server/auth.h"
#include "server/server.h"

namespace kiort::cli {
namespace {

namespace fs = std::filesystem;

struct ServeArgs {
  ServeOptions options;
  std::string create_user, role;
  bool list_users = false;
  bool demo = false;
  std::string demo_dir, demo_plan;
  unsigned threads = 0;
};

// --demo: fills a fresh folder with registry.db (the demo cohort, data/demo-cohort), its users
// file and plans/demo (a copy of --demo-plan, or the demo plan computed now as `kiort demo` does),
// and points the server's options at them. Nothing outside that folder is touched.
void prepare_demo(ServeArgs& a, const Globals& globals) {
  fs::path dir = a.demo_dir;
  if (dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "kiort-serve-demo-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      throw Error::bad_input("cannot create a folder for the demo registry")
          .field("--demo-dir")
          .seen(tmpl);
    dir = tmpl;
  } else if (fs::exists(dir) && !fs::is_empty(dir)) {
    throw Error::bad_input("the demo folder is not empty (the demo makes a throwaway registry)")
        .field("--demo-dir")
        .seen(dir.string())
        .expected("a new or empty folder");
  }
  fs::create_directories(dir / "plans");
  a.options.db = (dir / "registry.db").string();
  a.options.users = default_users_file(a.options.db);
  a.options.plans = (dir / "plans").string();

  const fs::path cohort = data_dir() / "demo-cohort";
  {
    auto repo = open_repository(a.options.db, OpenMode::kCreate);
    const std::size_t rows = import_csv(*repo, cohort.string(), "kiort-serve-demo", {});
    std::printf("demo registry %s: %zu rows from %s\n", a.options.db.c_str(), rows, cohort.c_str());
  }
  const fs::path plan_dir = dir / "plans" / "demo";
  if (!a.demo_plan.empty()) {
    if (!fs::exists(fs::path(a.demo_plan) / "plan.json"))
      throw Error::bad_input("no plan.json in the demo plan folder (make it with kiort demo)")
          .field("--demo-plan")
          .seen(a.demo_plan);
    fs::copy(a.demo_plan, plan_dir, fs::copy_options::recursive);
  } else {
    std::printf("computing the demo plan into %s (as kiort demo does) ...\n", plan_dir.c_str());
    std::fflush(stdout);
    run_demo(plan_dir.string(), a.threads, false, globals);
  }

  UserStore store(a.options.users);
  const std::vector<std::pair<std::string, Role>> users = {{"physician", Role::kPhysician},
                                                           {"physicist", Role::kPhysicist},
                                                           {"data-manager", Role::kDataManager},
                                                           {"read-only", Role::kReadOnly}};
  std::printf("\nDemo users (throwaway passwords, shown only now):\n");
  for (const auto& [name, role] : users) {
    const std::string password = random_token().substr(0, 16);
    store.set_user(name, role, password);
    std::printf("  %-13s %-13s password %s\n", name.c_str(), to_string(role).c_str(),
                password.c_str());
  }
  std::printf("Delete %s when done.\n\n", dir.c_str());
}

int run_serve(ServeArgs& a, const Globals& globals) {
  if (a.demo) prepare_demo(a, globals);
  const std::string users_file =
      a.options.users.empty() ? default_users_file(a.options.db) : a.options.users;
  if (!a.create_user.empty()) {
    if (a.role.empty())
      throw Error::bad_input("--create-user needs --role")
          .field("--role")
          .expected("physician, physicist, data-manager or read-only");
    const Role role = parse_role(a.role);
    std::string password;
    if (!std::getline(std::cin, password) || password.empty())
      throw Error::bad_input("no password on standard input")
          .field("stdin")
          .expected("the password on one line");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    UserStore store(users_file);
    store.set_user(a.create_user, role, password);
    std::printf("user %s (%s) saved in %s\n", a.create_user.c_str(), to_string(role).c_str(),
                users_file.c_str());
    return 0;
  }
  if (a.list_users) {
    UserStore store(users_file);
    for (const User& u : store.users())
      std::printf("%s,%s\n", u.name.c_str(), to_string(u.role).c_str());
    return 0;
  }

  // SIGINT/SIGTERM are taken by one thread with sigwait, which then stops the server cleanly:
  // stopping from a signal handler is not async-signal-safe. Blocked before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  WebServer server(a.options);
  const int port = server.bind();
  std::printf("kiort serve: listening on http://%s:%d (registry %s, users %s)\n",
              a.options.bind.c_str(), port, a.options.db.c_str(), users_file.c_str());
  if (a.demo)
    std::printf(
        "Open http://%s:%d/ in a browser and log in as one of the users above; the demo "
        "plan is under Plans. Ctrl-C stops the server.\n",
        a.options.bind.c_str(), port);
  std::fflush(stdout);
  std::thread waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {}: stopping", sig);
    server.stop();
  });
  server.listen();
  // listen() also returns on a socket error: wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, const Globals& globals, Commands& commands) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* sub = app.add_subcommand(
      "serve", "The web application: plan review, follow-up entry, cohort dashboard");
  sub->add_option("--db", a->options.db, "Registry: SQLite file or postgresql:// URI (must exist)")
      ->capture_default_str();
  sub->add_option("--users", a->options.users,
                  "Users file (SQLite; default beside the registry: kiort.users.db)");
  sub->add_option("--bind", a->options.bind, "Address to listen on")->capture_default_str();
  sub->add_option("--port", a->options.port, "Port (0: any free port, printed)")
      ->capture_default_str();
  sub->add_option("--plans", a->options.plans,
                  "Folder whose sub-folders hold plan outputs (kiort plan compute --out)");
  sub->add_option("--web", a->options.web,
                  "Built front end (default: web/dist of the source tree, or $KIORT_WEB_DIR)");
  sub->add_option("--max-body", a->options.max_body_bytes,
                  "Largest request body in bytes (larger: 413)")
      ->capture_default_str();
  sub->add_option("--create-user", a->create_user,
                  "Create or update a user (password on standard input) and exit");
  sub->add_option("--role", a->role,
                  "Role of --create-user: physician, physicist, data-manager, read-only");
  sub->add_flag("--list-users", a->list_users, "List users and roles and exit");
  CLI::Option* demo = sub->add_flag(
      "--demo", a->demo,
      "Serve the demo: a throwaway registry with the demo cohort, the demo plan and one user of "
      "each role (passwords printed once)");
  sub->add_option("--demo-dir", a->demo_dir,
                  "With --demo: where the throwaway registry goes (new or empty; default: a new "
                  "temporary folder)")
      ->needs(demo);
  sub->add_option("--demo-plan", a->demo_plan,
                  "With --demo: serve this kiort demo output (e.g. build/demo) instead of "
                  "computing the demo plan")
      ->needs(demo);
  sub->add_option("--threads", a->threads, "With --demo: threads for the demo plan")->needs(demo);
  for (const char* other : {"--db", "--users", "--plans", "--create-user", "--list-users"})
    demo->excludes(other);
  commands.push_back({sub, [a, &globals] { return run_serve(*a, globals); }});
}

}  // namespace kiort::cli
