// kiort serve's inside: the state every route needs (registry, users, sessions, plans, the gate)
// and one member function per resource that installs its routes, each in its own file, in the way
// Orthanc splits its REST API: routes_auth.cpp (login, logout, me), routes_registry.cpp (patients,
// due list, forms, visits, audit), routes_cohort.cpp, routes_plans.cpp, routes_static.cpp (the
// unknown-API answer and the front end). Internal to src/server.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "registry/repository.h"
#include "server/auth.h"
#include "server/gate.h"
#include "server/http_util.h"
#include "server/plan_view.h"
#include "server/server.h"

namespace kiort {

struct WebServer::Impl {
  ServeOptions options;
  httplib::Server http;
  std::unique_ptr<Repository> repo;
  std::mutex registry_mutex;  // one connection, one request at a time
  UserStore users;
  SessionStore sessions;
  PlanCatalog plans;
  std::mutex login_mutex;  // Argon2id takes 64 MiB: one login at a time
  LoginLimiter login_limiter;
  // Clients reach the HTTP server only through the gate (gate.h); the secret proves a request
  // came from it, so its X-Kiort-Peer (the client's address) can be trusted.
  const std::string gate_secret = random_token();
  std::unique_ptr<ConnectionGate> gate;
  std::thread gate_thread;
  // Successful answers by (user, Idempotency-Key), the newest 10000; under registry_mutex.
  struct Replay {
    std::string fingerprint;  // method, path and a hash of the body
    int status = 0;
    std::string body;
  };
  std::map<std::string, Replay> replays;
  std::deque<std::string> replay_order;

  explicit Impl(const ServeOptions& o);

  // The client's address as the gate saw it (the HTTP server's own peer is the gate).
  static std::string client_address(const web::Request& req) {
    return req.get_header_value("X-Kiort-Peer");
  }
  std::optional<Session> session_of(const web::Request& req);

  using Handler = std::function<void(const web::Request&, web::Response&, const Session&)>;
  // Every API handler runs inside this: the session (checked again here, not only in the
  // pre-routing gate), the role, and the one place where exceptions become status codes:
  // HttpError its own; kiort::Error bad input 400, goal not met 422, busy 503, internal 500;
  // anything else (a library's exception, std::out_of_range, ...) is an internal fault, 500.
  httplib::Server::Handler api(Handler h, bool (*allowed)(Role) = nullptr);

  void gate_routes();      // headers, the session and CSRF gate, error and exception handlers
  void auth_routes();      // routes_auth.cpp
  void registry_routes();  // routes_registry.cpp
  void entry_routes();     // routes_entry.cpp: visit entry, correction, deletion; vital status
  void cohort_routes();    // routes_cohort.cpp
  void plan_routes();      // routes_plans.cpp
  void
  evidence_routes();  // routes_evidence.cpp (its state: the base, the model, users' statements)
  std::shared_ptr<struct EvidenceState> evidence;
  void static_routes();  // routes_static.cpp (last: its catch-all must come after the others)

  // routes_entry.cpp: runs work (which answers in res) once per Idempotency-Key of the user; the
  // same key again answers the first success without running work. Call under registry_mutex.
  void idempotent(const web::Request& req, web::Response& res, const Session& s,
                  const std::function<void()>& work);
};

}  // namespace kiort
