#include "registry/scores.h"

#include <cctype>

#include <chrono>
#include <cstdio>
#include <map>

#include "core/error.h"

namespace kiort {
namespace {

struct Choice {
  const char* category;
  int points;
};

// Fisher CG, DiPaola CP, Ryken TC, et al. A novel classification system for spinal instability in
// neoplastic disease: an evidence-based approach and expert consensus from the Spine Oncology
// Study Group. Spine 2010;35(22):E1221-E1229, Table 2 (SINS).
const std::map<std::string, std::vector<Choice>, std::less<>>& sins_table() {
  static const std::map<std::string, std::vector<Choice>, std::less<>> t = {
      // Junctional (occiput-C2, C7-T2, T11-L1, L5-S1) 3; mobile (C3-C6, L2-L4) 2;
      // semirigid (T3-T10) 1; rigid (S2-S5) 0.
      {"location", {{"junctional", 3}, {"mobile", 2}, {"semirigid", 1}, {"rigid", 0}}},
      // Mechanical pain 3; occasional non-mechanical pain 1; pain-free lesion 0.
      {"pain", {{"mechanical", 3}, {"occasional", 1}, {"none", 0}}},
      // Bone lesion: lytic 2, mixed (lytic/blastic) 1, blastic 0.
      {"lesion", {{"lytic", 2}, {"mixed", 1}, {"blastic", 0}}},
      // Radiographic alignment: subluxation/translation 4, de novo deformity 2, normal 0.
      {"alignment", {{"subluxation", 4}, {"deformity", 2}, {"normal", 0}}},
      // Vertebral body collapse: >50 % 3, <50 % 2, no collapse with >50 % body involved 1, none 0.
      {"collapse", {{"gt50", 3}, {"lt50", 2}, {"none_gt50_involved", 1}, {"none", 0}}},
      // Posterolateral involvement of spinal elements: bilateral 3, unilateral 1, none 0.
      {"posterolateral", {{"bilateral", 3}, {"unilateral", 1}, {"none", 0}}},
  };
  return t;
}

// Tokuhashi Y, Matsuzaki H, Oda H, Oshima M, Ryu J. A revised scoring system for preoperative
// evaluation of metastatic spine tumor prognosis. Spine 2005;30(19):2186-2191, Table 1: primary
// site of the cancer. Lung, osteosarcoma, stomach, bladder, esophagus, pancreas 0; liver,
// gallbladder, unidentified 1; others 2; kidney, uterus 3; rectum 4; thyroid, breast, prostate,
// carcinoid tumour 5.
const std::vector<Choice>& tokuhashi_primary_table() {
  static const std::vector<Choice> t = {
      {"lung", 0},     {"osteosarcoma", 0}, {"stomach", 0},     {"bladder", 0},  {"esophagus", 0},
      {"pancreas", 0}, {"liver", 1},        {"gallbladder", 1}, {"unknown", 1},  {"colon", 2},
      {"myeloma", 2},  {"lymphoma", 2},     {"other", 2},       {"kidney", 3},   {"uterus", 3},
      {"rectum", 4},   {"thyroid", 5},      {"breast", 5},      {"prostate", 5}, {"carcinoid", 5},
  };
  return t;
}

}  // namespace

const std::vector<std::string>& sins_choices(std::string_view component) {
  static const std::map<std::string, std::vector<std::string>, std::less<>> names = [] {
    std::map<std::string, std::vector<std::string>, std::less<>> m;
    for (const auto& [comp, choices] : sins_table())
      for (const Choice& c : choices) m[comp].push_back(c.category);
    return m;
  }();
  const auto it = names.find(component);
  if (it == names.end())
    throw Error::internal("unknown SINS component").field(std::string(component));
  return it->second;
}

int sins_points(std::string_view component, std::string_view category) {
  const auto it = sins_table().find(component);
  if (it == sins_table().end())
    throw Error::internal("unknown SINS component").field(std::string(component));
  for (const Choice& c : it->second)
    if (category == c.category) return c.points;
  std::string allowed;
  for (const Choice& c : it->second)
    allowed += (allowed.empty() ? "" : ", ") + std::string(c.category);
  throw Error::bad_input("unknown SINS category")
      .field("sins_" + std::string(component))
      .seen(std::string(category))
      .expected("one of " + allowed);
}

int sins_score(const SinsComponents& c) {
  return sins_points("location", c.location) + sins_points("pain", c.pain) +
         sins_points("lesion", c.lesion) + sins_points("alignment", c.alignment) +
         sins_points("collapse", c.collapse) + sins_points("posterolateral", c.posterolateral);
}

std::string sins_category(int score) {
  if (score <= 6) return "stable";
  if (score <= 12) return "potentially unstable";
  return "unstable";
}

const std::vector<std::string>& primary_sites() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> out;
    for (const Choice& c : tokuhashi_primary_table()) out.emplace_back(c.category);
    return out;
  }();
  return v;
}

int tokuhashi_primary_points(std::string_view primary_site) {
  for (const Choice& c : tokuhashi_primary_table())
    if (primary_site == c.category) return c.points;
  throw Error::bad_input("unknown primary site")
      .field("primary_site")
      .seen(std::string(primary_site))
      .expected("a primary site of the revised Tokuhashi table (see docs/registry.md)");
}

namespace {
// The three-character category of an ICD-10 C code ("C50.9" -> 50); nullopt otherwise.
std::optional<int> icd10_category(std::string_view code) {
  if (code.size() < 3 || code[0] != 'C' || !std::isdigit(static_cast<unsigned char>(code[1])) ||
      !std::isdigit(static_cast<unsigned char>(code[2])))
    return std::nullopt;
  if (code.size() > 3) {
    if (code[3] != '.' || code.size() < 5 || code.size() > 6) return std::nullopt;
    for (std::size_t i = 4; i < code.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(code[i]))) return std::nullopt;
  }
  const int c = (code[1] - '0') * 10 + (code[2] - '0');
  return c <= 97 ? std::optional<int>(c) : std::nullopt;
}
}  // namespace

std::optional<std::string> primary_site_of_icd10(std::string_view code) {
  const auto c = icd10_category(code);
  if (!c) return std::nullopt;
  // ICD-10 (WHO 2019) chapter II categories to the rows of Tokuhashi 2005, Table 1.
  struct Range {
    int lo, hi;
    const char* site;
  };
  static const Range kMap[] = {
      {15, 15, "esophagus"}, {16, 16, "stomach"},     {18, 19, "colon"},    {20, 20, "rectum"},
      {22, 22, "liver"},     {23, 24, "gallbladder"}, {25, 25, "pancreas"}, {33, 34, "lung"},
      {50, 50, "breast"},    {53, 55, "uterus"},      {61, 61, "prostate"}, {64, 65, "kidney"},
      {67, 67, "bladder"},   {73, 73, "thyroid"},     {80, 80, "unknown"},  {81, 86, "lymphoma"},
      {88, 88, "lymphoma"},  {90, 90, "myeloma"},
  };
  for (const Range& r : kMap)
    if (*c >= r.lo && *c <= r.hi) return std::string(r.site);
  return std::string("other");
}

std::string primary_group(std::string_view site, std::string_view icd10) {
  if (const auto c = icd10_category(icd10)) {
    if (*c == 50) return "breast";
    if (*c == 61) return "prostate";
    if (*c == 33 || *c == 34) return "lung";
    if (*c == 64 || *c == 65) return "kidney";
    if (*c == 73) return "thyroid";
    if (*c >= 15 && *c <= 26) return "gastrointestinal";
    if (*c >= 81 && *c <= 96) return "haematological";
    return "other";
  }
  if (site.empty()) return "not recorded";
  for (const char* same : {"breast", "prostate", "lung", "kidney", "thyroid"})
    if (site == same) return same;
  for (const char* gi :
       {"esophagus", "stomach", "colon", "rectum", "liver", "gallbladder", "pancreas"})
    if (site == gi) return "gastrointestinal";
  if (site == "myeloma" || site == "lymphoma") return "haematological";
  return "other";
}

int tokuhashi_score(const TokuhashiInputs& in) {
  // Tokuhashi 2005, Table 1.
  int s = 0;
  // General condition (Karnofsky PS): poor 10-40 % 0, moderate 50-70 % 1, good 80-100 % 2.
  s += in.kps >= 80 ? 2 : (in.kps >= 50 ? 1 : 0);
  // Number of extraspinal bone metastasis foci: >= 3 0, 1-2 1, 0 2.
  s += in.extraspinal_bone_mets == 0 ? 2 : (in.extraspinal_bone_mets <= 2 ? 1 : 0);
  // Number of metastases in the vertebral body: >= 3 0, 2 1, 1 2.
  s += in.vertebral_mets <= 1 ? 2 : (in.vertebral_mets == 2 ? 1 : 0);
  // Metastases to the major internal organs: unremovable 0, removable 1, none 2.
  if (in.visceral_mets == "none")
    s += 2;
  else if (in.visceral_mets == "removable")
    s += 1;
  else if (in.visceral_mets != "unremovable")
    throw Error::bad_input("unknown visceral metastasis category")
        .field("tok_visceral_mets")
        .seen(in.visceral_mets)
        .expected("none, removable or unremovable");
  s += tokuhashi_primary_points(in.primary_site);
  // Palsy: complete (Frankel A, B) 0; incomplete (Frankel C, D) 1; none (Frankel E) 2.
  if (in.palsy_frankel == "A" || in.palsy_frankel == "B")
    s += 0;
  else if (in.palsy_frankel == "C" || in.palsy_frankel == "D")
    s += 1;
  else if (in.palsy_frankel == "E")
    s += 2;
  else
    throw Error::bad_input("unknown Frankel grade")
        .field("tok_palsy_frankel")
        .seen(in.palsy_frankel)
        .expected("A, B, C, D or E");
  return s;
}

std::string tokuhashi_prognosis(int score) {
  if (score <= 8) return "< 6 months";
  if (score <= 11) return ">= 6 months";
  return ">= 1 year";
}

const std::vector<std::string>& treatable_levels() {
  static const std::vector<std::string> v = {"C7",  "T1", "T2", "T3", "T4",  "T5",
                                             "T6",  "T7", "T8", "T9", "T10", "T11",
                                             "T12", "L1", "L2", "L3", "L4",  "L5"};
  return v;
}

bool is_treatable_level(std::string_view level) {
  for (const std::string& l : treatable_levels())
    if (l == level) return true;
  return false;
}

std::string sins_location_of_level(std::string_view level) {
  // Fisher 2010: junctional C7-T2, T11-L1, L5(-S1); mobile L2-L4; semirigid T3-T10.
  if (level == "C7" || level == "T1" || level == "T2" || level == "T11" || level == "T12" ||
      level == "L1" || level == "L5")
    return "junctional";
  if (level == "L2" || level == "L3" || level == "L4") return "mobile";
  if (is_treatable_level(level)) return "semirigid";
  return {};
}

std::optional<std::int64_t> parse_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const std::size_t start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k) {
    for (std::size_t i = start[k]; i < start[k] + len[k]; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      v[k] = v[k] * 10 + (t[i] - '0');
    }
  }
  using namespace std::chrono;
  const year_month_day ymd{year{v[0]}, month{static_cast<unsigned>(v[1])},
                           day{static_cast<unsigned>(v[2])}};
  if (!ymd.ok() || v[0] < 1800) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count();
}

std::string format_date(std::int64_t days) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string today_utc() {
  using namespace std::chrono;
  return format_date(floor<days>(system_clock::now()).time_since_epoch().count());
}

}  // namespace kiort
