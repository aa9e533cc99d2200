// Oswestry Disability Index (ODI, version 2.1a; Fairbank & Pynsent, Spine 2000;25:2940-2953):
// ten sections (pain intensity, personal care, lifting, walking, sitting, standing, sleeping,
// sex life, social life, travelling), each scored 0 (least) to 5 (most disability).
// Index = total / (5 x sections answered) x 100 %. Pure computation; no I/O.
#pragma once

#include <array>
#include <optional>

namespace kiort {

using OdiSections = std::array<std::optional<int>, 10>;  // empty = section not answered

struct OdiScore {
  std::optional<double> percent;  // 0..100; empty when too many sections are missing
  int sections_answered = 0;
  int total = 0;  // sum of the answered sections' scores
};

// Fairbank & Pynsent's missing-section rule: a missed (or not applicable) section reduces the
// possible total by 5 (their example: 16 / 45 x 100 = 35.6 % with one section missed). How many
// sections may be missed is not fixed by the paper beyond that example; max_missing (default 1,
// the case the paper works through) sets it. Scores outside 0..5 throw kiort::Error (bad input).
OdiScore score_odi(const OdiSections& sections, int max_missing = 1);

}  // namespace kiort
