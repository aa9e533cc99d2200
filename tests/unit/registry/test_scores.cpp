// The scoring tables against hand-worked examples from their papers' tables, plus CSV and values.
#include "registry/scores.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "registry/schema.h"

namespace kiort {
namespace {

TEST(Sins, PointsFollowFisher2010) {
  // Fisher et al., Spine 2010;35:E1221, Table 2. Extremes: 0 and 18.
  EXPECT_EQ(sins_score({"rigid", "none", "blastic", "normal", "none", "none"}), 0);
  EXPECT_EQ(sins_score({"junctional", "mechanical", "lytic", "subluxation", "gt50", "bilateral"}),
            18);
  EXPECT_EQ(sins_score({"semirigid", "occasional", "mixed", "deformity", "none_gt50_involved",
                        "unilateral"}),
            1 + 1 + 1 + 2 + 1 + 1);
  EXPECT_EQ(sins_category(6), "stable");
  EXPECT_EQ(sins_category(7), "potentially unstable");
  EXPECT_EQ(sins_category(13), "unstable");
  EXPECT_THROW(sins_points("pain", "severe"), Error);
}

TEST(Sins, LocationOfTreatableLevels) {
  EXPECT_EQ(sins_location_of_level("C7"), "junctional");
  EXPECT_EQ(sins_location_of_level("T2"), "junctional");
  EXPECT_EQ(sins_location_of_level("T3"), "semirigid");
  EXPECT_EQ(sins_location_of_level("T10"), "semirigid");
  EXPECT_EQ(sins_location_of_level("T11"), "junctional");
  EXPECT_EQ(sins_location_of_level("L1"), "junctional");
  EXPECT_EQ(sins_location_of_level("L3"), "mobile");
  EXPECT_EQ(sins_location_of_level("L5"), "junctional");
  EXPECT_EQ(treatable_levels().size(), 18u);  // C7, T1-T12, L1-L5
  EXPECT_FALSE(is_treatable_level("C6"));
  EXPECT_FALSE(is_treatable_level("S1"));
}

TEST(Tokuhashi, PointsFollowTheRevisedTable2005) {
  // Tokuhashi et al., Spine 2005;30:2186, Table 1. Best case: 2+2+2+2+5+2 = 15.
  EXPECT_EQ(tokuhashi_score({100, 0, 1, "none", "prostate", "E"}), 15);
  // Worst case: 0 everywhere.
  EXPECT_EQ(tokuhashi_score({30, 3, 3, "unremovable", "lung", "A"}), 0);
  // KPS 50-70 -> 1; 1-2 foci -> 1; 2 vertebral -> 1; removable -> 1; kidney 3; Frankel C -> 1.
  EXPECT_EQ(tokuhashi_score({70, 2, 2, "removable", "kidney", "C"}), 8);
  EXPECT_EQ(tokuhashi_primary_points("rectum"), 4);
  EXPECT_EQ(tokuhashi_primary_points("liver"), 1);
  EXPECT_EQ(tokuhashi_primary_points("unknown"), 1);
  EXPECT_EQ(tokuhashi_primary_points("colon"), 2);  // "others"
  EXPECT_EQ(tokuhashi_primary_points("stomach"), 0);
  EXPECT_EQ(tokuhashi_prognosis(8), "< 6 months");
  EXPECT_EQ(tokuhashi_prognosis(9), ">= 6 months");
  EXPECT_EQ(tokuhashi_prognosis(12), ">= 1 year");
  EXPECT_THROW(tokuhashi_score({70, 0, 1, "some", "lung", "E"}), Error);
}

TEST(Dates, OnlyRealCalendarDates) {
  EXPECT_EQ(parse_date("1970-01-01"), 0);
  EXPECT_EQ(parse_date("2024-03-01").value() - parse_date("2024-02-28").value(), 2);  // leap year
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2024-13-01"));
  EXPECT_FALSE(parse_date("24-01-01"));
  EXPECT_FALSE(parse_date("2024-1-01"));
  EXPECT_EQ(format_date(*parse_date("2024-02-29") + 1), "2024-03-01");
}

TEST(Values, CanonicalFormsAndLimits) {
  const TableSpec& levels = table_spec("levels");
  EXPECT_EQ(canonical_value(levels, *levels.column("dose_gy"), " 8.0 "), "8");
  EXPECT_EQ(canonical_value(levels, *levels.column("dose_gy"), "12.5"), "12.5");
  EXPECT_EQ(canonical_value(levels, *levels.column("dose_gy"), ""), std::nullopt);
  EXPECT_THROW(canonical_value(levels, *levels.column("dose_gy"), "-1"), Error);
  EXPECT_THROW(canonical_value(levels, *levels.column("dose_gy"), "8 Gy"), Error);
  EXPECT_THROW(canonical_value(levels, *levels.column("kv"), "45"), Error);
  EXPECT_THROW(canonical_value(levels, *levels.column("level"), ""), Error);  // not null
  EXPECT_EQ(canonical_value(levels, *levels.column("plan_checksum"), "DEADBEEF"), "DEADBEEF");
  EXPECT_THROW(canonical_value(levels, *levels.column("plan_checksum"), "xyz"), Error);
  const TableSpec& patients = table_spec("patient");
  EXPECT_EQ(&patients, &table_spec("patients"));
  EXPECT_THROW(table_spec("nonsense"), Error);
  EXPECT_EQ(format_real(0.1 + 0.2), "0.30000000000000004");
}

// ICD-10 (WHO 2019, chapter II) categories to the Tokuhashi 2005 primary-site rows and the
// groups case series report; by hand from the ICD-10 category titles.
TEST(PrimarySite, Icd10CodesAndGroups) {
  EXPECT_EQ(primary_site_of_icd10("C50.9"), "breast");
  EXPECT_EQ(primary_site_of_icd10("C61"), "prostate");
  EXPECT_EQ(primary_site_of_icd10("C34.1"), "lung");
  EXPECT_EQ(primary_site_of_icd10("C64"), "kidney");
  EXPECT_EQ(primary_site_of_icd10("C18.7"), "colon");
  EXPECT_EQ(primary_site_of_icd10("C19"), "colon");
  EXPECT_EQ(primary_site_of_icd10("C20"), "rectum");
  EXPECT_EQ(primary_site_of_icd10("C16.0"), "stomach");
  EXPECT_EQ(primary_site_of_icd10("C90.0"), "myeloma");
  EXPECT_EQ(primary_site_of_icd10("C83.3"), "lymphoma");
  EXPECT_EQ(primary_site_of_icd10("C80"), "unknown");
  EXPECT_EQ(primary_site_of_icd10("C17.1"), "other");  // small intestine: no Tokuhashi row
  EXPECT_EQ(primary_site_of_icd10("D12"), std::nullopt);
  EXPECT_EQ(primary_site_of_icd10("C99"), std::nullopt);
  EXPECT_EQ(primary_site_of_icd10("C5"), std::nullopt);
  EXPECT_EQ(primary_site_of_icd10("C50."), std::nullopt);
  EXPECT_EQ(primary_group("other", "C17.1"), "gastrointestinal");
  EXPECT_EQ(primary_group("other", "C21"), "gastrointestinal");
  EXPECT_EQ(primary_group("colon"), "gastrointestinal");
  EXPECT_EQ(primary_group("stomach"), "gastrointestinal");
  EXPECT_EQ(primary_group("myeloma"), "haematological");
  EXPECT_EQ(primary_group("other", "C91.0"), "haematological");
  EXPECT_EQ(primary_group("bladder"), "other");
  EXPECT_EQ(primary_group(""), "not recorded");
  const TableSpec& patients = table_spec("patients");
  EXPECT_EQ(canonical_value(patients, *patients.column("primary_icd10"), "C50.9"), "C50.9");
  EXPECT_THROW(canonical_value(patients, *patients.column("primary_icd10"), "breast"), Error);
}

}  // namespace
}  // namespace kiort
