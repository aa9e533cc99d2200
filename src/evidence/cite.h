// Citation formats of one CSL-JSON item: Vancouver (ICMJE / NLM "Citing Medicine" order), BibTeX
// and RIS. A field the item lacks is left out, never filled in or guessed.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kiort::evidence {

enum class CiteStyle { kVancouver, kBibtex, kRis };
// "vancouver", "bibtex" or "ris"; anything else is a bad-input error.
CiteStyle cite_style_from_string(const std::string& s);

// Vancouver: up to six authors as "Family Initials", then "et al."; title; journal abbreviation
// (container-title-short, else the full title); "Year;Volume(Issue):Pages" with the end page
// shortened as NLM does (633-674 -> 633-74); doi and PMID at the end.
std::string format_vancouver(const nlohmann::json& csl);
// BibTeX entry keyed by the item's id; page ranges with "--"; LaTeX specials escaped.
std::string format_bibtex(const nlohmann::json& csl);
// RIS record (TY ... ER), tags as the RIS specification lists them.
std::string format_ris(const nlohmann::json& csl);
std::string format_citation(const nlohmann::json& csl, CiteStyle style);

}  // namespace kiort::evidence
