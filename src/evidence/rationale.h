// A plan's prescription rationale (plan.json "rationale") resolved against the evidence base:
// the references and findings its ids name. kiort::plan stores only the ids; the CLI
// (`kiort plan rationale`) and the plan report resolve them here.
#pragma once

#include <string>
#include <vector>

#include "evidence/evidence_base.h"

namespace kiort::evidence {

struct ResolvedRationale {
  std::vector<const Reference*> references;
  std::vector<const Finding*> findings;
};

// Every id must be in the base: an unknown one is a bad-input error naming the file, the field
// (rationale.references[i] or rationale.findings[i]), the id, and where the known ids are listed.
ResolvedRationale resolve_rationale(const EvidenceBase& base,
                                    const std::vector<std::string>& references,
                                    const std::vector<std::string>& findings,
                                    const std::string& file);

}  // namespace kiort::evidence
