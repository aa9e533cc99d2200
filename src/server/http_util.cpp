#include "server/http_util.h"

#include <charconv>
#include <ctime>

namespace kiort::web {

void send_json(Response& res, const json& body, int status) {
  res.status = status;
  // error_handler_t::replace: a stored value with broken UTF-8 must not turn into a 500.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(Response& res, int status, const std::string& message, const std::string& field) {
  json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  send_json(res, body, status);
}

std::string cookie_value(const Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    const auto b = part.find_first_not_of(' ');
    part = b == std::string::npos ? "" : part.substr(b);
    if (part.compare(0, name.size() + 1, name + "=") == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return {};
}

bool state_changing(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::int64_t parse_id(const std::string& text, const char* what) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v <= 0)
    throw HttpError{404, std::string("no such ") + what, {}};
  return v;
}

json parse_body(const Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0)
    throw HttpError{415, "the body must be JSON (Content-Type: application/json)", {}};
  return parse_json_object(req.body);
}

json row_json(const Row& row) {
  json o = json::object();
  for (const auto& [k, v] : row) o[k] = v ? json(*v) : json();
  return o;
}

json audit_json(const AuditEntry& a) {
  return {{"id", a.id},
          {"user", a.user},
          {"changed_at", a.changed_at},
          {"table", a.table},
          {"row_id", a.row_id},
          {"action", a.action},
          {"field", a.field},
          {"old_value", a.old_value ? json(*a.old_value) : json()},
          {"new_value", a.new_value ? json(*a.new_value) : json()}};
}

}  // namespace kiort::web
