#include "evidence/rationale.h"

#include "core/error.h"

namespace kiort::evidence {

ResolvedRationale resolve_rationale(const EvidenceBase& base,
                                    const std::vector<std::string>& references,
                                    const std::vector<std::string>& findings,
                                    const std::string& file) {
  ResolvedRationale out;
  for (std::size_t i = 0; i < references.size(); ++i) {
    const Reference* r = base.find(references[i]);
    if (!r)
      throw Error::bad_input("not a reference of the evidence base")
          .file(file)
          .field("rationale.references[" + std::to_string(i) + "]")
          .seen(references[i])
          .expected("a reference id of evidence base " + base.version() + " (kiort evidence list)");
    out.references.push_back(r);
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding* found = nullptr;
    for (const Finding& f : base.findings())
      if (f.id == findings[i]) found = &f;
    if (!found)
      throw Error::bad_input("not a finding of the evidence base")
          .file(file)
          .field("rationale.findings[" + std::to_string(i) + "]")
          .seen(findings[i])
          .expected("a finding id of evidence base " + base.version() +
                    " (kiort evidence show REFERENCE lists them)");
    out.findings.push_back(found);
  }
  return out;
}

}  // namespace kiort::evidence
