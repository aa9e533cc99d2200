// Clinical scores and conversions the registry computes from their published tables: SINS
// (spinal instability), the revised Tokuhashi score (prognosis), oral morphine equivalents, and
// the calendar and vertebral-level helpers the schema validates with. Pure functions: no storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiort {

// ---- SINS: Fisher CG et al., Spine 2010;35(22):E1221-E1229, Table 2 -------------------------
// Each component is stored as its category name; sins_points() gives the published points.
struct SinsComponents {
  std::string location;        // junctional | mobile | semirigid | rigid
  std::string pain;            // mechanical | occasional | none
  std::string lesion;          // lytic | mixed | blastic
  std::string alignment;       // subluxation | deformity | normal
  std::string collapse;        // gt50 | lt50 | none_gt50_involved | none
  std::string posterolateral;  // bilateral | unilateral | none
};
const std::vector<std::string>& sins_choices(std::string_view component);
// Points of one component category; throws kiort::Error (bad input) for an unknown category.
int sins_points(std::string_view component, std::string_view category);
int sins_score(const SinsComponents& c);  // 0..18
// Fisher 2010: 0-6 stable, 7-12 potentially unstable, 13-18 unstable.
std::string sins_category(int score);

// ---- Revised Tokuhashi: Tokuhashi Y et al., Spine 2005;30(19):2186-2191, Table 1 -------------
struct TokuhashiInputs {
  int kps = 0;                    // Karnofsky performance status, %
  int extraspinal_bone_mets = 0;  // number of extraspinal bone metastasis foci
  int vertebral_mets = 1;         // number of metastases in the vertebral bodies
  std::string visceral_mets;      // none | removable | unremovable (major internal organs)
  std::string primary_site;       // one of primary_sites()
  std::string palsy_frankel;      // Frankel grade A..E
};
const std::vector<std::string>& primary_sites();
int tokuhashi_primary_points(std::string_view primary_site);
int tokuhashi_score(const TokuhashiInputs& in);  // 0..15
// The grouping case series report primaries in: breast, prostate, lung, kidney, thyroid,
// gastrointestinal (oesophagus to rectum, liver, gallbladder, pancreas), haematological (myeloma,
// lymphoma), other; "not recorded" for an empty site.
// With an ICD-10 code (C15-C26 digestive organs, C81-C96 lymphoid and haematopoietic, ...) the
// group comes from the code, so a small-bowel or anal primary is gastrointestinal even though
// the Tokuhashi table calls it "other".
std::string primary_group(std::string_view primary_site, std::string_view icd10 = {});
// The Tokuhashi primary-site category of an ICD-10 code (C00-C97, e.g. C50.9 breast, C18.7 colon,
// C34.1 lung, C80 unknown); nullopt for a text that is not an ICD-10 malignant-neoplasm code.
// Codes without a Tokuhashi row (C17 small intestine, C21 anus, ...) are "other".
std::optional<std::string> primary_site_of_icd10(std::string_view icd10);
// Tokuhashi 2005: 0-8 predicted survival < 6 months, 9-11 >= 6 months, 12-15 >= 1 year.
std::string tokuhashi_prognosis(int score);

// ---- Vertebral levels treated by Kypho-IORT: C7 to L5 -----------------------------------------
const std::vector<std::string>& treatable_levels();
bool is_treatable_level(std::string_view level);
// SINS location category of a level (Fisher 2010): used to check sins_location against the level.
std::string sins_location_of_level(std::string_view level);

// ---- Dates: ISO 8601 calendar dates (YYYY-MM-DD) as days since 1970-01-01 ---------------------
// Returns nullopt unless text is a real calendar date in that exact form.
std::optional<std::int64_t> parse_date(std::string_view text);
std::string format_date(std::int64_t days);
std::string today_utc();

}  // namespace kiort
