#include "server/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/paths.h"
#include "server/server_impl.h"

#ifndef KIORT_DEFAULT_WEB_DIR
#define KIORT_DEFAULT_WEB_DIR ""
#endif

namespace kiort {

using namespace web;  // the route helpers (http_util.h)

std::string default_users_file(const std::string& db) {
  if (is_postgresql_uri(db)) return "kiort-users.db";
  std::filesystem::path p(db);
  p.replace_extension(".users.db");
  return p.string();
}

std::string default_web_dir() {
  if (const char* env = std::getenv("KIORT_WEB_DIR"); env && *env) return env;
  if (const auto share = installed_share_dir()) return (*share / "web").string();
  return KIORT_DEFAULT_WEB_DIR;
}

WebServer::Impl::Impl(const ServeOptions& o)
    : options(o),
      repo(open_repository(o.db, OpenMode::kExisting)),
      users(o.users.empty() ? default_users_file(o.db) : o.users),
      plans(o.plans) {
  gate_routes();
  auth_routes();
  registry_routes();
  entry_routes();
  cohort_routes();
  plan_routes();
  evidence_routes();
  static_routes();
}

std::optional<Session> WebServer::Impl::session_of(const Request& req) {
  const std::string token = cookie_value(req, kCookie);
  return token.empty() ? std::nullopt : sessions.find(token);
}

httplib::Server::Handler WebServer::Impl::api(Handler h, bool (*allowed)(Role)) {
  return [this, h, allowed](const Request& req, Response& res) {
    try {
      const auto s = session_of(req);
      if (!s) throw HttpError{401, "log in first", {}};
      if (allowed && !allowed(s->user.role))
        throw HttpError{403, "your role (" + to_string(s->user.role) + ") may not do this", {}};
      h(req, res, *s);
    } catch (const HttpError& e) {
      send_error(res, e.status, e.message, e.field);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kBusy) {
        // The registry stayed locked (a CLI import): nothing was saved; say so and when to retry.
        res.set_header("Retry-After", "5");
        send_error(res, 503,
                   "the registry is busy (another program is writing); nothing was saved, try "
                   "again in a few seconds");
      } else if (e.kind() == ErrorKind::kInternal) {
        spdlog::error("{} {}: {}", log_escape(req.method), log_escape(req.path),
                      log_escape(e.what()));
        send_error(res, 500, "internal fault");
      } else {
        // Bad input (a value the registry refuses, an unknown name): the client's to correct.
        // Goal not met (a computation that did not reach its target) is 422.
        send_error(res, e.kind() == ErrorKind::kGoalNotMet ? 422 : 400, e.what(), e.field());
      }
    } catch (const std::exception& e) {
      // Not a kiort error: a handler's own fault (a JSON type error on a value it did not check,
      // a stoll on a stored row, ...), never the client's. The client reads only "internal fault".
      spdlog::error("{} {}: internal fault: {}", log_escape(req.method), log_escape(req.path),
                    log_escape(e.what()));
      send_error(res, 500, "internal fault");
    }
  };
}

void WebServer::Impl::gate_routes() {
  http.set_payload_max_length(options.max_body_bytes);
  http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                            {"X-Frame-Options", "DENY"},
                            {"Referrer-Policy", "no-referrer"},
                            {"Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; style-src 'self' "
                             "'unsafe-inline'; frame-ancestors 'none'; form-action 'self'"}});

  // The gate before any route, before the body is read: no session, no API; no CSRF token, no
  // change. Login is the one way in.
  http.set_pre_routing_handler([this](const Request& req, Response& res) {
    if (!tokens_equal(req.get_header_value("X-Kiort-Gate"), gate_secret)) {
      send_error(res, 403, "connect to kiort serve's own port");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.path.rfind("/api/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("Cache-Control", "no-store");
    if (req.path == "/api/login") return httplib::Server::HandlerResponse::Unhandled;
    const auto s = session_of(req);
    if (!s) {
      send_error(res, 401, "log in first");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (state_changing(req.method) &&
        !tokens_equal(req.get_header_value("X-CSRF-Token"), s->csrf)) {
      send_error(res, 403, "missing or wrong CSRF token (X-CSRF-Token)");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  http.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const Request& req, Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string msg = res.status == 413 ? "request body larger than " +
                                                  std::to_string(options.max_body_bytes) + " bytes"
                          : res.status == 404 ? "not found"
                                              : "request refused";
        if (req.path.rfind("/api/", 0) == 0 || res.status == 413)
          send_error(res, res.status, msg);
        else
          res.set_content(msg + "\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler([](const Request& req, Response& res, std::exception_ptr) {
    spdlog::error("{} {}: unhandled exception", log_escape(req.method), log_escape(req.path));
    send_error(res, 500, "internal fault");
  });
}

WebServer::WebServer(const ServeOptions& options) : impl_(std::make_unique<Impl>(options)) {}
WebServer::~WebServer() = default;

int WebServer::bind() {
  auto& o = impl_->options;
  if (o.port < 0 || o.port > 65535)
    throw Error::bad_input("port out of range")
        .field("--port")
        .seen(std::to_string(o.port))
        .expected("0 to 65535");
  // The HTTP server listens on loopback only; the gate owns the public address.
  const int inner = impl_->http.bind_to_any_port("127.0.0.1");
  if (inner <= 0) throw Error::bad_input("cannot bind a loopback port").field("--bind");
  GateLimits limits;
  limits.max_body_bytes = o.max_body_bytes;
  impl_->gate = std::make_unique<ConnectionGate>(limits, inner, impl_->gate_secret);
  return impl_->gate->bind(o.bind, o.port);
}

void WebServer::listen() {
  impl_->gate_thread = std::thread([this] { impl_->gate->run(); });
  impl_->http.listen_after_bind();
  impl_->gate->stop();
  impl_->gate_thread.join();
}
void WebServer::stop() {
  if (impl_->gate) impl_->gate->stop();
  impl_->http.stop();
}

}  // namespace kiort