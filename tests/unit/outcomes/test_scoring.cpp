// Worked examples for the questionnaire scores and the pain-response categories. Every expected
// value is computed by hand in the comment beside it from the rules in docs/outcomes.md (EORTC
// QLQ-C30 Scoring Manual 3rd ed.; Giesinger et al. 2016; QLQ-BM22 scale table; Fairbank & Pynsent
// 2000; Chow et al. 2012 consensus).
#include <gtest/gtest.h>

#include "core/error.h"
#include "outcomes/odi.h"
#include "outcomes/pain_response.h"
#include "outcomes/qlq.h"

namespace kiort {
namespace {

// One completed QLQ-C30 (items 1..30).
QlqC30Items example_c30() {
  const int a[30] = {1, 1, 2, 2, 3,  // 1-5 PF
                     2, 2,           // 6-7 RF
                     3,              // 8 DY
                     2,              // 9 PA
                     2,              // 10 FA
                     1,              // 11 SL
                     3,              // 12 FA
                     2,              // 13 AP
                     1, 1,           // 14-15 NV
                     4,              // 16 CO
                     1,              // 17 DI
                     4,              // 18 FA
                     3,              // 19 PA
                     1,              // 20 CF
                     2, 2, 3, 3,     // 21-24 EF
                     2,              // 25 CF
                     1, 2,           // 26-27 SF
                     2,              // 28 FI
                     5, 6};          // 29-30 QL
  QlqC30Items items;
  for (int i = 0; i < 30; ++i) items[static_cast<std::size_t>(i)] = a[i];
  return items;
}

TEST(QlqC30, AllFifteenScalesWorkedExample) {
  const QlqC30Scores s = score_qlq_c30(example_c30());
  ASSERT_EQ(s.scales.size(), 15u);
  // Functional: 100 * (1 - (RS - 1) / 3). PF RS = 9/5 = 1.8 -> 73.33.
  EXPECT_NEAR(*s.scale("PF2").score, 220.0 / 3, 1e-12);
  EXPECT_NEAR(*s.scale("RF2").score, 200.0 / 3, 1e-12);  // RS 2
  EXPECT_NEAR(*s.scale("EF").score, 50.0, 1e-12);        // RS (2+2+3+3)/4 = 2.5
  EXPECT_NEAR(*s.scale("CF").score, 250.0 / 3, 1e-12);   // RS (1+2)/2 = 1.5
  EXPECT_NEAR(*s.scale("SF").score, 250.0 / 3, 1e-12);   // RS 1.5
  // Global health status: 100 * (RS - 1) / 6, RS (5+6)/2 = 5.5 -> 75.
  EXPECT_NEAR(*s.scale("QL2").score, 75.0, 1e-12);
  // Symptoms: 100 * (RS - 1) / 3.
  EXPECT_NEAR(*s.scale("FA").score, 200.0 / 3, 1e-12);  // RS (2+3+4)/3 = 3
  EXPECT_NEAR(*s.scale("NV").score, 0.0, 1e-12);
  EXPECT_NEAR(*s.scale("PA").score, 50.0, 1e-12);  // RS (2+3)/2
  EXPECT_NEAR(*s.scale("DY").score, 200.0 / 3, 1e-12);
  EXPECT_NEAR(*s.scale("SL").score, 0.0, 1e-12);
  EXPECT_NEAR(*s.scale("AP").score, 100.0 / 3, 1e-12);
  EXPECT_NEAR(*s.scale("CO").score, 100.0, 1e-12);
  EXPECT_NEAR(*s.scale("DI").score, 0.0, 1e-12);
  EXPECT_NEAR(*s.scale("FI").score, 100.0 / 3, 1e-12);
  EXPECT_EQ(s.scale("PF2").kind, ScaleKind::kFunctional);
  EXPECT_EQ(s.scale("FA").kind, ScaleKind::kSymptom);
  EXPECT_EQ(s.scale("QL2").kind, ScaleKind::kGlobal);
  // Summary: (PF+RF+SF+EF+CF) = 1070/3; 100 - (FA, PA, NV, DY, SL, AP, CO, DI) = 1450/3;
  // (2520/3) / 13 = 840 / 13 = 64.615...
  ASSERT_TRUE(s.summary.has_value());
  EXPECT_NEAR(*s.summary, 840.0 / 13, 1e-12);
}

TEST(QlqC30, BestAndWorstAnswersSpanTheScale) {
  QlqC30Items best, worst;
  for (std::size_t i = 0; i < 30; ++i) {
    best[i] = i < 28 ? 1 : 7;
    worst[i] = i < 28 ? 4 : 1;
  }
  const QlqC30Scores b = score_qlq_c30(best), w = score_qlq_c30(worst);
  EXPECT_DOUBLE_EQ(*b.scale("PF2").score, 100.0);
  EXPECT_DOUBLE_EQ(*b.scale("FA").score, 0.0);
  EXPECT_DOUBLE_EQ(*b.scale("QL2").score, 100.0);
  EXPECT_DOUBLE_EQ(*b.summary, 100.0);
  EXPECT_DOUBLE_EQ(*w.scale("PF2").score, 0.0);
  EXPECT_DOUBLE_EQ(*w.scale("FI").score, 100.0);
  EXPECT_DOUBLE_EQ(*w.scale("QL2").score, 0.0);
  EXPECT_DOUBLE_EQ(*w.summary, 0.0);
}

TEST(QlqC30, HalfTheItemsRule) {
  QlqC30Items items = example_c30();
  // PF with items 1 and 2 missing: 3 of 5 answered (>= half): RS (2+2+3)/3 = 7/3,
  // PF = 100 (1 - (4/3)/3) = 500/9.
  items[0].reset();
  items[1].reset();
  QlqC30Scores s = score_qlq_c30(items);
  EXPECT_NEAR(*s.scale("PF2").score, 500.0 / 9, 1e-12);
  EXPECT_EQ(s.scale("PF2").items_answered, 3);
  EXPECT_TRUE(s.summary.has_value());
  // A third PF item missing: 2 of 5 < half -> PF missing, and with it the summary score.
  items[2].reset();
  s = score_qlq_c30(items);
  EXPECT_FALSE(s.scale("PF2").score.has_value());
  EXPECT_FALSE(s.summary.has_value());
  EXPECT_TRUE(s.scale("QL2").score.has_value());  // other scales unaffected
  // Two-item scale with one item: exactly half -> scored from that item (RF: item 6 = 3 -> 33.3).
  items = example_c30();
  items[5] = 3;
  items[6].reset();
  s = score_qlq_c30(items);
  EXPECT_NEAR(*s.scale("RF2").score, 100.0 / 3, 1e-12);
  // Single-item scale missing -> missing (DY, item 8); the summary needs all 13 scales.
  items = example_c30();
  items[7].reset();
  s = score_qlq_c30(items);
  EXPECT_FALSE(s.scale("DY").score.has_value());
  EXPECT_FALSE(s.summary.has_value());
  // FI (item 28) is not part of the summary score.
  items = example_c30();
  items[27].reset();
  s = score_qlq_c30(items);
  EXPECT_FALSE(s.scale("FI").score.has_value());
  ASSERT_TRUE(s.summary.has_value());
  EXPECT_NEAR(*s.summary, 840.0 / 13, 1e-12);
}

TEST(QlqC30, RejectsOutOfRangeAnswers) {
  QlqC30Items items = example_c30();
  items[3] = 5;  // item 4 takes 1..4
  EXPECT_THROW(score_qlq_c30(items), Error);
  items = example_c30();
  items[29] = 8;  // item 30 takes 1..7
  EXPECT_THROW(score_qlq_c30(items), Error);
  items = example_c30();
  items[29] = 7;
  EXPECT_NO_THROW(score_qlq_c30(items));
}

TEST(QlqBm22, FourScalesWorkedExample) {
  // Items 31..52.
  const int a[22] = {4, 1, 1, 2, 2,        // 31-35 painful sites: RS 2 -> 33.3
                     3, 2, 1, 4,           // 36, 37, 39 painful characteristics (3, 2, 4): RS 3
                     2, 2, 3, 3, 2, 2, 1,  // 40-46, with 38 (= 1) functional interference
                     2, 3, 3, 4, 4, 3};    // 47-52 psychosocial; 51, 52 reversed (4->1, 3->2)
  QlqBm22Items items;
  for (int i = 0; i < 22; ++i) items[static_cast<std::size_t>(i)] = a[i];
  const QlqBm22Scores s = score_qlq_bm22(items);
  ASSERT_EQ(s.scales.size(), 4u);
  EXPECT_NEAR(*s.scale("PS").score, 100.0 / 3, 1e-12);
  EXPECT_NEAR(*s.scale("PC").score, 200.0 / 3, 1e-12);
  // FI: items 38, 40..46 = 1, 2, 2, 3, 3, 2, 2, 1: RS 16/8 = 2; functional: 100 (1 - 1/3).
  EXPECT_NEAR(*s.scale("FI").score, 200.0 / 3, 1e-12);
  // PA: 2, 3, 3, 4, (5-4) = 1, (5-3) = 2: RS 15/6 = 2.5; functional: 100 (1 - 1.5/3) = 50.
  EXPECT_NEAR(*s.scale("PA").score, 50.0, 1e-12);
  EXPECT_EQ(s.scale("FI").kind, ScaleKind::kFunctional);
  EXPECT_EQ(s.scale("PS").kind, ScaleKind::kSymptom);
  // Half rule: painful sites with 3 of 5 answered is scored, with 2 of 5 it is not.
  items[0].reset();
  items[1].reset();
  EXPECT_TRUE(score_qlq_bm22(items).scale("PS").score.has_value());
  items[2].reset();
  EXPECT_FALSE(score_qlq_bm22(items).scale("PS").score.has_value());
  items[3] = 0;
  EXPECT_THROW(score_qlq_bm22(items), Error);
}

TEST(Odi, FairbankPynsentExamples) {
  // Fairbank & Pynsent's example: 16 points with all 10 sections -> 16/50 = 32 %.
  OdiSections s{3, 2, 2, 1, 2, 2, 1, 1, 1, 1};
  OdiScore r = score_odi(s);
  EXPECT_EQ(r.total, 16);
  EXPECT_NEAR(*r.percent, 32.0, 1e-12);
  // One section missed: 16/45 = 35.56 %.
  s = {3, 2, 2, 1, 2, 2, 1, std::nullopt, 2, 1};
  r = score_odi(s);
  EXPECT_EQ(r.sections_answered, 9);
  EXPECT_NEAR(*r.percent, 1600.0 / 45, 1e-12);
  // Two missed: not scored by default; 16/40 = 40 % when two are allowed.
  s = {3, 2, 2, 1, 2, 2, std::nullopt, std::nullopt, 3, 1};
  EXPECT_FALSE(score_odi(s).percent.has_value());
  EXPECT_NEAR(*score_odi(s, 2).percent, 40.0, 1e-12);
  // Range: 0 and 100.
  EXPECT_DOUBLE_EQ(*score_odi(OdiSections{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}).percent, 0.0);
  EXPECT_DOUBLE_EQ(*score_odi(OdiSections{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}).percent, 100.0);
  EXPECT_THROW(score_odi(OdiSections{6, 0, 0, 0, 0, 0, 0, 0, 0, 0}), Error);
}

PainResponse classify(double p0, double m0, double p1, double m1) {
  return classify_pain_response({p0, m0}, {p1, m1}).category;
}

TEST(PainResponse, Complete) {
  EXPECT_EQ(classify(6, 30, 0, 30), PainResponse::kComplete);  // pain 0, OMED stable
  EXPECT_EQ(classify(6, 30, 0, 10), PainResponse::kComplete);  // pain 0, OMED reduced
  EXPECT_EQ(classify(6, 0, 0, 0), PainResponse::kComplete);    // no analgesics at all
  // Pain 0 but OMED up (30 -> 31): not complete; not partial (analgesics rose); not progression
  // (pain fell, OMED +3 %): indeterminate.
  EXPECT_EQ(classify(6, 30, 0, 31), PainResponse::kIndeterminate);
}

TEST(PainResponse, PartialByPainAndByAnalgesics) {
  EXPECT_EQ(classify(6, 30, 4, 30), PainResponse::kPartial);        // -2 exactly, OMED same
  EXPECT_EQ(classify(6, 30, 4, 20), PainResponse::kPartial);        // -2, OMED down
  EXPECT_EQ(classify(6, 30, 5, 30), PainResponse::kIndeterminate);  // -1 only
  EXPECT_EQ(classify(6, 30, 3, 33), PainResponse::kIndeterminate);  // -3 but OMED up 10 %
  // OMED -25 % exactly (40 -> 30) with pain not increased.
  EXPECT_EQ(classify(6, 40, 6, 30), PainResponse::kPartial);
  EXPECT_EQ(classify(6, 40, 5, 30), PainResponse::kPartial);
  EXPECT_EQ(classify(6, 40, 6, 30.4), PainResponse::kIndeterminate);  // -24 %
  EXPECT_EQ(classify(6, 40, 7, 20), PainResponse::kIndeterminate);    // OMED -50 %, pain +1
}

TEST(PainResponse, ProgressionByPainAndByAnalgesics) {
  EXPECT_EQ(classify(5, 30, 7, 30), PainResponse::kProgression);      // +2, OMED same
  EXPECT_EQ(classify(5, 30, 7, 37), PainResponse::kProgression);      // +2, OMED +23 % (stable)
  EXPECT_EQ(classify(5, 30, 7, 23), PainResponse::kProgression);      // +2, OMED -23 % (stable)
  EXPECT_EQ(classify(5, 30, 6, 30), PainResponse::kIndeterminate);    // +1 only
  EXPECT_EQ(classify(5, 40, 5, 50), PainResponse::kProgression);      // OMED +25 %, pain same
  EXPECT_EQ(classify(5, 40, 6, 50), PainResponse::kProgression);      // OMED +25 %, pain +1
  EXPECT_EQ(classify(5, 40, 5, 49.6), PainResponse::kIndeterminate);  // OMED +24 %
  EXPECT_EQ(classify(5, 40, 4, 60), PainResponse::kIndeterminate);    // OMED +50 %, pain -1
  // From no analgesics, any OMED is an increase of >= 25 %.
  EXPECT_EQ(classify(4, 0, 4, 10), PainResponse::kProgression);
  // Pain +2 with OMED +25 % fits neither progression clause as written (OMED not stable, pain
  // not stable or +1): indeterminate by the consensus text (docs/outcomes.md).
  EXPECT_EQ(classify(5, 40, 7, 50), PainResponse::kIndeterminate);
  EXPECT_EQ(classify(5, 40, 7, 20), PainResponse::kIndeterminate);  // +2 with OMED -50 %
}

TEST(PainResponse, EvaluabilityAndSecondaryEndpoints) {
  EXPECT_EQ(classify(1, 30, 0, 30), PainResponse::kNotEvaluable);  // baseline below 2
  EXPECT_EQ(classify(2, 30, 0, 30), PainResponse::kComplete);      // 2 is evaluable
  const PainResponseResult r = classify_pain_response({8, 60}, {5, 90});
  EXPECT_TRUE(r.any_pain_relief);
  EXPECT_TRUE(r.reduction_3_points);
  EXPECT_FALSE(r.responder);  // OMED +50 %: indeterminate
  EXPECT_EQ(r.category, PainResponse::kIndeterminate);
  EXPECT_NEAR(r.omed_change_fraction, 0.5, 1e-15);
  const PainResponseResult q = classify_pain_response({8, 60}, {6, 60});
  EXPECT_TRUE(q.any_pain_relief);
  EXPECT_FALSE(q.reduction_3_points);  // -2
  EXPECT_TRUE(q.responder);
  EXPECT_FALSE(classify_pain_response({8, 60}, {8, 60}).any_pain_relief);
  EXPECT_EQ(to_string(PainResponse::kProgression), "progression");
}

TEST(PainResponse, RejectsInvalidInput) {
  EXPECT_THROW(classify_pain_response({11, 0}, {5, 0}), Error);
  EXPECT_THROW(classify_pain_response({5, 0}, {-1, 0}), Error);
  EXPECT_THROW(classify_pain_response({5, -10}, {5, 0}), Error);
}

}  // namespace
}  // namespace kiort
