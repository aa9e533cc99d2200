#include "server/api_body.h"

#include <algorithm>

namespace kiort::web {

using json = nlohmann::json;

json parse_json_object(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) throw HttpError{400, "malformed JSON", {}};
  if (!j.is_object()) throw HttpError{400, "the body must be a JSON object", {}};
  return j;
}

std::optional<std::string> form_text(const json& v, const std::string& field) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
  }
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    return format_real(d);
  }
  if (v.is_array()) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) s += ',';
      if (v[i].is_number_integer() || v[i].is_number_unsigned())
        s += v[i].dump();
      else if (v[i].is_string())
        s += v[i].get<std::string>();
      else if (!v[i].is_null())
        throw HttpError{400, "item answers must be integers or null", field};
    }
    return s;
  }
  throw HttpError{400, "expected a string, a number or null", field};
}

Row form_row(const TableSpec& table, const json& obj, const std::vector<std::string>& skip) {
  if (!obj.is_object()) throw HttpError{400, "expected an object", table.name};
  Row row;
  for (const auto& [key, value] : obj.items()) {
    const std::string field = table.name + "." + key;
    if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    const ColumnSpec* c = table.column(key);
    if (!c || c->type == ColumnType::kId || c->computed)
      throw HttpError{400, "not a field that can be entered", field};
    row[key] = form_text(value, field);
  }
  return row;
}

LoginForm login_form(const json& body) {
  const auto user = body.find("user");
  const auto password = body.find("password");
  if (user == body.end() || !user->is_string() || password == body.end() || !password->is_string())
    throw HttpError{400, "expected {\"user\": \"...\", \"password\": \"...\"}", {}};
  return {user->get<std::string>(), password->get<std::string>()};
}

VisitForm visit_form(const json& body, bool edit) {
  VisitForm f;
  const auto visit = body.find("visit");
  if (visit == body.end() || !visit->is_object())
    throw HttpError{400, "expected {\"visit\": {...}}", "visits"};
  f.visit = form_row(table_spec("visits"), *visit);
  if (const auto a = body.find("analgesics"); a != body.end()) {
    if (!a->is_array()) throw HttpError{400, "expected an array", "analgesics"};
    f.has_analgesics = true;
    for (const json& r : *a)
      f.analgesics.push_back(form_row(table_spec("analgesics"), r, {"visit_id"}));
  }
  if (const auto c = body.find("complications"); c != body.end()) {
    if (edit)
      throw HttpError{400,
                      "complications belong to the procedure: enter a new one with a new visit",
                      "complications"};
    if (!c->is_array()) throw HttpError{400, "expected an array", "complications"};
    for (const json& r : *c)
      f.complications.push_back(form_row(table_spec("complications"), r, {"procedure_id"}));
  }
  if (const auto c = body.find("confirm"); c != body.end()) {
    if (!c->is_boolean()) throw HttpError{400, "expected true or false", "confirm"};
    f.confirm = c->get<bool>();
  }
  if (const auto r = body.find("reason"); r != body.end()) {
    if (!r->is_string()) throw HttpError{400, "expected a string", "reason"};
    f.reason = r->get<std::string>();
  }
  for (const auto& [k, v] : body.items())
    if (k != "visit" && k != "analgesics" && k != "complications" && k != "confirm" &&
        k != "reason")
      throw HttpError{400, "unknown part of the form", k};
  return f;
}

}  // namespace kiort::web
