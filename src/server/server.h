// kiort serve: the web application's HTTP server. A JSON API under /api/ (login, patients and
// their follow-up, visit entry, the cohort, plans with their slices and approval) and the built
// front end (web/dist) as static files. Every /api/ route but login needs a session cookie
// (HttpOnly, SameSite=Strict); every state-changing request also needs the session's CSRF token
// in X-CSRF-Token; bodies are limited in size; registry changes go through the Repository with the
// logged-in user's name, so the audit trail says who. Bad input is answered 4xx, never 500.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace kiort {

struct ServeOptions {
  std::string db = "kiort.db";  // registry: SQLite file or postgresql:// URI (must exist)
  std::string users;            // users file (SQLite); see default_users_file()
  std::string bind = "127.0.0.1";
  int port = 8080;    // 0: any free port (printed on start; used by tests)
  std::string plans;  // folder of plan output folders; empty: no plans
  std::string web;    // built front end (index.html and assets); empty: default_web_dir()
  std::size_t max_body_bytes = 64 * 1024;
};

// The users file that goes with a registry: beside a SQLite file (kiort.db -> kiort.users.db),
// or kiort-users.db in the working folder for a PostgreSQL registry.
std::string default_users_file(const std::string& db);
// The built front end: $KIORT_WEB_DIR if set, else <prefix>/share/kiort/web of an installed
// binary, else the one the build made (<build>/web/dist; web/dist of the source tree when the
// build had no node and npm).
std::string default_web_dir();

class WebServer {
 public:
  explicit WebServer(const ServeOptions& options);  // opens the registry and users file
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;
  // Binds the socket; returns the port (the chosen one when options.port is 0). Throws
  // Error(bad input) when the address cannot be bound.
  int bind();
  void listen();  // serves until stop()
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiort
