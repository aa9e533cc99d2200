#include "outcomes/qlq.h"

#include "core/error.h"

namespace kiort {
namespace {

// EORTC QLQ-C30 Scoring Manual, 3rd ed. (Fayers et al. 2001), Table 1 ("Scoring the QLQ-C30
// version 3.0"): scale, number of items, item range, item numbers.
const std::vector<EortcScale> kC30 = {
    {"QL2", "Global health status / QoL", ScaleKind::kGlobal, {29, 30}, {}, 6},
    {"PF2", "Physical functioning", ScaleKind::kFunctional, {1, 2, 3, 4, 5}, {}, 3},
    {"RF2", "Role functioning", ScaleKind::kFunctional, {6, 7}, {}, 3},
    {"EF", "Emotional functioning", ScaleKind::kFunctional, {21, 22, 23, 24}, {}, 3},
    {"CF", "Cognitive functioning", ScaleKind::kFunctional, {20, 25}, {}, 3},
    {"SF", "Social functioning", ScaleKind::kFunctional, {26, 27}, {}, 3},
    {"FA", "Fatigue", ScaleKind::kSymptom, {10, 12, 18}, {}, 3},
    {"NV", "Nausea and vomiting", ScaleKind::kSymptom, {14, 15}, {}, 3},
    {"PA", "Pain", ScaleKind::kSymptom, {9, 19}, {}, 3},
    {"DY", "Dyspnoea", ScaleKind::kSymptom, {8}, {}, 3},
    {"SL", "Insomnia", ScaleKind::kSymptom, {11}, {}, 3},
    {"AP", "Appetite loss", ScaleKind::kSymptom, {13}, {}, 3},
    {"CO", "Constipation", ScaleKind::kSymptom, {16}, {}, 3},
    {"DI", "Diarrhoea", ScaleKind::kSymptom, {17}, {}, 3},
    {"FI", "Financial difficulties", ScaleKind::kSymptom, {28}, {}, 3},
};

// QLQ-BM22 (Chow et al., Eur J Cancer 2009;45:1146; validation Chow et al., Cancer 2012;118:1457),
// items numbered 31..52 as when the module follows the QLQ-C30. Painful sites and painful
// characteristics are symptom scales; functional interference and psychosocial aspects are
// functional scales (higher = better). Items 51 ("felt hopeful your pain will get better") and
// 52 ("felt positive about your health") are worded positively, unlike 47..50, so they are
// reversed before the psychosocial mean. See docs/outcomes.md for what to verify.
const std::vector<EortcScale> kBm22 = {
    {"PS", "Painful sites", ScaleKind::kSymptom, {31, 32, 33, 34, 35}, {}, 3},
    {"PC", "Painful characteristics", ScaleKind::kSymptom, {36, 37, 39}, {}, 3},
    {"FI",
     "Functional interference",
     ScaleKind::kFunctional,
     {38, 40, 41, 42, 43, 44, 45, 46},
     {},
     3},
    {"PA", "Psychosocial aspects", ScaleKind::kFunctional, {47, 48, 49, 50, 51, 52}, {51, 52}, 3},
};

void check_answers(const std::vector<std::optional<int>>& answers, int first_item,
                   const char* questionnaire) {
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i]) continue;
    const int item = first_item + static_cast<int>(i);
    const int max = (item == 29 || item == 30) ? 7 : 4;
    if (*answers[i] < 1 || *answers[i] > max)
      throw Error::bad_input(std::string(questionnaire) + ": answer out of range")
          .field("item " + std::to_string(item))
          .seen(std::to_string(*answers[i]))
          .expected("1 to " + std::to_string(max) + " (or missing)");
  }
}

const ScaleScore& find(const std::vector<ScaleScore>& scales, const std::string& code) {
  for (const ScaleScore& s : scales)
    if (s.code == code) return s;
  throw Error::internal("unknown EORTC scale code " + code);
}

}  // namespace

const std::vector<EortcScale>& qlq_c30_scales() {
  return kC30;
}
const std::vector<EortcScale>& qlq_bm22_scales() {
  return kBm22;
}

ScaleScore score_eortc_scale(const EortcScale& scale,
                             const std::vector<std::optional<int>>& answers, int first_item) {
  ScaleScore s;
  s.code = scale.code;
  s.name = scale.name;
  s.kind = scale.kind;
  s.items_total = static_cast<int>(scale.items.size());
  double sum = 0;
  for (int item : scale.items) {
    const auto idx = static_cast<std::size_t>(item - first_item);
    if (idx >= answers.size() || !answers[idx]) continue;
    int x = *answers[idx];
    for (int r : scale.reversed)
      if (r == item) x = 1 + (scale.range + 1) - x;  // responses run 1..range+1
    sum += x;
    ++s.items_answered;
  }
  // Scoring manual: score the scale if at least half of its items are answered, using the mean
  // of the answered items (the same as imputing the missing ones with that mean).
  if (2 * s.items_answered < s.items_total || s.items_answered == 0) return s;
  const double rs = sum / s.items_answered;
  const double t = (rs - 1.0) / scale.range;
  s.score = scale.kind == ScaleKind::kFunctional ? (1.0 - t) * 100.0 : t * 100.0;
  return s;
}

const ScaleScore& QlqC30Scores::scale(const std::string& code) const {
  return find(scales, code);
}
const ScaleScore& QlqBm22Scores::scale(const std::string& code) const {
  return find(scales, code);
}

QlqC30Scores score_qlq_c30(const QlqC30Items& items) {
  const std::vector<std::optional<int>> answers(items.begin(), items.end());
  check_answers(answers, 1, "QLQ-C30");
  QlqC30Scores out;
  for (const EortcScale& sc : kC30) out.scales.push_back(score_eortc_scale(sc, answers, 1));

  // Giesinger et al. 2016: the 13 scales, symptom scales reversed (100 - score).
  static const char* const kFunctionalPart[] = {"PF2", "RF2", "SF", "EF", "CF"};
  static const char* const kSymptomPart[] = {"FA", "PA", "NV", "DY", "SL", "AP", "CO", "DI"};
  double sum = 0;
  for (const char* code : kFunctionalPart) {
    const auto& v = out.scale(code).score;
    if (!v) return out;
    sum += *v;
  }
  for (const char* code : kSymptomPart) {
    const auto& v = out.scale(code).score;
    if (!v) return out;
    sum += 100.0 - *v;
  }
  out.summary = sum / 13.0;
  return out;
}

QlqBm22Scores score_qlq_bm22(const QlqBm22Items& items) {
  const std::vector<std::optional<int>> answers(items.begin(), items.end());
  check_answers(answers, 31, "QLQ-BM22");
  QlqBm22Scores out;
  for (const EortcScale& sc : kBm22) out.scales.push_back(score_eortc_scale(sc, answers, 31));
  return out;
}

}  // namespace kiort
