// What every route file of kiort serve shares: the answer a handler throws for a status other
// than 200 (HttpError), JSON answers and errors, the session cookie, ids and bodies read from a
// request. Internal to src/server.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "registry/repository.h"
#include "server/api_body.h"  // HttpError, the decoded request bodies

namespace kiort::web {

using json = nlohmann::json;
using httplib::Request;
using httplib::Response;

inline constexpr const char* kCookie = "kiort_session";

void send_json(Response& res, const json& body, int status = 200);
void send_error(Response& res, int status, const std::string& message,
                const std::string& field = {});
std::string cookie_value(const Request& req, const std::string& name);
bool state_changing(const std::string& method);
// A row id from a path: a positive integer, else 404 "no such <what>".
std::int64_t parse_id(const std::string& text, const char* what);
// The body as a JSON object (415 for another type, 400 for malformed JSON or not an object).
json parse_body(const Request& req);
json row_json(const Row& row);
// An audit entry as the API answers it (/api/audit, a visit's history).
json audit_json(const AuditEntry& a);

}  // namespace kiort::web
