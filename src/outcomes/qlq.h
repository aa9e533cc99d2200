// Scoring of the EORTC quality-of-life questionnaires used in the follow-up registry: the core
// QLQ-C30 (version 3.0) with its 15 scales and the QLQ-C30 summary score, and the bone-metastases
// module QLQ-BM22. Scores follow the EORTC QLQ-C30 Scoring Manual (Fayers et al., 3rd ed., 2001):
// raw score = mean of the answered items; functional scales 100 * (1 - (RS - 1) / range),
// symptom scales and global health status 100 * (RS - 1) / range; a scale is scored when at
// least half of its items are answered (single-item scales are missing when their item is).
// Item-to-scale tables and sources: docs/outcomes.md. Pure computation; no I/O.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace kiort {

// Direction of a scale after transformation to 0..100.
enum class ScaleKind {
  kFunctional,  // higher = better functioning
  kSymptom,     // higher = more symptoms
  kGlobal       // global health status / QoL: higher = better
};

struct EortcScale {
  const char* code;  // EORTC abbreviation, e.g. "PF2"
  const char* name;
  ScaleKind kind;
  std::vector<int> items;     // questionnaire item numbers (1-based as printed on the form)
  std::vector<int> reversed;  // items whose answers are reversed (x -> 1 + max - x) first
  int range;                  // max - min of the item responses (3 for 1..4, 6 for 1..7)
};

struct ScaleScore {
  std::string code;
  std::string name;
  ScaleKind kind = ScaleKind::kSymptom;
  std::optional<double> score;  // 0..100, empty when fewer than half of the items were answered
  int items_answered = 0;
  int items_total = 0;
};

// One answer per item; empty = not answered. C30: items 1..28 take 1..4, items 29 and 30 take
// 1..7. BM22: items 31..52 take 1..4. Out-of-range answers throw kiort::Error (bad input) naming
// the item.
using QlqC30Items = std::array<std::optional<int>, 30>;   // [0] is item 1
using QlqBm22Items = std::array<std::optional<int>, 22>;  // [0] is item 31

struct QlqC30Scores {
  std::vector<ScaleScore> scales;  // the 15 scales, in the manual's order (QL2, PF2 ... FI)
  // Summary score (Giesinger et al. 2016): mean of PF2, RF2, SF, EF, CF and 100 minus each of FA,
  // PA, NV, DY, SL, AP, CO, DI (QL2 and FI excluded); empty unless all 13 are available.
  std::optional<double> summary;
  const ScaleScore& scale(const std::string& code) const;  // throws if the code is unknown
};

struct QlqBm22Scores {
  std::vector<ScaleScore> scales;  // PS, PC, FI, PA
  const ScaleScore& scale(const std::string& code) const;
};

const std::vector<EortcScale>& qlq_c30_scales();
const std::vector<EortcScale>& qlq_bm22_scales();

QlqC30Scores score_qlq_c30(const QlqC30Items& items);
QlqBm22Scores score_qlq_bm22(const QlqBm22Items& items);

// Scores one scale from answers indexed by item number minus first_item. Exposed for tests.
ScaleScore score_eortc_scale(const EortcScale& scale,
                             const std::vector<std::optional<int>>& answers, int first_item);

}  // namespace kiort
