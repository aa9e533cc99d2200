// A reference as `kiort evidence show` and the web page present it: the CSL-JSON item, its
// provenance and Vancouver citation, its findings, and the statements citing it grouped
// supporting / contrasting / mentioning with their counts, as scite shows them; and the
// statements the reference makes itself. One function for the CLI and kiort serve, so the
// grouping is written once.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evidence/evidence_base.h"

namespace kiort::evidence {

// The statements of `list` by stance: [0] supporting, [1] contrasting, [2] mentioning, in order.
std::array<std::vector<const Statement*>, 3> group_by_stance(
    const std::vector<const Statement*>& list);

// A finding in one line: "dose: 8 Gy; time_point: ...; reference_surface: ..." (value "-" when
// unknown, its bound before it), without where in the paper it stands.
std::string finding_text(const nlohmann::json& finding);

// The show view of reference `id` (throws as EvidenceBase::at for an unknown id). `extra` are
// statements classified outside the curated base (kiort serve's users): those citing `id` join
// the groups and counts, each with "origin": "user" (curated ones "origin": "curated"). Each
// finding carries its finding_text as "text".
nlohmann::json show_json(const EvidenceBase& base, const std::string& id,
                         const std::vector<Statement>& extra = {});

}  // namespace kiort::evidence
