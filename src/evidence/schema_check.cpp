#include "evidence/schema_check.h"

#include <regex>
#include <set>

#include "core/error.h"

namespace kiort::evidence {
namespace {

using nlohmann::json;

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer() || v.is_number_unsigned();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  throw Error::internal("schema: unknown type '" + t + "'");
}

std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

[[noreturn]] void fail(const std::string& file, const std::string& ptr, const json& v,
                       const std::string& expected) {
  throw Error::bad_input("does not match the evidence schema")
      .file(file)
      .field(ptr.empty() ? "/" : ptr)
      .seen(shown(v))
      .expected(expected);
}

void check(const json& v, const json& s, const std::string& file, const std::string& ptr) {
  static const std::set<std::string> kKnown = {
      "type",     "required",   "properties", "additionalProperties",
      "items",    "enum",       "pattern",    "minimum",
      "minItems", "maxItems",   "minLength",  "$schema",
      "title",    "description"};
  for (const auto& [key, _] : s.items())
    if (!kKnown.count(key)) throw Error::internal("schema keyword not implemented: " + key);
  if (s.contains("type")) {
    const json& t = s["type"];
    bool any = false;
    std::string names;
    for (const json& one : t.is_array() ? t : json::array({t})) {
      any = any || has_type(v, one.get<std::string>());
      names += (names.empty() ? "" : " or ") + one.get<std::string>();
    }
    if (!any) fail(file, ptr, v, "a value of type " + names);
  }
  if (s.contains("enum")) {
    bool found = false;
    for (const json& e : s["enum"]) found = found || e == v;
    if (!found) fail(file, ptr, v, "one of " + s["enum"].dump());
  }
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    if (s.contains("minLength") && text.size() < s["minLength"].get<std::size_t>())
      fail(file, ptr, v, "at least " + s["minLength"].dump() + " characters");
    if (s.contains("pattern") &&
        !std::regex_search(text, std::regex(s["pattern"].get<std::string>())))
      fail(file, ptr, v, "text matching " + s["pattern"].get<std::string>());
  }
  if (v.is_number() && s.contains("minimum") && v.get<double>() < s["minimum"].get<double>())
    fail(file, ptr, v, "a number >= " + s["minimum"].dump());
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>())
      fail(file, ptr, v, "at least " + s["minItems"].dump() + " items");
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>())
      fail(file, ptr, v, "at most " + s["maxItems"].dump() + " items");
    if (s.contains("items"))
      for (std::size_t i = 0; i < v.size(); ++i)
        check(v[i], s["items"], file, ptr + "/" + std::to_string(i));
  }
  if (v.is_object()) {
    if (s.contains("required"))
      for (const json& r : s["required"])
        if (!v.contains(r.get<std::string>()))
          fail(file, ptr + "/" + r.get<std::string>(), v,
               "the required field '" + r.get<std::string>() + "'");
    const json none = json::object();
    const json& props = s.contains("properties") ? s["properties"] : none;
    for (const auto& [key, value] : v.items()) {
      const std::string child = ptr + "/" + key;
      if (props.contains(key)) {
        check(value, props[key], file, child);
      } else if (s.contains("additionalProperties")) {
        const json& extra = s["additionalProperties"];
        if (extra.is_boolean()) {
          if (!extra.get<bool>())
            fail(file, child, value, "no field '" + key + "' (not in the schema)");
        } else {
          check(value, extra, file, child);
        }
      }
    }
  }
}

}  // namespace

void check_schema(const json& doc, const json& schema, const std::string& file) {
  check(doc, schema, file, "");
}

bool is_doi(const std::string& doi) {
  static const std::regex kDoi(R"(^10\.[0-9]{4,9}/\S+$)");
  return std::regex_match(doi, kDoi);
}

}  // namespace kiort::evidence
