// The web API's JSON request bodies, decoded into registry rows before anything is written: one
// place for what a body may hold, so the server and its fuzz target (tests/fuzz/fuzz_api_body.cpp)
// run the same code. Every refusal is an HttpError (400 with the field the form shows it at);
// nothing here throws anything else for any bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/repository.h"
#include "registry/schema.h"

namespace kiort {

// An answer other than 200 that a handler decides on (400, 401, 403, 404, 409): thrown, then
// written as {"error": message, "field": field}.
struct HttpError {
  int status;
  std::string message;
  std::string field;
};

// A body that must be one JSON object (400 "malformed JSON" / "the body must be a JSON object").
nlohmann::json parse_json_object(std::string_view body);

// A form value from JSON as the registry's text: numbers and strings as they are, an array of
// item answers joined by commas (null = unanswered), null or "" = absent.
std::optional<std::string> form_text(const nlohmann::json& v, const std::string& field);

// A row for `table` from a JSON object: only columns a user may enter; anything else is refused
// with its field so the form can show it. Keys in `skip` are ignored (the server sets them).
Row form_row(const TableSpec& table, const nlohmann::json& obj,
             const std::vector<std::string>& skip = {});

// POST /api/login: {"user": "...", "password": "..."}.
struct LoginForm {
  std::string user, password;
};
LoginForm login_form(const nlohmann::json& body);

// POST /api/visits: {"visit": {...}, "analgesics": [{...}], "complications": [{...}]}; the
// analgesics' visit_id and the complications' procedure_id are the server's to set.
struct VisitForm {
  Row visit;
  std::vector<Row> analgesics, complications;
};
VisitForm visit_form(const nlohmann::json& body);

}  // namespace kiort
