#include "server/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"
#include "core/paths.h"
#include "outcomes/cohort.h"
#include "outcomes/qlq.h"
#include "registry/repository.h"
#include "registry/schedule.h"
#include "registry/schema.h"
#include "report/cohort_report.h"
#include "server/api_body.h"
#include "server/auth.h"
#include "server/gate.h"
#include "server/plan_view.h"

#ifndef KIORT_DEFAULT_WEB_DIR
#define KIORT_DEFAULT_WEB_DIR ""
#endif

namespace kiort {
namespace {

using json = nlohmann::json;
using httplib::Request;
using httplib::Response;

constexpr const char* kCookie = "kiort_session";

void send_json(Response& res, const json& body, int status = 200) {
  res.status = status;
  // error_handler_t::replace: a stored value with broken UTF-8 must not turn into a 500.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(Response& res, int status, const std::string& message,
                const std::string& field = {}) {
  json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  send_json(res, body, status);
}

std::string cookie_value(const Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    const auto b = part.find_first_not_of(' ');
    part = b == std::string::npos ? "" : part.substr(b);
    if (part.compare(0, name.size() + 1, name + "=") == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return {};
}

bool state_changing(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::int64_t parse_id(const std::string& text, const char* what) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v <= 0)
    throw HttpError{404, std::string("no such ") + what, {}};
  return v;
}

json parse_body(const Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0)
    throw HttpError{415, "the body must be JSON (Content-Type: application/json)", {}};
  return parse_json_object(req.body);
}

std::string today_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

json row_json(const Row& row) {
  json o = json::object();
  for (const auto& [k, v] : row) o[k] = v ? json(*v) : json();
  return o;
}

// EORTC scores of a stored answer string; empty when the items cannot be read.
json qol_scores(const std::optional<std::string>& c30, const std::optional<std::string>& bm22) {
  json out = json::object();
  auto items = [](const std::string& s, auto& arr) {
    std::size_t i = 0, pos = 0;
    while (i < arr.size()) {
      const std::size_t end = std::min(s.find(',', pos), s.size());
      const std::string t = s.substr(pos, end - pos);
      if (!t.empty()) arr[i] = std::stoi(t);
      ++i;
      if (end >= s.size()) break;
      pos = end + 1;
    }
  };
  try {
    if (c30 && !c30->empty()) {
      QlqC30Items it{};
      items(*c30, it);
      const QlqC30Scores s = score_qlq_c30(it);
      const auto& ql = s.scale("QL2");
      if (ql.score) out["qlq_c30_global"] = *ql.score;
      if (s.summary) out["qlq_c30_summary"] = *s.summary;
    }
    if (bm22 && !bm22->empty()) {
      QlqBm22Items it{};
      items(*bm22, it);
      const QlqBm22Scores s = score_qlq_bm22(it);
      if (const auto& ps = s.scale("PS"); ps.score) out["bm22_painful_sites"] = *ps.score;
      if (const auto& fi = s.scale("FI"); fi.score) out["bm22_functional_interference"] = *fi.score;
    }
  } catch (const std::exception&) {
    // Items written by another tool may not score; the visit still shows, without scores.
  }
  return out;
}

json describe_json(const Describe& d) {
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(); };
  return {{"n", d.n},          {"mean", num(d.mean)}, {"sd", num(d.sd)}, {"median", num(d.median)},
          {"min", num(d.min)}, {"max", num(d.max)}};
}

json column_json(const ColumnSpec& c) {
  static const char* kTypes[] = {"id",   "ref",    "integer", "number", "text",
                                 "date", "choice", "items",   "json"};
  json o = {{"name", c.name},
            {"type", kTypes[static_cast<int>(c.type)]},
            {"description", c.description},
            {"not_null", c.not_null},
            {"required", c.required}};
  if (c.min) o["min"] = *c.min;
  if (c.max) o["max"] = *c.max;
  if (!c.choices.empty()) o["choices"] = c.choices;
  if (c.type == ColumnType::kItems)
    o["items"] = {{"count", c.items.count},
                  {"min", c.items.min},
                  {"max", c.items.max},
                  {"wide_from", c.items.wide_from},
                  {"wide_max", c.items.wide_max}};
  return o;
}

}  // namespace

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

  explicit Impl(const ServeOptions& o)
      : options(o),
        repo(open_repository(o.db, OpenMode::kExisting)),
        users(o.users.empty() ? default_users_file(o.db) : o.users),
        plans(o.plans) {
    routes();
  }

  // The client's address as the gate saw it (the HTTP server's own peer is the gate).
  static std::string client_address(const Request& req) {
    return req.get_header_value("X-Kiort-Peer");
  }

  std::optional<Session> session_of(const Request& req) {
    const std::string token = cookie_value(req, kCookie);
    return token.empty() ? std::nullopt : sessions.find(token);
  }

  using Handler = std::function<void(const Request&, Response&, const Session&)>;

  // Every API handler runs inside this: the session (checked again here, not only in the
  // pre-routing gate), the role, and the one place where exceptions become status codes.
  httplib::Server::Handler api(Handler h, bool (*allowed)(Role) = nullptr) {
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
          send_error(res, 400, e.what(), e.field());
        }
      } catch (const json::exception& e) {
        send_error(res, 400, std::string("bad JSON value: ") + e.what());
      } catch (const std::exception& e) {
        spdlog::error("{} {}: internal fault: {}", log_escape(req.method), log_escape(req.path),
                      log_escape(e.what()));
        send_error(res, 500, "internal fault");
      }
    };
  }

  void routes() {
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
          std::string msg =
              res.status == 413
                  ? "request body larger than " + std::to_string(options.max_body_bytes) + " bytes"
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

    http.Post("/api/login", [this](const Request& req, Response& res) {
      try {
        const LoginForm form = login_form(parse_body(req));
        const std::string& name = form.user;
        // Rate limit before the (64 MiB, 0.1 s) password check: per user and per address.
        if (const long wait = login_limiter.retry_after_s(name, client_address(req)); wait > 0) {
          spdlog::warn("login refused for \"{}\" from {}: too many failed attempts",
                       log_escape(name), log_escape(client_address(req)));
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
        res.set_header("Set-Cookie", std::string(kCookie) + "=" + s.token +
                                         "; Path=/; HttpOnly; SameSite=Strict");
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
                               {"may_approve_plans", may_approve_plans(s.user.role)}});
             }));

    http.Get("/api/due", api([this](const Request& req, Response& res, const Session&) {
               const std::string date =
                   req.has_param("date") ? req.get_param_value("date") : today_utc();
               std::lock_guard lock(registry_mutex);
               json out = json::array();
               std::map<std::string, std::int64_t> patient_ids;
               for (const Row& p : repo->list("patients"))
                 patient_ids[*p.at("pseudonym")] = std::stoll(*p.at("id"));
               for (const DueVisit& d : due_visits(*repo, date)) {
                 json v = d;
                 v["patient_id"] = patient_ids[d.patient];
                 out.push_back(std::move(v));
               }
               send_json(res, {{"date", date}, {"visits", out}});
             }));

    http.Get("/api/patients", api([this](const Request&, Response& res, const Session&) {
               std::lock_guard lock(registry_mutex);
               std::map<std::string, int> procedures;
               for (const Row& p : repo->list("procedures")) ++procedures[*p.at("patient_id")];
               json out = json::array();
               for (const Row& p : repo->list("patients")) {
                 json o = row_json(p);
                 o["procedures"] = procedures[*p.at("id")];
                 out.push_back(o);
               }
               send_json(res, out);
             }));

    http.Get(R"(/api/patients/([^/]+))",
             api([this](const Request& req, Response& res, const Session&) {
               const std::int64_t id = parse_id(req.matches[1], "patient");
               std::lock_guard lock(registry_mutex);
               const auto patient = repo->get("patients", id);
               if (!patient) throw HttpError{404, "no such patient", {}};
               const std::string pid = std::to_string(id);
               json procs = json::array();
               std::vector<std::string> proc_ids;
               for (const Row& p : repo->list("procedures"))
                 if (p.at("patient_id") == pid) {
                   proc_ids.push_back(*p.at("id"));
                   json o = row_json(p);
                   o["levels"] = json::array();
                   o["visits"] = json::array();
                   o["complications"] = json::array();
                   procs.push_back(o);
                 }
               auto proc_of = [&](const std::optional<std::string>& proc_id) -> json* {
                 for (std::size_t i = 0; i < proc_ids.size(); ++i)
                   if (proc_id == proc_ids[i]) return &procs[i];
                 return nullptr;
               };
               for (const Row& l : repo->list("levels"))
                 if (json* p = proc_of(l.at("procedure_id"))) (*p)["levels"].push_back(row_json(l));
               std::map<std::string, json> analgesics;  // visit id -> rows
               for (const Row& a : repo->list("analgesics"))
                 analgesics[*a.at("visit_id")].push_back(row_json(a));
               for (const Row& v : repo->list("visits"))
                 if (json* p = proc_of(v.at("procedure_id"))) {
                   json o = row_json(v);
                   o["analgesics"] =
                       analgesics.count(*v.at("id")) ? analgesics[*v.at("id")] : json::array();
                   o["scores"] = qol_scores(v.at("qlq_c30"), v.at("qlq_bm22"));
                   (*p)["visits"].push_back(o);
                 }
               for (const Row& c : repo->list("complications"))
                 if (json* p = proc_of(c.at("procedure_id")))
                   (*p)["complications"].push_back(row_json(c));
               json vital;
               for (const Row& v : repo->list("vital_status"))
                 if (v.at("patient_id") == pid) vital = row_json(v);
               json due = json::array();
               for (const DueVisit& d : due_visits(*repo, today_utc()))
                 if (d.patient == *patient->at("pseudonym"))
                   due.push_back({{"procedure_id", d.procedure_id},
                                  {"event", d.event},
                                  {"target_date", d.target_date},
                                  {"status", d.status}});
               send_json(res, {{"patient", row_json(*patient)},
                               {"procedures", procs},
                               {"vital_status", vital},
                               {"due", due}});
             }));

    // What the visit form needs: the columns with their limits and choices (the registry's own
    // schema, so the page and the database agree), the schedule's events and the known drugs.
    http.Get("/api/forms", api([this](const Request&, Response& res, const Session&) {
               json tables = json::object();
               for (const char* t : {"visits", "analgesics", "complications"}) {
                 json cols = json::array();
                 for (const ColumnSpec& c : table_spec(t).columns)
                   if (c.type != ColumnType::kId && !c.computed) cols.push_back(column_json(c));
                 tables[t] = cols;
               }
               std::lock_guard lock(registry_mutex);
               json events = json::array();
               for (const ScheduledEvent& e : visit_schedule(*repo))
                 events.push_back({{"event", e.event},
                                   {"label", e.label},
                                   {"day", e.day},
                                   {"repeat_days", e.repeat_days}});
               json drugs = json::array();
               for (const Row& r : repo->list("opioid_conversion"))
                 drugs.push_back({{"drug", r.at("drug").value_or("")},
                                  {"route", r.at("route").value_or("")},
                                  {"dose_unit", r.at("dose_unit").value_or("")}});
               send_json(res, {{"tables", tables}, {"events", events}, {"drugs", drugs}});
             }));

    http.Post(
        "/api/visits",
        api(
            [this](const Request& req, Response& res, const Session& s) {
              const VisitForm form = visit_form(parse_body(req));
              const Row& visit = form.visit;
              const std::vector<Row>& analgesics = form.analgesics;
              const std::vector<Row>& complications = form.complications;

              std::lock_guard lock(registry_mutex);
              const std::int64_t visit_id = repo->insert("visits", visit, s.user.name);
              std::vector<std::pair<std::string, std::int64_t>> written;
              // The repository commits row by row; should a later row be refused, the rows of this
              // form already written are deleted again (through the audited path), so a form is
              // kept whole or not at all, and the trail shows both steps.
              try {
                for (Row a : analgesics) {
                  a["visit_id"] = std::to_string(visit_id);
                  written.emplace_back("analgesics", repo->insert("analgesics", a, s.user.name));
                }
                for (Row c : complications) {
                  c["procedure_id"] =
                      visit.count("procedure_id") ? visit.at("procedure_id") : std::nullopt;
                  written.emplace_back("complications",
                                       repo->insert("complications", c, s.user.name));
                }
              } catch (...) {
                for (auto it = written.rbegin(); it != written.rend(); ++it)
                  repo->remove(it->first, it->second, s.user.name);
                repo->remove("visits", visit_id, s.user.name);
                throw;
              }
              spdlog::info("visit {} entered by {}", visit_id, s.user.name);
              send_json(res,
                        {{"id", visit_id}, {"visit", row_json(*repo->get("visits", visit_id))}},
                        201);
            },
            may_edit_registry));

    http.Get("/api/audit", api([this](const Request& req, Response& res, const Session&) {
               const std::string table = req.has_param("table") ? req.get_param_value("table") : "";
               if (!table.empty()) table_spec(table);  // refuses unknown tables with 400
               const std::int64_t id =
                   req.has_param("id") ? parse_id(req.get_param_value("id"), "row") : 0;
               std::lock_guard lock(registry_mutex);
               json out = json::array();
               for (const AuditEntry& a : repo->audit_trail(table, id))
                 out.push_back({{"id", a.id},
                                {"user", a.user},
                                {"changed_at", a.changed_at},
                                {"table", a.table},
                                {"row_id", a.row_id},
                                {"action", a.action},
                                {"field", a.field},
                                {"old_value", a.old_value ? json(*a.old_value) : json()},
                                {"new_value", a.new_value ? json(*a.new_value) : json()}});
               send_json(res, out);
             }));

    http.Get(
        "/api/cohort", api([this](const Request&, Response& res, const Session&) {
          LoadedCohort cohort;
          {
            std::lock_guard lock(registry_mutex);
            try {
              cohort = load_cohort(*repo);
            } catch (const Error& e) {
              if (e.kind() != ErrorKind::kBadInput) throw;
              send_json(res, {{"empty", true}, {"message", e.what()}});
              return;
            }
          }
          const CohortSummary s = summarize_cohort(cohort.data);
          json km = json::array();
          for (const KmRow& r : s.os.table)
            km.push_back({{"time_days", r.time},
                          {"surv", r.surv},
                          {"n_risk", r.n_risk},
                          {"n_event", r.n_event},
                          {"n_censor", r.n_censor},
                          {"lower", r.lower},
                          {"upper", r.upper}});
          double max_days = 0;
          for (const SurvivalSubject& x : s.survival) max_days = std::max(max_days, x.days());
          std::vector<double> times;
          for (double m = 0; m * kDaysPerMonth <= max_days + 1e-9; m += 3)
            times.push_back(m * kDaysPerMonth);
          const std::vector<int> at_risk = numbers_at_risk(s.survival, times);
          json risk = json::array();
          for (std::size_t i = 0; i < times.size(); ++i)
            risk.push_back({{"time_days", times[i]}, {"n", at_risk[i]}});
          json censored = json::array();
          for (const SurvivalSubject& x : s.survival)
            if (!x.died) censored.push_back(x.days());
          json pain = json::array();
          for (const PainAtVisit& p : s.pain) {
            json resp = json::object();
            for (const auto& [k, n] : p.response) resp[to_string(k)] = n;
            const auto label = cohort.event_labels.find(p.event);
            pain.push_back({{"event", p.event},
                            {"label", label != cohort.event_labels.end() ? label->second : p.event},
                            {"n_assessed", p.n_assessed},
                            {"pain", describe_json(p.pain)},
                            {"n_paired", p.n_paired},
                            {"change", describe_json(p.change)},
                            {"n_evaluable", p.n_evaluable},
                            {"n_responders", p.n_responders},
                            {"response", resp}});
          }
          json comps = json::array();
          for (const ComplicationCount& c : s.complications)
            comps.push_back({{"type", c.type},
                             {"severity", c.severity},
                             {"ctcae_grade", c.ctcae_grade ? json(*c.ctcae_grade) : json()},
                             {"n", c.n}});
          send_json(res, {{"empty", false},
                          {"n_patients", s.n_patients},
                          {"n_procedures", s.n_procedures},
                          {"n_levels", s.n_levels},
                          {"n_deaths", s.n_deaths},
                          {"n_alive", s.n_alive},
                          {"baseline_pain", describe_json(s.baseline_pain)},
                          {"n_procedures_with_complication", s.n_procedures_with_complication},
                          {"km", km},
                          {"at_risk", risk},
                          {"censored_days", censored},
                          {"median_os_days", s.os.median ? json(*s.os.median) : json()},
                          {"pain", pain},
                          {"complications", comps}});
        }));

    http.Get("/api/plans", api([this](const Request&, Response& res, const Session&) {
               send_json(res, plans.list());
             }));
    http.Get(R"(/api/plans/([A-Za-z0-9._-]+))",
             api([this](const Request& req, Response& res, const Session&) {
               const std::string id = req.matches[1];
               if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
               send_json(res, plans.details(id));
             }));
    http.Get(R"(/api/plans/([A-Za-z0-9._-]+)/slice)",
             api([this](const Request& req, Response& res, const Session&) {
               const std::string id = req.matches[1];
               if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
               const SliceAxis axis =
                   parse_slice_axis(req.has_param("axis") ? req.get_param_value("axis") : "axial");
               auto number = [&](const std::string& text, const char* field) {
                 double v = 0;
                 const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
                 if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v))
                   throw HttpError{400, "not a number: '" + text + "'", field};
                 return v;
               };
               const auto img = plans.image(id);
               const double index = req.has_param("index")
                                        ? number(req.get_param_value("index"), "index")
                                        : slice_count(*img, axis) / 2;
               if (index != std::floor(index) || std::abs(index) > 1e6)
                 throw HttpError{400, "the slice index must be an integer", "index"};
               double window = 400, level = 40;
               if (req.has_param("wl")) {
                 const std::string wl = req.get_param_value("wl");
                 const auto comma = wl.find(',');
                 if (comma == std::string::npos)
                   throw HttpError{400, "expected wl=WINDOW,LEVEL", "wl"};
                 window = number(wl.substr(0, comma), "wl");
                 level = number(wl.substr(comma + 1), "wl");
               }
               res.set_content(render_slice_png(*img, axis, static_cast<int>(index), window, level),
                               "image/png");
             }));
    http.Post(R"(/api/plans/([A-Za-z0-9._-]+)/approve)",
              api(
                  [this](const Request& req, Response& res, const Session& s) {
                    const std::string id = req.matches[1];
                    if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
                    json a = plans.approve_plan(id, s.user.name);
                    spdlog::info("plan {} approved by {}", id, s.user.name);
                    // The registry's levels that name this plan get its checksum, through the
                    // audited path, so the approval is also in the registry's trail.
                    json levels = json::array();
                    {
                      std::lock_guard lock(registry_mutex);
                      for (const Row& l : repo->list("levels"))
                        if (l.at("plan_id") == a["plan_id"].get<std::string>() &&
                            !l.at("plan_checksum")) {
                          const std::int64_t level_id = std::stoll(*l.at("id"));
                          repo->update("levels", level_id,
                                       {{"plan_checksum", a["checksum"].get<std::string>()}},
                                       s.user.name);
                          levels.push_back(level_id);
                        }
                    }
                    a["registry_levels"] = levels;
                    send_json(res, a);
                  },
                  may_approve_plans));

    // Anything else under /api/ is unknown: 404 in JSON, after the session gate above.
    http.Get(R"(/api/.*)", api([](const Request&, Response&, const Session&) {
               throw HttpError{404, "no such API route", {}};
             }));

    const std::string web = options.web.empty() ? default_web_dir() : options.web;
    if (!web.empty() && std::filesystem::exists(std::filesystem::path(web) / "index.html")) {
      http.set_mount_point("/", web);
    } else {
      spdlog::warn(
          "no built front end in '{}': only the API is served (the build makes it when node and "
          "npm are installed: scripts/install-deps, then cmake --build; or pass --web)",
          web);
      http.Get("/", [](const Request&, Response& res) {
        res.set_content(
            "kiort serve: the front end is not built (install node and npm with "
            "scripts/install-deps and build again, or pass --web); the API is under /api/\n",
            "text/plain");
      });
    }
  }
};

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
