// Registry entry from the web forms: a visit with its analgesics and complications (POST), its
// correction (PUT) and deletion (DELETE), each with a reason in the audit trail, a visit's
// history, and a patient's vital status (last contact, death). The registry's entry rules decide
// (quality.h check_entry, the same as `kiort registry add/edit`): errors refuse the form with every
// field's reason at once (400, {"errors": [{"field", "message"}]}); warnings (a visit outside its
// window) need the user's confirmation: 409 with {"warnings": [...]} until the form comes again
// with "confirm": true. A form is written in one repository transaction, whole or not at all.
// POST and PUT are idempotent under an Idempotency-Key header: the same key (per user) returns
// the first success again without writing (a double click, a retry after a lost answer).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>

#include "core/error.h"
#include "registry/quality.h"
#include "registry/schedule.h"
#include "registry/schema.h"
#include "registry/scores.h"
#include "server/server_impl.h"

namespace kiort {

using namespace web;  // the route helpers (http_util.h)

namespace {

// A rule's message as the form shows it beside the field: without the column name in front.
std::string in_words(const Violation& v) {
  std::string m = v.message;
  if (m.rfind(v.field + " ", 0) == 0) m = m.substr(v.field.size() + 1);
  return m;
}

json violations_body(const std::vector<Violation>& v, const std::string& table) {
  json out = json::array();
  for (const Violation& x : v)
    out.push_back({{"field", table + "." + x.field}, {"message", in_words(x)}, {"rule", x.rule}});
  return out;
}

// Each value of a dependent row (an analgesic, a complication) on its own: every refused field
// named, with the row's number, before anything is written.
void check_rows(const std::string& table, const std::vector<Row>& rows, json& errors) {
  const TableSpec& t = table_spec(table);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (const auto& [name, value] : rows[i]) {
      const ColumnSpec* c = t.column(name);
      if (!c) continue;
      try {
        if (value) canonical_value(t, *c, *value);
      } catch (const Error& e) {
        std::string m = t.singular + " " + std::to_string(i + 1) + ", " + name + ": " + e.summary();
        if (!e.value_seen().empty()) m += ": got " + e.value_seen();
        if (!e.expectation().empty()) m += ", expected " + e.expectation();
        errors.push_back({{"field", table}, {"message", m}, {"rule", "range"}});
      }
    }
}

// Refused (400) or waiting for confirmation (409): writes the answer and returns false.
bool answer_check(Response& res, const EntryCheck& c, json extra_errors, bool confirm,
                  const std::string& table) {
  json errors = violations_body(c.errors, table);
  for (json& e : extra_errors) errors.push_back(std::move(e));
  if (!errors.empty()) {
    const std::string first = errors[0]["field"].get<std::string>();
    send_json(res,
              {{"error", std::to_string(errors.size()) +
                             (errors.size() == 1 ? " field needs" : " fields need") +
                             " correcting; nothing was saved"},
               {"field", first},
               {"errors", errors},
               {"warnings", violations_body(c.warnings, table)}},
              400);
    return false;
  }
  if (!c.warnings.empty() && !confirm) {
    send_json(res,
              {{"error", "please confirm: " + in_words(c.warnings.front())},
               {"field", table + "." + c.warnings.front().field},
               {"needs_confirmation", true},
               {"warnings", violations_body(c.warnings, table)}},
              409);
    return false;
  }
  return true;
}

std::int64_t row_id(const Row& r) {
  return std::stoll(*r.at("id"));
}

std::string fingerprint(const Request& req) {
  return req.method + ' ' + req.path + ' ' + std::to_string(std::hash<std::string>{}(req.body));
}

// A new visit (id 0) or a correction of visit id: checked whole, then written in one transaction
// with its analgesics (a correction that sends "analgesics" replaces the visit's list) and, for a
// new visit, its complications; the last contact follows.
void save_visit(Repository& repo_ref, Response& res, const Session& s, const VisitForm& f,
                std::int64_t id) {
  Repository* repo = &repo_ref;
  json extra = json::array();
  check_rows("analgesics", f.analgesics, extra);
  check_rows("complications", f.complications, extra);
  const EntryCheck c = check_entry(*repo, "visits", f.visit, id, today_utc());
  if (!answer_check(res, c, extra, f.confirm, "visits")) return;
  std::int64_t visit_id = id;
  repo->transaction([&] {
    if (id) {
      repo->annotate("visits", id, "update", f.reason, s.user.name);
      repo->update("visits", id, f.visit, s.user.name);
      if (f.has_analgesics)
        for (const Row& a : repo->list("analgesics"))
          if (a.at("visit_id") == std::optional<std::string>(std::to_string(id)))
            repo->remove("analgesics", row_id(a), s.user.name);
    } else {
      visit_id = repo->insert("visits", f.visit, s.user.name);
    }
    for (Row a : f.analgesics) {
      a["visit_id"] = std::to_string(visit_id);
      repo->insert("analgesics", a, s.user.name);
    }
    const Row stored = *repo->get("visits", visit_id);
    for (Row cp : f.complications) {
      cp["procedure_id"] = stored.at("procedure_id");
      repo->insert("complications", cp, s.user.name);
    }
    follow_last_contact(*repo, visit_id, s.user.name);
  });
  spdlog::info("visit {} {} by {}", visit_id, id ? "corrected" : "entered", s.user.name);
  send_json(res,
            {{"id", visit_id},
             {"visit", row_json(*repo->get("visits", visit_id))},
             {"warnings", violations_body(c.warnings, "visits")}},
            id ? 200 : 201);
}

}  // namespace

void WebServer::Impl::idempotent(const Request& req, Response& res, const Session& s,
                                 const std::function<void()>& work) {
  const std::string key = req.get_header_value("Idempotency-Key");
  if (key.empty()) return work();
  if (key.size() > 128 ||
      key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789._:-") != std::string::npos)
    throw HttpError{400, "Idempotency-Key: 1 to 128 letters, digits or . _ : -", "Idempotency-Key"};
  const std::string id = s.user.name + '\x1f' + key;
  if (const auto it = replays.find(id); it != replays.end()) {
    if (it->second.fingerprint != fingerprint(req))
      throw HttpError{422, "this Idempotency-Key was used for another request", "Idempotency-Key"};
    res.set_header("Idempotent-Replayed", "true");
    res.status = it->second.status;
    res.set_content(it->second.body, "application/json");
    return;
  }
  work();
  if (res.status >= 200 && res.status < 300) {
    replays[id] = {fingerprint(req), res.status, res.body};
    replay_order.push_back(id);
    while (replay_order.size() > 10000) {
      replays.erase(replay_order.front());
      replay_order.pop_front();
    }
  }
}

void WebServer::Impl::entry_routes() {
  http.Post("/api/visits", api(
                               [this](const Request& req, Response& res, const Session& s) {
                                 const VisitForm f = visit_form(parse_body(req), false);
                                 std::lock_guard lock(registry_mutex);
                                 idempotent(req, res, s, [&] { save_visit(*repo, res, s, f, 0); });
                               },
                               may_edit_registry));

  http.Put(R"(/api/visits/([^/]+))",
           api(
               [this](const Request& req, Response& res, const Session& s) {
                 const std::int64_t id = parse_id(req.matches[1], "visit");
                 const VisitForm f = visit_form(parse_body(req), true);
                 std::lock_guard lock(registry_mutex);
                 if (!repo->get("visits", id)) throw HttpError{404, "no such visit", {}};
                 idempotent(req, res, s, [&] { save_visit(*repo, res, s, f, id); });
               },
               may_edit_registry));

  http.Delete(R"(/api/visits/([^/]+))",
              api(
                  [this](const Request& req, Response& res, const Session& s) {
                    const std::int64_t id = parse_id(req.matches[1], "visit");
                    const json body = parse_body(req);
                    if (!body.contains("reason") || !body["reason"].is_string())
                      throw HttpError{400, "say why the visit is deleted", "reason"};
                    std::lock_guard lock(registry_mutex);
                    if (!repo->get("visits", id)) throw HttpError{404, "no such visit", {}};
                    const std::string vid = std::to_string(id);
                    repo->transaction([&] {
                      repo->annotate("visits", id, "delete", body["reason"].get<std::string>(),
                                     s.user.name);
                      for (const Row& a : repo->list("analgesics"))
                        if (a.at("visit_id") == vid)
                          repo->remove("analgesics", row_id(a), s.user.name);
                      repo->remove("visits", id, s.user.name);
                    });
                    spdlog::info("visit {} deleted by {}", id, s.user.name);
                    send_json(res, {{"id", id}, {"deleted", true}});
                  },
                  may_delete_records));

  // A visit as the edit form needs it, with its analgesics.
  http.Get(R"(/api/visits/([^/]+))", api([this](const Request& req, Response& res, const Session&) {
             const std::int64_t id = parse_id(req.matches[1], "visit");
             std::lock_guard lock(registry_mutex);
             const auto v = repo->get("visits", id);
             if (!v) throw HttpError{404, "no such visit", {}};
             json analgesics = json::array();
             for (const Row& a : repo->list("analgesics"))
               if (a.at("visit_id") == std::optional<std::string>(std::to_string(id)))
                 analgesics.push_back(row_json(a));
             send_json(res, {{"visit", row_json(*v)}, {"analgesics", analgesics}});
           }));

  // Every change to a visit and to its analgesics, oldest first, with who, when and why. A
  // deleted visit's history stays readable.
  http.Get(R"(/api/visits/([^/]+)/history)",
           api([this](const Request& req, Response& res, const Session&) {
             const std::int64_t id = parse_id(req.matches[1], "visit");
             const std::string vid = std::to_string(id);
             std::lock_guard lock(registry_mutex);
             std::vector<std::int64_t> analgesic_ids;
             for (const AuditEntry& a : repo->audit_trail("analgesics"))
               if (a.field == "visit_id" && (a.new_value == vid || a.old_value == vid))
                 analgesic_ids.push_back(a.row_id);
             json out = json::array();
             for (const AuditEntry& a : repo->audit_trail()) {
               const bool mine =
                   (a.table == "visits" && a.row_id == id) ||
                   (a.table == "analgesics" && std::find(analgesic_ids.begin(), analgesic_ids.end(),
                                                         a.row_id) != analgesic_ids.end());
               if (!mine) continue;
               out.push_back(audit_json(a));
             }
             if (out.empty()) throw HttpError{404, "no such visit", {}};
             send_json(res, {{"visit_id", id}, {"entries", out}});
           }));

  // Vital status: last contact, death date and cause. Checked by the same rules (a death before a
  // recorded visit or the procedure is refused at the death date); a change to a recorded vital
  // status needs a reason.
  http.Put(R"(/api/patients/([^/]+)/vital-status)",
           api(
               [this](const Request& req, Response& res, const Session& s) {
                 const std::int64_t pid = parse_id(req.matches[1], "patient");
                 const json body = parse_body(req);
                 const TableSpec& t = table_spec("vital_status");
                 Row values;
                 std::string reason;
                 bool confirm = false;
                 for (const auto& [k, v] : body.items()) {
                   if (k == "reason") {
                     if (!v.is_string()) throw HttpError{400, "expected a string", "reason"};
                     reason = v.get<std::string>();
                   } else if (k == "confirm") {
                     if (!v.is_boolean()) throw HttpError{400, "expected true or false", "confirm"};
                     confirm = v.get<bool>();
                   } else if (k == "last_contact_date" || k == "death_date" || k == "death_cause") {
                     values[k] = form_text(v, "vital_status." + k);
                   } else {
                     throw HttpError{400, "not a field that can be entered", "vital_status." + k};
                   }
                 }
                 std::lock_guard lock(registry_mutex);
                 if (!repo->get("patients", pid)) throw HttpError{404, "no such patient", {}};
                 std::optional<Row> existing;
                 for (const Row& v : repo->list("vital_status"))
                   if (v.at("patient_id") == std::optional<std::string>(std::to_string(pid)))
                     existing = v;
                 values["patient_id"] = std::to_string(pid);
                 EntryCheck c = check_entry(*repo, t.name, values, existing ? row_id(*existing) : 0,
                                            today_utc());
                 // What the change breaks elsewhere (a visit after the new death date) is shown
                 // at the death date.
                 for (Violation& v : c.errors)
                   if (v.form != t.form) {
                     v.message = v.form + " " + std::to_string(v.record_id) + ": " + v.message;
                     v.field = "death_date";
                   }
                 if (!answer_check(res, c, json::array(), confirm, t.name)) return;
                 std::int64_t id = 0;
                 repo->transaction([&] {
                   if (existing) {
                     id = row_id(*existing);
                     repo->annotate(t.name, id, "update", reason, s.user.name);
                     repo->update(t.name, id, values, s.user.name);
                   } else {
                     id = repo->insert(t.name, values, s.user.name);
                   }
                 });
                 spdlog::info("vital status of patient {} entered by {}", pid, s.user.name);
                 send_json(res, {{"id", id}, {"vital_status", row_json(*repo->get(t.name, id))}});
               },
               may_edit_registry));
}

}  // namespace kiort
