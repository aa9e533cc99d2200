#include "evidence/evidence_base.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/paths.h"
#include "evidence/schema_check.h"

namespace kiort::evidence {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error::bad_input("cannot open the evidence file")
        .file(path.string())
        .expected("a readable JSON file");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::parse_error& e) {
    throw Error::bad_input("not valid JSON").file(path.string()).seen(e.what()).expected("JSON");
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int count_in(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(lower(text));
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

[[noreturn]] void bad(const fs::path& file, const std::string& field, const std::string& what,
                      const std::string& seen, const std::string& expected) {
  throw Error::bad_input(what).file(file.string()).field(field).seen(seen).expected(expected);
}

}  // namespace

const char* to_string(Stance s) {
  switch (s) {
    case Stance::kSupports:
      return "supports";
    case Stance::kContrasts:
      return "contrasts";
    case Stance::kMentions:
      return "mentions";
  }
  return "mentions";
}

Stance stance_from_string(const std::string& s) {
  const std::string l = lower(s);
  if (l == "supports" || l == "supporting") return Stance::kSupports;
  if (l == "contrasts" || l == "contrasting") return Stance::kContrasts;
  if (l == "mentions" || l == "mentioning") return Stance::kMentions;
  throw Error::bad_input("unknown stance")
      .field("stance")
      .seen(s)
      .expected("supports, contrasts or mentions");
}

std::string Reference::title() const {
  return csl.value("title", std::string());
}

int Reference::year() const {
  if (!csl.contains("issued")) return 0;
  return csl["issued"]["date-parts"][0][0].get<int>();
}

fs::path EvidenceBase::default_dir() {
  return data_dir() / "evidence";
}

EvidenceBase EvidenceBase::load(const fs::path& dir) {
  EvidenceBase base;
  const fs::path manifest_path = dir / "manifest.json";
  const json manifest = read_json(manifest_path);
  if (manifest.value("schema", "") != "kiort-evidence" || manifest.value("schema_version", 0) != 1)
    bad(manifest_path, "schema_version", "unsupported evidence base", manifest.dump().substr(0, 80),
        "schema kiort-evidence, schema_version 1");
  base.version_ = manifest.value("base_version", "");
  const json& files = manifest.at("files");
  auto path_of = [&](const char* key) { return dir / files.at(key).get<std::string>(); };
  base.schema_ = read_json(path_of("schema"));

  const fs::path refs_path = path_of("references"), prov_path = path_of("provenance"),
                 find_path = path_of("findings"), stat_path = path_of("statements");
  const json refs = read_json(refs_path), prov = read_json(prov_path), finds = read_json(find_path),
             stats = read_json(stat_path);
  check_schema(refs, base.schema_.at("references"), refs_path.string());
  check_schema(prov, base.schema_.at("provenance"), prov_path.string());
  check_schema(finds, base.schema_.at("findings"), find_path.string());
  check_schema(stats, base.schema_.at("statements"), stat_path.string());

  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const std::string id = refs[i]["id"].get<std::string>();
    const std::string ptr = "/" + std::to_string(i) + "/id";
    if (!index.emplace(id, i).second)
      bad(refs_path, ptr, "duplicate reference id", id, "unique ids");
    if (!prov["references"].contains(id))
      bad(prov_path, "/references/" + id, "reference without provenance", id,
          "an entry per reference");
    const json& p = prov["references"][id];
    for (const auto& [field, _] : refs[i].items()) {
      if (field == "id" || field == "type") continue;
      if (!p["fields"].contains(field))
        bad(prov_path, "/references/" + id + "/fields/" + field, "field without a source", field,
            "where the value was found");
    }
    for (const char* core : {"title", "author", "issued", "DOI"})
      if (!refs[i].contains(core) && !p["unknown"].contains(core))
        bad(prov_path, "/references/" + id + "/unknown/" + core, "a missing field without a reason",
            core, "why the field is unknown");
    for (const auto& [field, _] : p["fields"].items())
      if (!refs[i].contains(field))
        bad(prov_path, "/references/" + id + "/fields/" + field,
            "source given for a field the reference lacks", field, "a field of references.json");
    base.references_.push_back({refs[i], p});
  }
  for (const auto& [id, _] : prov["references"].items())
    if (!index.count(id))
      bad(prov_path, "/references/" + id, "provenance for an unknown reference", id,
          "a reference id");

  auto known = [&](const fs::path& file, const std::string& field, const std::string& id) {
    if (!index.count(id)) bad(file, field, "unknown reference id", id, "an id of references.json");
  };
  std::set<std::string> ids;
  for (std::size_t i = 0; i < finds["findings"].size(); ++i) {
    const json& f = finds["findings"][i];
    const std::string ptr = "/findings/" + std::to_string(i);
    known(find_path, ptr + "/reference", f["reference"].get<std::string>());
    if (!ids.insert(f["id"].get<std::string>()).second)
      bad(find_path, ptr + "/id", "duplicate finding id", f["id"].get<std::string>(), "unique ids");
    if (f["value"].is_null() && !f.contains("value_text") && !f.contains("reference_surface") &&
        !f.contains("definition"))
      bad(find_path, ptr + "/value", "a null value without a reason", "null",
          "value_text, definition or reference_surface saying why");
    base.findings_.push_back({f["id"].get<std::string>(), f["reference"].get<std::string>(),
                              f["quantity"].get<std::string>(), f});
  }
  ids.clear();
  for (std::size_t i = 0; i < stats["statements"].size(); ++i) {
    const json& s = stats["statements"][i];
    const std::string ptr = "/statements/" + std::to_string(i);
    Statement st;
    st.id = s["id"].get<std::string>();
    st.citing = s["citing"].get<std::string>();
    st.cited = s["cited"].get<std::string>();
    known(stat_path, ptr + "/citing", st.citing);
    known(stat_path, ptr + "/cited", st.cited);
    if (!ids.insert(st.id).second)
      bad(stat_path, ptr + "/id", "duplicate statement id", st.id, "unique ids");
    if (st.citing == st.cited)
      bad(stat_path, ptr + "/cited", "a paper citing itself", st.cited, "another reference");
    const int y_citing = base.references_[index[st.citing]].year();
    const int y_cited = base.references_[index[st.cited]].year();
    if (y_citing > 0 && y_cited > 0 && y_citing < y_cited)
      bad(stat_path, ptr + "/cited", "the citing paper is older than the cited one",
          st.citing + " (" + std::to_string(y_citing) + ") cites " + st.cited + " (" +
              std::to_string(y_cited) + ")",
          "a cited paper published no later than the citing one");
    st.stance = stance_from_string(s["stance"].get<std::string>());
    st.section = s["section"].get<std::string>();
    st.claim = s["claim"].get<std::string>();
    st.citation_seen = s["citation_seen"].get<bool>();
    st.evidence = s["evidence"].get<std::string>();
    st.classified_by = s["classified_by"].get<std::string>();
    st.classified_from = s["classified_from"].get<std::string>();
    st.source = s["source"].get<std::string>();
    base.statements_.push_back(std::move(st));
  }
  return base;
}

const Reference* EvidenceBase::find(const std::string& id) const {
  for (const Reference& r : references_)
    if (r.id() == id) return &r;
  return nullptr;
}

const Reference& EvidenceBase::at(const std::string& id) const {
  if (const Reference* r = find(id)) return *r;
  std::string ids;
  for (const Reference& r : references_) ids += (ids.empty() ? "" : ", ") + r.id();
  throw Error::bad_input("no such reference in the evidence base")
      .field("id")
      .seen(id)
      .expected("one of " + ids);
}

std::vector<const Finding*> EvidenceBase::findings_of(const std::string& id) const {
  std::vector<const Finding*> out;
  for (const Finding& f : findings_)
    if (f.reference == id) out.push_back(&f);
  return out;
}

std::vector<const Statement*> EvidenceBase::citing(const std::string& id) const {
  std::vector<const Statement*> out;
  for (const Statement& s : statements_)
    if (s.cited == id) out.push_back(&s);
  return out;
}

std::vector<const Statement*> EvidenceBase::cited_by(const std::string& id) const {
  std::vector<const Statement*> out;
  for (const Statement& s : statements_)
    if (s.citing == id) out.push_back(&s);
  return out;
}

StanceCounts EvidenceBase::counts_citing(const std::string& id) const {
  StanceCounts c;
  for (const Statement* s : citing(id)) {
    if (s->stance == Stance::kSupports)
      ++c.supports;
    else if (s->stance == Stance::kContrasts)
      ++c.contrasts;
    else
      ++c.mentions;
  }
  return c;
}

std::vector<SearchHit> EvidenceBase::search(const std::string& text) const {
  const std::vector<std::string> query = words(text);
  if (query.empty())
    throw Error::bad_input("empty search").field("TEXT").expected("at least one word");
  std::vector<SearchHit> hits;
  auto consider = [&](const std::string& kind, const std::string& id, const std::string& ref,
                      const std::string& display, const std::string& haystack) {
    const std::string h = lower(haystack);
    int score = 0;
    for (const std::string& w : query) {
      const int n = count_in(h, w);
      if (n == 0) return;
      score += n;
    }
    hits.push_back({kind, id, ref, display, score});
  };
  for (const Reference& r : references_) {
    std::string hay = r.csl.dump() + " " + r.provenance["topics"].dump();
    consider("reference", r.id(), r.id(), short_label(r.csl), hay);
  }
  for (const Finding& f : findings_) {
    std::string display = f.reference + " " + f.quantity + ": " +
                          (f.data["value"].is_null() ? f.data.value("value_text", std::string("-"))
                                                     : f.data["value"].dump());
    if (f.data["unit"].is_string()) display += " " + f.data["unit"].get<std::string>();
    if (f.data.contains("time_point")) display += " at " + f.data["time_point"].get<std::string>();
    consider("finding", f.id, f.reference, display, f.quantity + " " + f.data.dump());
  }
  for (const Statement& s : statements_)
    consider("statement", s.id, s.cited,
             s.citing + " -> " + s.cited + " [" + to_string(s.stance) + "] " + s.claim,
             s.citing + " " + s.cited + " " + s.section + " " + s.claim);
  std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    if (a.score != b.score) return a.score > b.score;
    auto rank = [](const std::string& k) {
      return k == "reference" ? 0 : k == "statement" ? 1 : 2;
    };
    if (a.kind != b.kind) return rank(a.kind) < rank(b.kind);
    return a.id < b.id;
  });
  return hits;
}

std::string short_label(const json& csl) {
  std::string who;
  if (csl.contains("author") && !csl["author"].empty()) {
    who = csl["author"][0].value("family", "");
    if (csl["author"].size() > 1) who += " et al.";
  } else {
    who = "[no author]";
  }
  std::string year = csl.contains("issued")
                         ? std::to_string(csl["issued"]["date-parts"][0][0].get<int>())
                         : "n.d.";
  return who + " " + year + ". " + csl.value("title", std::string("[no title]"));
}

json to_json(const Statement& s) {
  return {{"id", s.id},
          {"citing", s.citing},
          {"cited", s.cited},
          {"stance", to_string(s.stance)},
          {"section", s.section},
          {"claim", s.claim},
          {"citation_seen", s.citation_seen},
          {"evidence", s.evidence},
          {"classified_by", s.classified_by},
          {"classified_from", s.classified_from},
          {"source", s.source}};
}

json to_json(const StanceCounts& c) {
  return {{"supporting", c.supports},
          {"contrasting", c.contrasts},
          {"mentioning", c.mentions},
          {"total", c.total()}};
}

}  // namespace kiort::evidence
