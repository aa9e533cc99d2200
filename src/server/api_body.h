// The web API's JSON request bodies, decoded into registry rows before anything is written: one
// place for what a body may hold, so the server and its fuzz target (tests/fuzz/fuzz_api_body.cpp)
// run the same code. Every refusal is an HttpError (400 with the field the form shows it at);
// nothing here throws anything else for any bytes. No HTTP server here: the fuzz build links
// this file alone.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/repository.h"
#include "registry/schema.h"

namespace kiort::web {

// An answer other than 200 that a handler decides on (400, 401, 403, 404, 409, ...): thrown, then
// written by WebServer::Impl::api() as {"error": message, "field": field}.
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

// POST /api/visits and PUT /api/visits/{id}: {"visit": {...}, "analgesics": [{...}],
// "complications": [{...}], "confirm": bool, "reason": "..."}; the analgesics' visit_id and the
// complications' procedure_id are the server's to set. A correction (edit) takes no
// complications: they belong to the procedure.
struct VisitForm {
  Row visit;
  bool has_analgesics = false;  // a correction that sends "analgesics" replaces the visit's list
  std::vector<Row> analgesics, complications;
  bool confirm = false;  // the user confirmed the entry rules' warnings
  std::string reason;    // why a stored visit is corrected
};
VisitForm visit_form(const nlohmann::json& body, bool edit);

}  // namespace kiort::web
