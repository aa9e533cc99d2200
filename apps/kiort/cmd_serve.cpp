// kiort serve: the web application (module server). Also manages its users: `--create-user NAME
// --role ROLE` reads the password from standard input, so it never appears in a process list or
// a shell history.
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli.h"
#include "core/error.h"
#include "server/auth.h"
#include "server/server.h"

namespace kiort::cli {
namespace {

struct ServeArgs {
  ServeOptions options;
  std::string create_user, role;
  bool list_users = false;
};

int run_serve(const ServeArgs& a) {
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

void add_serve_command(CLI::App& app, const Globals&, Commands& commands) {
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
  commands.push_back({sub, [a] { return run_serve(*a); }});
}

}  // namespace kiort::cli
