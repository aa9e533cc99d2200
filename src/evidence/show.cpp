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
  for (const Finding* f : base.findings_of(r.id())) findings.push_back(f->data);
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
