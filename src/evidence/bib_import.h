// Import of a user's references from RIS, BibTeX or CSL-JSON into CSL-JSON items that pass the
// evidence schema's reference rules. Bad input is a kiort::Error naming the file and line
// ("refs.ris:12"), the field (RIS tag, BibTeX field, JSON pointer), the value and what was
// expected; nothing is guessed (an entry without a title is an error, not "Untitled").
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace kiort::evidence {

enum class BibFormat { kRis, kBibtex, kCslJson };
// From the file name: .ris, .bib, .json; else a bad-input error.
BibFormat bib_format_from_path(const std::filesystem::path& path);
BibFormat bib_format_from_string(const std::string& s);  // "ris", "bibtex", "csl-json"

// Each returns a JSON array of CSL items. `file` names the input in error messages;
// `reference_schema` is schema.json's "references" entry: every item is checked against it, and
// CSL-JSON fields it does not know (abstract, note, ...) are dropped, as are RIS tags and BibTeX
// fields without a place in the base.
nlohmann::json parse_ris(const std::string& text, const std::string& file,
                         const nlohmann::json& reference_schema);
nlohmann::json parse_bibtex(const std::string& text, const std::string& file,
                            const nlohmann::json& reference_schema);
nlohmann::json parse_csl_json(const std::string& text, const std::string& file,
                              const nlohmann::json& reference_schema);
nlohmann::json import_references(const std::filesystem::path& path, BibFormat format,
                                 const nlohmann::json& reference_schema);

}  // namespace kiort::evidence
