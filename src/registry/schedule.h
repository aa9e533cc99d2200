// Follow-up scheduling: each procedure starts the clock; each event of the visit_schedule table
// (post-op, 2 w, 1 m, 2 m, 6 m by default) has a target day and a window. A visit is due while its
// window is open and overdue once it has closed, until it is recorded (a visit, or one marked
// missed or not done) or the patient has died before the window closed. A recurring event lists
// every instance whose window has opened and is not recorded. docs/registry.md "The due list".
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "registry/repository.h"

namespace kiort {

struct ScheduledEvent {
  std::string event, label;
  int day = 0, window_before = 0, window_after = 0;
  int repeat_days = 0;  // 0: once; else recurs every repeat_days (visits <event>_1, <event>_2, ...)
};

// The registry's schedule, ordered by target day.
std::vector<ScheduledEvent> visit_schedule(Repository& repo);

// What a visit's event name means: the scheduled event, the instance of a recurring one (1, 2, ...;
// 0 for a single event) and its target day after the procedure. nullopt for an unknown name.
struct EventTarget {
  const ScheduledEvent* event = nullptr;
  int instance = 0;
  int day = 0;
};
std::optional<EventTarget> find_event(const std::vector<ScheduledEvent>& schedule,
                                      const std::string& name);

struct DueVisit {
  std::string patient;  // pseudonym
  std::int64_t procedure_id = 0;
  std::string procedure_date, event, target_date, window_start, window_end;
  std::string status;  // due | overdue
  int days_overdue = 0;
};

// The JSON form `kiort registry due --json` and the web API print (nlohmann's to_json hook).
void to_json(nlohmann::json& j, const DueVisit& d);

// Visits due or overdue on date (YYYY-MM-DD), ordered by patient and target date.
std::vector<DueVisit> due_visits(Repository& repo, const std::string& date);

// The last contact follows the visits: a visit that took place (visit_status empty or done) moves
// the patient's vital_status.last_contact_date forward to its date; a patient without a vital
// status gets one. Audited as user. Call it in the transaction that writes the visit.
void follow_last_contact(Repository& repo, std::int64_t visit_id, const std::string& user);

}  // namespace kiort
