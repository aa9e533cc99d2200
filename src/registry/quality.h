// Data-quality rules in the spirit of REDCap's: ranges and plausibility, required fields, dates in
// order, duplicates, visits outside their window, and computed values that no longer agree. They
// read the registry and report; they never change it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/repository.h"

namespace kiort {

struct Violation {
  std::string rule;  // range | plausibility | required | date_order | duplicate | window |
                     // consistency
  // error: impossible (a value out of its hard range, dates out of order, a contradiction);
  // warning: possible but suspicious, or a field a main result needs is not recorded;
  // completeness: a field the study did not record (a published series has many).
  std::string severity;
  std::string patient;  // pseudonym ("" when the row cannot be tied to a patient)
  std::string form;     // patient | procedure | level | visit | analgesic | complication | ...
  std::int64_t record_id = 0;
  std::string field;
  std::string message;
};

std::vector<Violation> check_registry(Repository& repo, const std::string& today);

// The same rules for one change before it is written (the web form, `registry add/edit`): the
// violations the change would add. Errors refuse the change (each value's own limits, a missing
// required field, a future date, a date before surgery or after death, a duplicate event, a visit
// that took place without a pain score, a missed one without its reason); warnings (a visit
// outside its window, an implausible value) need the user's confirmation. values are the fields
// entered (an edit: only those that change); id is the row's id for an edit, 0 for a new row.
struct EntryCheck {
  std::vector<Violation> errors, warnings;
};
EntryCheck check_entry(Repository& repo, const std::string& table, const Row& values,
                       std::int64_t id, const std::string& today);

std::string violations_json(const std::vector<Violation>& v);
std::string violations_text(const std::vector<Violation>& v);

}  // namespace kiort
