// Login, logout and who is logged in.
#include <spdlog/spdlog.h>

#include "server/server_impl.h"

namespace kiort {

using namespace web;  // the route helpers (http_util.h)

void WebServer::Impl::auth_routes() {
  http.Post("/api/login", [this](const Request& req, Response& res) {
    try {
      const LoginForm form = login_form(parse_body(req));
      const std::string& name = form.user;
      // Rate limit before the (64 MiB, 0.1 s) password check: per user and per address.
      if (const long wait = login_limiter.retry_after_s(name, client_address(req)); wait > 0) {
        spdlog::warn("login refused for \"{}\" from {}: too many failed attempts", log_escape(name),
                     log_escape(client_address(req)));
        res.set_header("Retry-After", std::to_string(wait));
        throw HttpError{
            429, "too many failed logins; try again in " + std::to_string(wait) + " s", {}};
      }
      std::optional<User> user;
      {
        std::lock_guard lock(login_mutex);
        user = users.authenticate(name, form.password);
      }
      if (!user) {
        login_limiter.failed(name, client_address(req));
        spdlog::warn("login refused for \"{}\" from {}", log_escape(name),
                     log_escape(client_address(req)));
        throw HttpError{401, "wrong user name or password", {}};
      }
      login_limiter.succeeded(name);
      const Session s = sessions.create(*user);
      spdlog::info("login: {} ({}) from {}", log_escape(user->name), to_string(user->role),
                   log_escape(client_address(req)));
      res.set_header("Set-Cookie",
                     std::string(kCookie) + "=" + s.token + "; Path=/; HttpOnly; SameSite=Strict");
      send_json(res, {{"user", user->name}, {"role", to_string(user->role)}, {"csrf", s.csrf}});
    } catch (const HttpError& e) {
      send_error(res, e.status, e.message, e.field);
    }
  });

  http.Post("/api/logout", api([this](const Request& req, Response& res, const Session&) {
              sessions.remove(cookie_value(req, kCookie));
              res.set_header("Set-Cookie", std::string(kCookie) +
                                               "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
              send_json(res, {{"ok", true}});
            }));

  http.Get("/api/me", api([](const Request&, Response& res, const Session& s) {
             send_json(res, {{"user", s.user.name},
                             {"role", to_string(s.user.role)},
                             {"csrf", s.csrf},
                             {"may_edit_registry", may_edit_registry(s.user.role)},
                             {"may_approve_plans", may_approve_plans(s.user.role)},
                             {"may_delete_records", may_delete_records(s.user.role)}});
           }));
}

}  // namespace kiort
