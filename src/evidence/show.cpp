#include "evidence/show.h"

#include <array>
#include <set>

#include "evidence/cite.h"

namespace kiort::evidence {

using nlohmann::json;

std::array<std::vector<const Statement*>, 3> group_by_stance(
    const std::vector<const Statement*>& list) {
  std::array<std::vector<const Statement*>, 3> groups;
  for (const Statement* s : list)
    groups[s->stance == Stance::kSupports    ? 0
           : s->stance == Stance::kContrasts ? 1
                                             : 2]
        .push_back(s);
  return groups;
}

std::string finding_text(const json& f) {
  // Appended piece by piece: GCC 12's -Wrestrict misfires on "literal" + std::string chains here.
  std::string line = f["quantity"].get<std::string>();
  line.append(": ");
  if (f.contains("bound")) line.append(f["bound"].get<std::string>()).append(" ");
  line.append(f["value"].is_null() ? std::string("-") : f["value"].dump());
  if (!f["unit"].is_null()) line.append(" ").append(f["unit"].get<std::string>());
  for (const char* k : {"time_point", "definition", "reference_surface", "value_text", "detail"})
    if (f.contains(k)) line.append("; ").append(k).append(": ").append(f[k].get<std::string>());
  return line;
}

json show_json(const EvidenceBase& base, const std::string& id,
               const std::vector<Statement>& extra) {
  const Reference& r = base.at(id);
  std::vector<const Statement*> citing = base.citing(r.id());
  std::set<const Statement*> user;
  for (const Statement& s : extra)
    if (s.cited == r.id()) {
      citing.push_back(&s);
      user.insert(&s);
    }
  const auto groups = group_by_stance(citing);
  const StanceCounts counts{static_cast<int>(groups[0].size()), static_cast<int>(groups[1].size()),
                            static_cast<int>(groups[2].size())};
  const auto list = [&](const std::vector<const Statement*>& v) {
    json out = json::array();
    for (const Statement* s : v) {
      json j = to_json(*s);
      j["origin"] = user.count(s) ? "user" : "curated";
      out.push_back(std::move(j));
    }
    return out;
  };
  json findings = json::array();
  for (const Finding* f : base.findings_of(r.id())) {
    json j = f->data;
    j["text"] = finding_text(f->data);
    findings.push_back(std::move(j));
  }
  return {{"reference", r.csl},
          {"provenance", r.provenance},
          {"label", short_label(r.csl)},
          {"vancouver", format_vancouver(r.csl)},
          {"findings", findings},
          {"citing",
           {{"counts", to_json(counts)},
            {"supporting", list(groups[0])},
            {"contrasting", list(groups[1])},
            {"mentioning", list(groups[2])}}},
          {"cites", list(base.cited_by(r.id()))}};
}

}  // namespace kiort::evidence
