// kiort::evidence: the curated Kypho-IORT literature shipped in data/evidence - CSL-JSON
// references with the source of every field, structured findings with units and where in the
// paper they stand, and citation statements (who cites whom, the claim, the stance, who
// classified it). Loading checks everything against schema.json and the cross-references; the
// module never fills a bibliographic field it was not given.
//
// Other modules link to the base by reference id ("bludau2019"): a plan's prescription rationale
// or a report's comparison table stores ids and calls find()/findings_of()/citing().
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kiort::evidence {

enum class Stance { kSupports, kContrasts, kMentions };
const char* to_string(Stance s);
// "supports"/"contrasts"/"mentions" (also "supporting"/"contrasting"/"mentioning").
Stance stance_from_string(const std::string& s);

struct Statement {
  std::string id, citing, cited;
  Stance stance = Stance::kMentions;
  std::string section, claim;
  bool citation_seen = false;  // the citing text or reference list was seen, not only inferred
  std::string evidence, classified_by, classified_from, source;
};

struct Finding {
  std::string id, reference, quantity;
  nlohmann::json data;  // the whole entry: value (number or null), unit, time point, where, ...
};

struct Reference {
  nlohmann::json csl;         // one CSL-JSON item
  nlohmann::json provenance;  // {fields: {field: source}, unknown: {field: reason}, topics: []}
  const std::string& id() const { return csl.at("id").get_ref<const std::string&>(); }
  std::string title() const;
  int year() const;  // 0 when the issued date is unknown
};

struct StanceCounts {
  int supports = 0, contrasts = 0, mentions = 0;
  int total() const { return supports + contrasts + mentions; }
};

struct SearchHit {
  std::string kind;       // "reference", "finding" or "statement"
  std::string id;         // the entry's id
  std::string reference;  // the reference it belongs to (for a statement: the cited one)
  std::string text;       // what matched, for display
  int score = 0;          // occurrences of the query words
};

class EvidenceBase {
 public:
  // Loads manifest.json and the files it names from `dir`; throws kiort::Error (bad input) on the
  // first violation of schema.json, a duplicate id, a dangling reference id, a field without a
  // source, or a statement whose citing paper is older than the cited one.
  static EvidenceBase load(const std::filesystem::path& dir);
  // data_dir()/evidence.
  static std::filesystem::path default_dir();

  const std::string& version() const { return version_; }
  const nlohmann::json& schema() const { return schema_; }
  const std::vector<Reference>& references() const { return references_; }
  const std::vector<Finding>& findings() const { return findings_; }
  const std::vector<Statement>& statements() const { return statements_; }

  const Reference* find(const std::string& id) const;
  // As find(), but throws a bad-input error listing the known ids.
  const Reference& at(const std::string& id) const;
  std::vector<const Finding*> findings_of(const std::string& id) const;
  std::vector<const Statement*> citing(const std::string& id) const;    // statements citing id
  std::vector<const Statement*> cited_by(const std::string& id) const;  // statements made by id
  StanceCounts counts_citing(const std::string& id) const;

  // Case-insensitive search: an entry matches when every word of `text` occurs in it; hits are
  // sorted by score, then kind and id.
  std::vector<SearchHit> search(const std::string& text) const;

 private:
  std::string version_;
  nlohmann::json schema_;
  std::vector<Reference> references_;
  std::vector<Finding> findings_;
  std::vector<Statement> statements_;
};

// Plain-text one-liner "Family Initials et al. Year. Title" used by list/search displays.
std::string short_label(const nlohmann::json& csl);

// JSON views for --json output.
nlohmann::json to_json(const Statement& s);
nlohmann::json to_json(const StanceCounts& c);

}  // namespace kiort::evidence
