#include "registry/quality.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "core/error.h"
#include "registry/schedule.h"
#include "registry/schema.h"
#include "registry/scores.h"
#include "registry/sql_repository.h"

namespace kiort {
namespace {

using Table = std::map<std::int64_t, Row>;

const std::optional<std::string>& at(const Row& r, const std::string& k) {
  static const std::optional<std::string> none;
  const auto it = r.find(k);
  return it == r.end() ? none : it->second;
}
std::int64_t id_of(const Row& r, const std::string& k = "id") {
  const auto& v = at(r, k);
  return v ? std::stoll(*v) : 0;
}
std::optional<std::int64_t> day_of(const Row& r, const std::string& k) {
  const auto& v = at(r, k);
  return v ? parse_date(*v) : std::nullopt;
}

using Data = std::map<std::string, Table>;

Data load(Repository& repo) {
  Data data;
  for (const TableSpec& t : registry_tables())
    for (Row& r : repo.list(t.name)) data[t.name][id_of(r)] = std::move(r);
  return data;
}

class Checker {
 public:
  Checker(Data data, std::vector<ScheduledEvent> schedule, const std::string& today)
      : today_(parse_date(today)), data_(std::move(data)), schedule_(std::move(schedule)) {}

  std::vector<Violation> run() {
    for (const TableSpec& t : registry_tables()) check_values(t);
    check_dates();
    check_duplicates();
    check_windows();
    check_consistency();
    return std::move(out_);
  }

 private:
  // The patient a row belongs to, through its references.
  std::string patient_of(const std::string& table, const Row& r) {
    std::int64_t pid = 0;
    if (table == "patients") pid = id_of(r);
    if (table == "procedures" || table == "vital_status") pid = id_of(r, "patient_id");
    if (table == "levels" || table == "visits" || table == "complications")
      pid = id_of(find("procedures", id_of(r, "procedure_id")), "patient_id");
    if (table == "analgesics")
      pid = id_of(find("procedures", id_of(find("visits", id_of(r, "visit_id")), "procedure_id")),
                  "patient_id");
    const auto& p = at(find("patients", pid), "pseudonym");
    return p.value_or("");
  }
  const Row& find(const std::string& table, std::int64_t id) {
    static const Row empty;
    const auto& t = data_[table];
    const auto it = t.find(id);
    return it == t.end() ? empty : it->second;
  }
  void add(std::string rule, std::string severity, const std::string& table, const Row& r,
           std::string field, std::string message) {
    out_.push_back({std::move(rule), std::move(severity), patient_of(table, r),
                    table_spec(table).form, id_of(r), std::move(field), std::move(message)});
  }

  void check_values(const TableSpec& t) {
    for (const auto& [id, r] : data_[t.name]) {
      for (const ColumnSpec& c : t.columns) {
        const auto& v = at(r, c.name);
        if (!v) {
          // Impossible (a NOT NULL column empty behind kiort's back) is an error; a field the
          // study did not record is completeness, or a warning where a main result needs it.
          if (c.not_null)
            add("required", "error", t.name, r, c.name, "missing " + c.description);
          else if (c.required)
            add("required", c.key ? "warning" : "completeness", t.name, r, c.name,
                "not recorded: " + c.description);
          continue;
        }
        try {
          canonical_value(t, c, *v);
        } catch (const Error& e) {
          add("range", "error", t.name, r, c.name, e.what());
          continue;
        }
        if (c.type == ColumnType::kInt || c.type == ColumnType::kReal) {
          const double d = std::stod(*v);
          if ((c.soft_min && d < *c.soft_min) || (c.soft_max && d > *c.soft_max))
            add("plausibility", "warning", t.name, r, c.name,
                c.name + " = " + *v + " is outside the usual " +
                    (c.soft_min ? format_real(*c.soft_min) : std::string("-")) + " to " +
                    (c.soft_max ? format_real(*c.soft_max) : std::string("-")));
        }
        if (c.type == ColumnType::kDate && today_ && *parse_date(*v) > *today_)
          add("date_order", "error", t.name, r, c.name, c.name + " " + *v + " is in the future");
      }
    }
  }

  std::optional<std::int64_t> death_of(std::int64_t patient_id) {
    for (const auto& [id, vs] : data_["vital_status"])
      if (id_of(vs, "patient_id") == patient_id) return day_of(vs, "death_date");
    return std::nullopt;
  }

  void before(const std::string& table, const Row& r, const std::string& field,
              std::optional<std::int64_t> when, std::optional<std::int64_t> limit,
              const std::string& what) {
    if (when && limit && *when < *limit)
      add("date_order", "error", table, r, field,
          field + " " + format_date(*when) + " is " + what + " (" + format_date(*limit) + ")");
  }
  void after(const std::string& table, const Row& r, const std::string& field,
             std::optional<std::int64_t> when, std::optional<std::int64_t> limit,
             const std::string& what) {
    if (when && limit && *when > *limit)
      add("date_order", "error", table, r, field,
          field + " " + format_date(*when) + " is " + what + " (" + format_date(*limit) + ")");
  }

  void check_dates() {
    for (const auto& [id, p] : data_["patients"]) {
      const auto birth = day_of(p, "birth_date");
      before("patients", p, "spinal_met_dx_date", day_of(p, "spinal_met_dx_date"), birth,
             "before birth");
      const auto death = death_of(id);
      after("patients", p, "spinal_met_dx_date", day_of(p, "spinal_met_dx_date"), death,
            "after death");
    }
    for (const auto& [id, vs] : data_["vital_status"]) {
      const Row& p = find("patients", id_of(vs, "patient_id"));
      after("vital_status", vs, "last_contact_date", day_of(vs, "last_contact_date"),
            day_of(vs, "death_date"), "after death");
      before("vital_status", vs, "death_date", day_of(vs, "death_date"),
             day_of(p, "spinal_met_dx_date"), "before the spinal metastasis diagnosis");
    }
    for (const auto& [id, pr] : data_["procedures"]) {
      const Row& p = find("patients", id_of(pr, "patient_id"));
      const auto d = day_of(pr, "procedure_date");
      before("procedures", pr, "procedure_date", d, day_of(p, "spinal_met_dx_date"),
             "before the spinal metastasis diagnosis");
      before("procedures", pr, "procedure_date", d, day_of(p, "birth_date"), "before birth");
      after("procedures", pr, "procedure_date", d, death_of(id_of(pr, "patient_id")),
            "after death");
    }
    for (const std::string table : {"visits", "complications"}) {
      const std::string field = table == "visits" ? "visit_date" : "onset_date";
      for (const auto& [id, v] : data_[table]) {
        const Row& pr = find("procedures", id_of(v, "procedure_id"));
        // A pre-operative event (its window opens before day 0) is checked by its window.
        const auto ev = table == "visits" ? at(v, "event") : std::nullopt;
        const auto target = ev ? find_event(schedule_, *ev) : std::nullopt;
        if (!target || target->day - target->event->window_before >= 0)
          before(table, v, field, day_of(v, field), day_of(pr, "procedure_date"), "before surgery");
        after(table, v, field, day_of(v, field), death_of(id_of(pr, "patient_id")), "after death");
      }
    }
  }

  void check_duplicates() {
    std::map<std::string, std::int64_t> seen;
    auto key_of = [](const Row& r, std::initializer_list<const char*> keys) -> std::string {
      std::string k;
      for (const char* name : keys) {
        const auto& v = at(r, name);
        if (!v) return {};
        k += *v + '\x1f';
      }
      return k;
    };
    auto dup = [&](const std::string& table, std::initializer_list<const char*> keys,
                   const std::string& field, const std::string& what) {
      seen.clear();
      for (const auto& [id, r] : data_[table]) {
        if (table == "visits" && at(r, "event") == std::optional<std::string>("unscheduled"))
          continue;
        const std::string k = key_of(r, keys);
        if (k.empty()) continue;
        const auto [it, fresh] = seen.emplace(k, id);
        if (!fresh)
          add("duplicate", "error", table, r, field,
              what + " as " + table_spec(table).singular + " " + std::to_string(it->second));
      }
    };
    dup("patients", {"sex", "birth_year", "primary_site", "spinal_met_dx_date"}, "pseudonym",
        "possible duplicate patient: same sex, birth year, primary site and diagnosis date");
    dup("procedures", {"patient_id", "procedure_date"}, "procedure_date", "same patient and date");
    dup("visits", {"procedure_id", "event"}, "event", "second visit for the same event");
    dup("analgesics", {"visit_id", "drug", "route"}, "drug", "same drug and route at this visit");
    dup("complications", {"procedure_id", "type", "level", "onset_date"}, "type",
        "same type, level and date");
  }

  void check_windows() {
    for (const auto& [id, v] : data_["visits"]) {
      const auto& ev = at(v, "event");
      if (!ev || *ev == "unscheduled") continue;
      // A missed or not-done visit is recorded when it is known, often after its window.
      if (const auto& st = at(v, "visit_status"); st && *st != "done") continue;
      const auto target = find_event(schedule_, *ev);
      if (!target) {
        add("consistency", "error", "visits", v, "event", "event '" + *ev + "' is not scheduled");
        continue;
      }
      const ScheduledEvent* s = target->event;
      const auto proc = day_of(find("procedures", id_of(v, "procedure_id")), "procedure_date");
      const auto d = day_of(v, "visit_date");
      if (!proc || !d) continue;
      const std::int64_t lo = *proc + target->day - s->window_before,
                         hi = *proc + target->day + s->window_after;
      if (*d < lo || *d > hi)
        add("window", "warning", "visits", v, "visit_date",
            "visit_date " + format_date(*d) + " is outside the " + *ev + " window " +
                format_date(lo) + " to " + format_date(hi));
    }
  }

  void check_consistency() {
    for (const auto& [id, p] : data_["patients"]) {
      try {
        if (at(p, "sins_location") && at(p, "sins_pain") && at(p, "sins_lesion") &&
            at(p, "sins_alignment") && at(p, "sins_collapse") && at(p, "sins_posterolateral")) {
          const int s = sins_score({*at(p, "sins_location"), *at(p, "sins_pain"),
                                    *at(p, "sins_lesion"), *at(p, "sins_alignment"),
                                    *at(p, "sins_collapse"), *at(p, "sins_posterolateral")});
          if (at(p, "sins_score") != std::optional<std::string>(std::to_string(s)))
            add("consistency", "error", "patients", p, "sins_score",
                "stored SINS " + at(p, "sins_score").value_or("(empty)") + ", components give " +
                    std::to_string(s));
        }
        if (at(p, "kps") && at(p, "primary_site") && at(p, "tok_extraspinal_bone_mets") &&
            at(p, "tok_vertebral_mets") && at(p, "tok_visceral_mets") &&
            at(p, "tok_palsy_frankel")) {
          const int s = tokuhashi_score(
              {.kps = std::stoi(*at(p, "kps")),
               .extraspinal_bone_mets = std::stoi(*at(p, "tok_extraspinal_bone_mets")),
               .vertebral_mets = std::stoi(*at(p, "tok_vertebral_mets")),
               .visceral_mets = *at(p, "tok_visceral_mets"),
               .primary_site = *at(p, "primary_site"),
               .palsy_frankel = *at(p, "tok_palsy_frankel")});
          if (at(p, "tokuhashi_score") != std::optional<std::string>(std::to_string(s)))
            add("consistency", "error", "patients", p, "tokuhashi_score",
                "stored Tokuhashi " + at(p, "tokuhashi_score").value_or("(empty)") +
                    ", inputs give " + std::to_string(s));
        }
      } catch (const std::exception&) {
        // An invalid component (even a non-number written behind kiort's back) is already
        // reported by the range rule.
      }
      const auto& by = at(p, "birth_year");
      const auto& bd = at(p, "birth_date");
      if (by && bd && bd->substr(0, 4) != *by)
        add("consistency", "error", "patients", p, "birth_year",
            "birth_year " + *by + " disagrees with birth_date " + *bd);
    }
    for (const auto& [id, v] : data_["visits"]) {
      try {
        check_pain_instrument(v);
      } catch (const Error& e) {
        add("consistency", "error", "visits", v, "pain_score", e.what());
      } catch (const std::exception&) {
        // Not a number: the range rule reports it.
      }
    }
    for (const auto& [id, a] : data_["analgesics"]) {
      const Row& visit = find("visits", id_of(a, "visit_id"));
      if (at(visit, "analgesics_assessed") == std::optional<std::string>("no"))
        add("consistency", "error", "analgesics", a, "visit_id",
            "an analgesic is recorded at a visit marked analgesics_assessed = no");
      const auto& dose = at(a, "daily_dose");
      const auto& f = at(a, "ome_factor");
      const auto& ome = at(a, "ome_mg_day");
      try {
        if (dose && f && ome &&
            std::fabs(std::stod(*dose) * std::stod(*f) - std::stod(*ome)) > 1e-6)
          add("consistency", "error", "analgesics", a, "ome_mg_day",
              "ome_mg_day " + *ome + " is not daily_dose x ome_factor");
      } catch (const std::exception&) {
        // Not numbers: the range rule reports them.
      }
    }
    for (const auto& [id, c] : data_["complications"]) {
      const bool leak = at(c, "type") == std::optional<std::string>("cement_leak");
      if (!leak && at(c, "leak_location"))
        add("consistency", "error", "complications", c, "leak_location",
            "leak_location given for a non-leak");
      if (leak && !at(c, "leak_location"))
        add("required", "completeness", "complications", c, "leak_location",
            "not recorded: cement leak location");
      const Row& pr = find("procedures", id_of(c, "procedure_id"));
      if (at(pr, "complications_assessed") == std::optional<std::string>("no"))
        add("consistency", "warning", "complications", c, "procedure_id",
            "a complication is recorded for a procedure marked complications_assessed = no");
      const auto& lv = at(c, "level");
      if (lv) {
        bool treated = false;
        for (const auto& [lid, l] : data_["levels"])
          treated = treated ||
                    (id_of(l, "procedure_id") == id_of(c, "procedure_id") && at(l, "level") == lv);
        if (!treated)
          add("consistency", "warning", "complications", c, "level",
              "level " + *lv + " was not treated in this procedure");
      }
    }
  }

  std::optional<std::int64_t> today_;
  std::map<std::string, Table> data_;
  std::vector<ScheduledEvent> schedule_;
  std::vector<Violation> out_;
};

}  // namespace

std::vector<Violation> check_registry(Repository& repo, const std::string& today) {
  return Checker(load(repo), visit_schedule(repo), today).run();
}

EntryCheck check_entry(Repository& repo, const std::string& table, const Row& values,
                       std::int64_t id, const std::string& today) {
  const TableSpec& t = table_spec(table);
  EntryCheck out;
  Data data = load(repo);
  const std::vector<ScheduledEvent> schedule = visit_schedule(repo);
  Row row;
  if (id != 0) {
    const auto it = data[t.name].find(id);
    if (it == data[t.name].end())
      throw Error::bad_input("no such " + t.singular)
          .field(t.name + ".id")
          .seen(std::to_string(id));
    row = it->second;
  } else {
    id = data[t.name].empty() ? 1 : data[t.name].rbegin()->first + 1;
  }
  // Each value on its own first, so that every refused field is named at once; a refused value
  // stays out of the rules below (which read dates and numbers).
  for (const auto& [name, value] : values) {
    const ColumnSpec* c = t.column(name);
    if (!c || c->type == ColumnType::kId) continue;
    try {
      row[name] = value ? canonical_value(t, *c, *value) : std::nullopt;
    } catch (const Error& e) {
      std::string m = e.summary();
      if (!e.value_seen().empty()) m += ": got " + e.value_seen();
      if (!e.expectation().empty()) m += ", expected " + e.expectation();
      out.errors.push_back({"range", "error", "", t.form, id, name, m});
      row[name] = std::nullopt;
    }
  }
  for (const ColumnSpec& c : t.columns) {
    if (c.type == ColumnType::kRef && at(row, c.name) &&
        !data[c.references].count(std::stoll(*at(row, c.name))))
      out.errors.push_back(
          {"required", "error", "", t.form, id, c.name,
           "unknown " + table_spec(c.references).singular + " " + *at(row, c.name)});
    if (c.not_null && !at(row, c.name) &&
        std::none_of(out.errors.begin(), out.errors.end(),
                     [&](const Violation& v) { return v.field == c.name; }))
      out.errors.push_back(
          {"required", "error", "", t.form, id, c.name, "required: " + c.description});
  }
  row["id"] = std::to_string(id);
  if (t.name == "visits") {
    // A visit that took place has a pain score; a missed or not-done one has a reason and no
    // findings (nothing was measured).
    const auto status = at(row, "visit_status").value_or("done");
    if (status == "done") {
      const bool refused = std::any_of(
          out.errors.begin(), out.errors.end(),
          [](const Violation& v) { return v.field == "pain_worst" || v.field == "pain_score"; });
      if (!refused && !at(row, "pain_worst") && !at(row, "pain_score"))
        out.errors.push_back({"required", "error", "", t.form, id, "pain_worst",
                              "no pain score: enter the worst pain (0-10), or mark the visit "
                              "missed or not done"});
    } else {
      if (!at(row, "status_reason"))
        out.errors.push_back(
            {"required", "error", "", t.form, id, "status_reason",
             "say why the visit was " + std::string(status == "missed" ? "missed" : "not done")});
      for (const char* f : {"pain_worst", "pain_score", "qlq_c30", "qlq_bm22", "odi"})
        if (at(row, f))
          out.errors.push_back({"consistency", "error", "", t.form, id, f,
                                "a " + status + " visit has no findings; clear this field"});
    }
  }
  // The rules below see a refused value as absent; what they say about those fields is dropped.
  std::set<std::string> refused;
  for (const Violation& v : out.errors) refused.insert(v.field);

  // The registry's own rules (check_registry) with and without the change: what the change adds.
  std::vector<Violation> before, after;
  try {
    before = Checker(data, schedule, today).run();
    data[t.name][id] = row;
    after = Checker(std::move(data), schedule, today).run();
  } catch (const std::exception&) {
    // A stored row the rules cannot read (written behind kiort's back): `check` reports it; the
    // repository's own checks still decide on this change.
    return out;
  }
  auto key = [](const Violation& v) {
    return std::tie(v.rule, v.severity, v.form, v.record_id, v.field, v.message);
  };
  std::multiset<
      std::tuple<std::string, std::string, std::string, std::int64_t, std::string, std::string>>
      seen;
  for (const Violation& v : before) seen.insert(key(v));
  for (const Violation& v : after) {
    const auto it = seen.find(key(v));
    if (it != seen.end()) {
      seen.erase(it);
      continue;
    }
    if (v.record_id == id && v.form == t.form && refused.count(v.field)) continue;
    // A computed column (SINS, Tokuhashi, OMED) is filled in by the repository on writing.
    if (v.record_id == id && v.form == t.form && t.column(v.field) && t.column(v.field)->computed)
      continue;
    // Completeness (a field the study did not record) is for `check`, not for the form.
    if (v.severity == "error")
      out.errors.push_back(v);
    else if (v.severity == "warning" && v.rule != "required")
      out.warnings.push_back(v);
  }
  // In the form's order: the first refused field is the first to correct.
  auto order = [&](const Violation& v) {
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      if (t.columns[i].name == v.field) return i;
    return t.columns.size();
  };
  for (auto* list : {&out.errors, &out.warnings})
    std::stable_sort(list->begin(), list->end(),
                     [&](const Violation& a, const Violation& b) { return order(a) < order(b); });
  return out;
}

std::string violations_json(const std::vector<Violation>& v) {
  nlohmann::json j = nlohmann::json::array();
  for (const Violation& x : v)
    j.push_back({{"rule", x.rule},
                 {"severity", x.severity},
                 {"patient", x.patient},
                 {"form", x.form},
                 {"record_id", x.record_id},
                 {"field", x.field},
                 {"message", x.message}});
  return j.dump(2) + "\n";
}

std::string violations_text(const std::vector<Violation>& v) {
  std::string out;
  for (const Violation& x : v)
    out += x.severity + " [" + x.rule + "] patient " + (x.patient.empty() ? "?" : x.patient) +
           ", form " + x.form + " #" + std::to_string(x.record_id) + ", field " + x.field + ": " +
           x.message + "\n";
  std::map<std::string, std::size_t> n;
  for (const Violation& x : v) ++n[x.severity];
  out += std::to_string(v.size()) + (v.size() == 1 ? " violation" : " violations") + " (" +
         std::to_string(n["error"]) + " errors, " + std::to_string(n["warning"]) + " warnings, " +
         std::to_string(n["completeness"]) + " completeness)\n";
  return out;
}

}  // namespace kiort
