#include "registry/schedule.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "registry/scores.h"

namespace kiort {

std::vector<ScheduledEvent> visit_schedule(Repository& repo) {
  std::vector<ScheduledEvent> out;
  for (const Row& r : repo.list("visit_schedule"))
    out.push_back({.event = *r.at("event"),
                   .label = r.at("label").value_or(""),
                   .day = std::stoi(*r.at("day")),
                   .window_before = std::stoi(*r.at("window_before")),
                   .window_after = std::stoi(*r.at("window_after")),
                   .repeat_days = r.at("repeat_days") ? std::stoi(*r.at("repeat_days")) : 0});
  std::stable_sort(out.begin(), out.end(),
                   [](const ScheduledEvent& a, const ScheduledEvent& b) { return a.day < b.day; });
  return out;
}

std::optional<EventTarget> find_event(const std::vector<ScheduledEvent>& schedule,
                                      const std::string& name) {
  for (const ScheduledEvent& e : schedule) {
    if (e.event == name && e.repeat_days == 0) return EventTarget{&e, 0, e.day};
    if (e.repeat_days > 0 && name.size() > e.event.size() + 1 &&
        name.rfind(e.event + "_", 0) == 0) {
      const std::string k = name.substr(e.event.size() + 1);
      if (k.find_first_not_of("0123456789") != std::string::npos || k.size() > 4 || k[0] == '0')
        continue;
      const int instance = std::stoi(k);
      return EventTarget{&e, instance, e.day + (instance - 1) * e.repeat_days};
    }
  }
  return std::nullopt;
}

std::vector<DueVisit> due_visits(Repository& repo, const std::string& date) {
  const auto today = parse_date(date);
  if (!today)
    throw Error::bad_input("not a calendar date").field("--date").seen(date).expected("YYYY-MM-DD");
  std::map<std::int64_t, std::string> pseudonym;
  for (const Row& p : repo.list("patients"))
    pseudonym[std::stoll(*p.at("id"))] = *p.at("pseudonym");
  std::map<std::int64_t, std::int64_t> death;  // patient id -> death day
  for (const Row& v : repo.list("vital_status"))
    if (const auto d = v.at("death_date") ? parse_date(*v.at("death_date")) : std::nullopt)
      death[std::stoll(*v.at("patient_id"))] = *d;
  std::set<std::pair<std::int64_t, std::string>> done;  // (procedure id, event)
  for (const Row& v : repo.list("visits"))
    done.insert({std::stoll(*v.at("procedure_id")), *v.at("event")});

  const std::vector<ScheduledEvent> schedule = visit_schedule(repo);
  std::vector<DueVisit> out;
  for (const Row& pr : repo.list("procedures")) {
    const std::int64_t proc_id = std::stoll(*pr.at("id"));
    const std::int64_t patient_id = std::stoll(*pr.at("patient_id"));
    // A date written behind kiort's back may be invalid: `check` reports it; skip it here.
    const auto start_day = parse_date(*pr.at("procedure_date"));
    if (!start_day) continue;
    const std::int64_t start = *start_day;
    const auto died = death.find(patient_id);
    for (const ScheduledEvent& e : schedule) {
      // A pre-operative event (the baseline, day 0 and no window after) is taken before or at the
      // operation: once the procedure is in the registry it can no longer be "due"; a missing
      // baseline shows in the cohort report's n instead.
      if (e.repeat_days == 0 && e.day + e.window_after <= 0) continue;
      // A recurring event: every instance whose window has opened (a missed one stays listed,
      // overdue, until it is recorded or marked missed; it never drops off silently).
      std::int64_t instances = 1;
      if (e.repeat_days > 0) {
        const std::int64_t first_open = start + e.day - e.window_before;
        if (*today < first_open) continue;
        instances = 1 + (*today - first_open) / e.repeat_days;
      }
      for (std::int64_t k = 1; k <= instances; ++k) {
        const std::string name = e.repeat_days > 0 ? e.event + "_" + std::to_string(k) : e.event;
        const std::int64_t day = e.day + (k - 1) * e.repeat_days;
        // Recorded: a visit that took place, or one marked missed or not done.
        if (done.count({proc_id, name})) continue;
        const std::int64_t target = start + day;
        const std::int64_t lo = target - e.window_before, hi = target + e.window_after;
        if (*today < lo) continue;  // not yet
        // No visit is expected once the patient has died before the window closed; a window that
        // closed while the patient lived stays overdue (missing data) until marked missed.
        if (died != death.end() && died->second <= hi) continue;
        out.push_back({.patient = pseudonym[patient_id],
                       .procedure_id = proc_id,
                       .procedure_date = *pr.at("procedure_date"),
                       .event = name,
                       .target_date = format_date(target),
                       .window_start = format_date(lo),
                       .window_end = format_date(hi),
                       .status = *today <= hi ? "due" : "overdue",
                       .days_overdue = *today <= hi ? 0 : static_cast<int>(*today - hi)});
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const DueVisit& a, const DueVisit& b) {
    return std::tie(a.patient, a.target_date) < std::tie(b.patient, b.target_date);
  });
  return out;
}

void follow_last_contact(Repository& repo, std::int64_t visit_id, const std::string& user) {
  const auto visit = repo.get("visits", visit_id);
  if (!visit || visit->at("visit_status").value_or("done") != "done" || !visit->at("visit_date"))
    return;
  const auto proc = repo.get("procedures", std::stoll(*visit->at("procedure_id")));
  if (!proc) return;
  const std::string& date = *visit->at("visit_date");
  for (const Row& vs : repo.list("vital_status"))
    if (vs.at("patient_id") == proc->at("patient_id")) {
      if (!vs.at("last_contact_date") || *vs.at("last_contact_date") < date)
        repo.update("vital_status", std::stoll(*vs.at("id")), {{"last_contact_date", date}}, user);
      return;
    }
  repo.insert("vital_status", {{"patient_id", proc->at("patient_id")}, {"last_contact_date", date}},
              user);
}

void to_json(nlohmann::json& j, const DueVisit& d) {
  j = {{"patient", d.patient},
       {"procedure_id", d.procedure_id},
       {"procedure_date", d.procedure_date},
       {"event", d.event},
       {"target_date", d.target_date},
       {"window_start", d.window_start},
       {"window_end", d.window_end},
       {"status", d.status},
       {"days_overdue", d.days_overdue}};
}

}  // namespace kiort
