// Checks a JSON document against the subset of JSON Schema that data/evidence/schema.json uses
// (type, required, properties, additionalProperties, items, enum, pattern, minimum, minItems,
// maxItems, minLength), so the evidence base's rules live in data, not in code. Never accepts a
// keyword it does not implement silently: an unknown keyword in the schema is an internal error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kiort::evidence {

// Throws kiort::Error (bad input) naming `file`, the JSON pointer of the first violation, the
// value seen and what the schema expected.
void check_schema(const nlohmann::json& doc, const nlohmann::json& schema, const std::string& file);

// True when `doi` has the form 10.NNNN/suffix (4 to 9 registrant digits, a suffix without
// spaces), as the DOI Handbook defines the prefix; says nothing about whether it resolves.
bool is_doi(const std::string& doi);

}  // namespace kiort::evidence
