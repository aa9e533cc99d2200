// The registry's routes: patients with their follow-up, the due list, the visit form's schema,
// visit entry and the audit trail. Every change goes through the Repository with the logged-in
// user's name.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "core/error.h"
#include "outcomes/qlq.h"
#include "registry/schedule.h"
#include "registry/schema.h"
#include "registry/scores.h"
#include "server/server_impl.h"

namespace kiort {

using namespace web;  // the route helpers (http_util.h)

namespace {

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

void WebServer::Impl::registry_routes() {
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

  // A procedure as the visit form's heading needs it: the patient (pseudonym, vital status), the
  // procedure date and levels, the visits recorded and the visits due today.
  http.Get(R"(/api/procedures/([^/]+))",
           api([this](const Request& req, Response& res, const Session&) {
             const std::int64_t id = parse_id(req.matches[1], "procedure");
             std::lock_guard lock(registry_mutex);
             const auto proc = repo->get("procedures", id);
             if (!proc) throw HttpError{404, "no such procedure", {}};
             const auto patient = repo->get("patients", std::stoll(*proc->at("patient_id")));
             if (!patient) throw HttpError{404, "no such patient", {}};
             const std::string pid = std::to_string(id);
             json levels = json::array(), visits = json::array(), due = json::array();
             for (const Row& l : repo->list("levels"))
               if (l.at("procedure_id") == pid) levels.push_back(row_json(l));
             for (const Row& v : repo->list("visits"))
               if (v.at("procedure_id") == pid)
                 visits.push_back({{"id", std::stoll(*v.at("id"))},
                                   {"event", v.at("event").value_or("")},
                                   {"visit_date", v.at("visit_date").value_or("")},
                                   {"visit_status", v.at("visit_status").value_or("done")}});
             json vital;
             for (const Row& v : repo->list("vital_status"))
               if (v.at("patient_id") == proc->at("patient_id")) vital = row_json(v);
             for (const DueVisit& d : due_visits(*repo, today_utc()))
               if (d.procedure_id == id) due.push_back(d);
             send_json(res, {{"procedure", row_json(*proc)},
                             {"patient", row_json(*patient)},
                             {"levels", levels},
                             {"visits", visits},
                             {"vital_status", vital},
                             {"due", due},
                             {"today", today_utc()}});
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
                                 {"window_before", e.window_before},
                                 {"window_after", e.window_after},
                                 {"repeat_days", e.repeat_days}});
             json drugs = json::array();
             for (const Row& r : repo->list("opioid_conversion"))
               drugs.push_back({{"drug", r.at("drug").value_or("")},
                                {"route", r.at("route").value_or("")},
                                {"dose_unit", r.at("dose_unit").value_or("")}});
             send_json(res, {{"tables", tables}, {"events", events}, {"drugs", drugs}});
           }));

  http.Get("/api/audit", api([this](const Request& req, Response& res, const Session&) {
             const std::string table = req.has_param("table") ? req.get_param_value("table") : "";
             if (!table.empty()) table_spec(table);  // refuses unknown tables with 400
             const std::int64_t id =
                 req.has_param("id") ? parse_id(req.get_param_value("id"), "row") : 0;
             std::lock_guard lock(registry_mutex);
             json out = json::array();
             for (const AuditEntry& a : repo->audit_trail(table, id)) out.push_back(audit_json(a));
             send_json(res, out);
           }));
}

}  // namespace kiort
