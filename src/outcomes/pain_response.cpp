#include "outcomes/pain_response.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace kiort {
namespace {

void check(const PainAssessment& a, const char* which) {
  if (!std::isfinite(a.worst_pain) || a.worst_pain < 0 || a.worst_pain > 10)
    throw Error::bad_input("worst pain out of range")
        .field(std::string(which) + ".worst_pain")
        .seen(std::to_string(a.worst_pain))
        .expected("0 to 10");
  if (!std::isfinite(a.omed_mg) || a.omed_mg < 0)
    throw Error::bad_input("oral morphine equivalent dose out of range")
        .field(std::string(which) + ".omed_mg")
        .seen(std::to_string(a.omed_mg))
        .expected("a dose >= 0 mg/day");
}

}  // namespace

std::string to_string(PainResponse r) {
  switch (r) {
    case PainResponse::kComplete:
      return "complete";
    case PainResponse::kPartial:
      return "partial";
    case PainResponse::kIndeterminate:
      return "indeterminate";
    case PainResponse::kProgression:
      return "progression";
    case PainResponse::kNotEvaluable:
      return "not evaluable";
  }
  return "indeterminate";
}

PainResponseResult classify_pain_response(const PainAssessment& base, const PainAssessment& fu) {
  check(base, "baseline");
  check(fu, "follow_up");
  PainResponseResult r;
  r.pain_change = fu.worst_pain - base.worst_pain;
  const double d_omed = fu.omed_mg - base.omed_mg;
  r.omed_change_fraction = base.omed_mg > 0 ? d_omed / base.omed_mg
                           : d_omed > 0     ? std::numeric_limits<double>::infinity()
                                            : 0.0;
  r.any_pain_relief = fu.worst_pain < base.worst_pain;
  r.reduction_3_points = base.worst_pain - fu.worst_pain >= 3;

  if (base.worst_pain < 2) {
    r.category = PainResponse::kNotEvaluable;
    return r;
  }
  // OMED relations, relative to baseline. From a zero baseline any increase counts as >= 25 %.
  const bool omed_not_increased = fu.omed_mg <= base.omed_mg;
  const bool omed_down_25 = base.omed_mg > 0 && fu.omed_mg <= 0.75 * base.omed_mg;
  const bool omed_up_25 = base.omed_mg > 0 ? fu.omed_mg >= 1.25 * base.omed_mg : fu.omed_mg > 0;
  const bool omed_stable = !omed_down_25 && !omed_up_25;  // within 25 % of baseline

  if (fu.worst_pain == 0 && omed_not_increased) {
    r.category = PainResponse::kComplete;
  } else if ((r.pain_change <= -2 && omed_not_increased) || (omed_down_25 && r.pain_change <= 0)) {
    r.category = PainResponse::kPartial;
  } else if ((r.pain_change >= 2 && omed_stable) ||
             (omed_up_25 && r.pain_change >= 0 && r.pain_change <= 1)) {
    r.category = PainResponse::kProgression;
  } else {
    r.category = PainResponse::kIndeterminate;
  }
  r.responder = r.category == PainResponse::kComplete || r.category == PainResponse::kPartial;
  return r;
}

}  // namespace kiort
