#include "outcomes/odi.h"

#include <string>

#include "core/error.h"

namespace kiort {

OdiScore score_odi(const OdiSections& sections, int max_missing) {
  if (max_missing < 0 || max_missing > 9)
    throw Error::bad_input("ODI: invalid number of missing sections allowed")
        .seen(std::to_string(max_missing))
        .expected("0 to 9");
  OdiScore s;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (!sections[i]) continue;
    if (*sections[i] < 0 || *sections[i] > 5)
      throw Error::bad_input("ODI: section score out of range")
          .field("section " + std::to_string(i + 1))
          .seen(std::to_string(*sections[i]))
          .expected("0 to 5 (or missing)");
    s.total += *sections[i];
    ++s.sections_answered;
  }
  const int missing = 10 - s.sections_answered;
  if (missing > max_missing || s.sections_answered == 0) return s;
  s.percent = 100.0 * s.total / (5.0 * s.sections_answered);
  return s;
}

}  // namespace kiort
