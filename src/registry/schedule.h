// Follow-up scheduling: each procedure starts the clock; each event of the visit_schedule table
// (post-op, 2 w, 1 m, 2 m, 6 m by default) has a target day and a window. A visit is due while its
// window is open and overdue once it has closed, until it is recorded or the patient has died.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/repository.h"

namespace kiort {

struct ScheduledEvent {
  std::string event, label;
  int day = 0, window_before = 0, window_after = 0;
};

// The registry's schedule, ordered by target day.
std::vector<ScheduledEvent> visit_schedule(Repository& repo);

struct DueVisit {
  std::string patient;  // pseudonym
  std::int64_t procedure_id = 0;
  std::string procedure_date, event, target_date, window_start, window_end;
  std::string status;  // due | overdue
  int days_overdue = 0;
};

// Visits due or overdue on date (YYYY-MM-DD), ordered by patient and target date.
std::vector<DueVisit> due_visits(Repository& repo, const std::string& date);

}  // namespace kiort
