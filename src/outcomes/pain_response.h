// Pain response after radiotherapy of bone metastases by the International Bone Metastases
// Consensus definitions (Chow et al., Int J Radiat Oncol Biol Phys 2012;82:1730-1737, update of
// Chow et al. 2002), from the worst pain at the treated site (0-10 numeric rating) and the daily
// oral morphine equivalent dose (OMED, mg/day) at baseline and at follow-up. Pure computation.
#pragma once

#include <string>

namespace kiort {

enum class PainResponse {
  kComplete,  // worst pain 0 with no increase in OMED
  kPartial,   // pain down >= 2 without OMED increase, or OMED down >= 25 % without pain increase
  kIndeterminate,  // anything not captured by complete, partial or progression
  kProgression,    // pain up >= 2 with stable OMED, or OMED up >= 25 % with pain stable or +1
  kNotEvaluable    // baseline worst pain below 2: the consensus' threshold for assessing response
};

std::string to_string(PainResponse r);

struct PainAssessment {
  double worst_pain = 0;  // 0..10 at the treated site
  double omed_mg = 0;     // oral morphine equivalent daily dose, mg/day, >= 0
};

struct PainResponseResult {
  PainResponse category = PainResponse::kIndeterminate;
  bool responder = false;           // complete or partial
  double pain_change = 0;           // follow-up minus baseline worst pain
  double omed_change_fraction = 0;  // (follow-up - baseline) / baseline; +inf from a zero baseline
  // Pain-score-only secondary endpoints (analgesics not considered):
  bool any_pain_relief = false;     // follow-up worst pain below baseline
  bool reduction_3_points = false;  // baseline minus follow-up >= 3
};

// Classifies one follow-up against baseline. Throws kiort::Error (bad input) for pain outside
// 0..10 or a negative / non-finite OMED.
PainResponseResult classify_pain_response(const PainAssessment& baseline,
                                          const PainAssessment& follow_up);

}  // namespace kiort
