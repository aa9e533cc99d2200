#include "evidence/bib_import.h"

#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "evidence/schema_check.h"

namespace kiort::evidence {
namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string at_line(const std::string& file, int line) {
  return file + ":" + std::to_string(line);
}

[[noreturn]] void bad(const std::string& where, const std::string& field, const std::string& what,
                      const std::string& seen, const std::string& expected) {
  throw Error::bad_input(what).file(where).field(field).seen(seen).expected(expected);
}

// "Wenz, Frederik", "Frederik Wenz", BibTeX's "Small, Jr, William" or RIS's "Small, William, Jr"
// -> {family, given[, suffix]}.
json person(const std::string& raw) {
  const std::string s = trim(raw);
  json p = json::object();
  std::vector<std::string> parts;
  for (std::size_t from = 0;;) {
    const auto comma = s.find(',', from);
    parts.push_back(
        trim(s.substr(from, comma == std::string::npos ? std::string::npos : comma - from)));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  static const std::set<std::string> kSuffix = {"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"};
  if (parts.size() == 3) {
    const bool middle = kSuffix.count(parts[1]) > 0;  // BibTeX order puts the suffix in the middle
    p["family"] = parts[0];
    p["given"] = middle ? parts[2] : parts[1];
    p["suffix"] = middle ? parts[1] : parts[2];
    return p;
  }
  if (const auto comma = s.find(','); comma != std::string::npos) {
    p["family"] = trim(s.substr(0, comma));
    if (const std::string given = trim(s.substr(comma + 1)); !given.empty()) p["given"] = given;
  } else if (const auto space = s.rfind(' '); space != std::string::npos) {
    p["family"] = trim(s.substr(space + 1));
    p["given"] = trim(s.substr(0, space));
  } else {
    p["family"] = s;
  }
  return p;
}

std::string strip_doi(std::string doi) {
  doi = trim(doi);
  for (const char* prefix :
       {"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"})
    if (lower(doi).rfind(prefix, 0) == 0) doi = trim(doi.substr(std::string(prefix).size()));
  return doi;
}

// A readable, schema-valid id from a name and a year, unique within `used`.
std::string make_id(const json& item, std::set<std::string>& used, const std::string& wanted = "") {
  std::string base;
  const std::string seed = !wanted.empty() ? wanted
                           : item.contains("author")
                               ? item["author"][0]["family"].get<std::string>()
                               : item.value("title", std::string("ref"));
  for (char c : lower(seed))
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
      base += c;
    else if (!base.empty() && base.back() != '_')
      base += '_';
  while (!base.empty() && base.back() == '_') base.pop_back();
  if (base.size() > 24) base.resize(24);
  if (base.empty() || !std::isalpha(static_cast<unsigned char>(base[0]))) base = "ref_" + base;
  if (wanted.empty() && item.contains("issued"))
    base += std::to_string(item["issued"]["date-parts"][0][0].get<int>());
  std::string id = base;
  for (char suffix = 'a'; used.count(id); ++suffix) id = base + suffix;
  used.insert(id);
  return id;
}

json date_from(const std::string& where, const std::string& field, const std::string& raw) {
  static const std::regex kDate(R"(^\s*(\d{4})(?:[/-](\d{1,2})?(?:[/-](\d{1,2})?)?)?.*$)");
  std::smatch m;
  if (!std::regex_match(raw, m, kDate))
    bad(where, field, "not a year", raw, "a year such as 2019 or 2019/05/09/");
  json parts = json::array({std::stoi(m[1])});
  if (m[2].matched && !m[2].str().empty()) {
    parts.push_back(std::stoi(m[2]));
    if (m[3].matched && !m[3].str().empty()) parts.push_back(std::stoi(m[3]));
  }
  return {{"date-parts", json::array({parts})}};
}

void set_doi(json& item, const std::string& where, const std::string& field,
             const std::string& raw) {
  const std::string doi = strip_doi(raw);
  if (!is_doi(doi))
    bad(where, field, "not a DOI", raw, "10.NNNN/suffix (e.g. 10.1186/1748-717X-5-11)");
  item["DOI"] = doi;
}

void finish(json& item, const std::string& where, const json& schema) {
  if (!item.contains("title")) bad(where, "title", "entry without a title", "(none)", "a title");
  check_schema(item, schema.at("items"), where);
}

}  // namespace

BibFormat bib_format_from_string(const std::string& s) {
  if (s == "ris") return BibFormat::kRis;
  if (s == "bibtex" || s == "bib") return BibFormat::kBibtex;
  if (s == "csl-json" || s == "json") return BibFormat::kCslJson;
  throw Error::bad_input("unknown reference format")
      .field("--format")
      .seen(s)
      .expected("ris, bibtex or csl-json");
}

BibFormat bib_format_from_path(const std::filesystem::path& path) {
  const std::string ext = lower(path.extension().string());
  if (ext == ".ris") return BibFormat::kRis;
  if (ext == ".bib") return BibFormat::kBibtex;
  if (ext == ".json") return BibFormat::kCslJson;
  throw Error::bad_input("cannot tell the format from the file name")
      .file(path.string())
      .seen(ext.empty() ? "(no extension)" : ext)
      .expected(".ris, .bib or .json, or --format ris|bibtex|csl-json");
}

json parse_ris(const std::string& text, const std::string& file, const json& schema) {
  static const std::map<std::string, std::string> kTypes = {{"JOUR", "article-journal"},
                                                            {"JFULL", "article-journal"},
                                                            {"ABST", "article-journal"},
                                                            {"EJOUR", "article-journal"},
                                                            {"CONF", "paper-conference"},
                                                            {"CPAPER", "paper-conference"},
                                                            {"BOOK", "book"},
                                                            {"CHAP", "chapter"},
                                                            {"RPRT", "report"},
                                                            {"THES", "thesis"},
                                                            {"DATA", "dataset"},
                                                            {"ELEC", "webpage"},
                                                            {"WEB", "webpage"}};
  static const std::regex kLine(R"(^([A-Z][A-Z0-9])  -( (.*))?$)");
  json out = json::array();
  std::set<std::string> used;
  std::istringstream in(text);
  std::string line;
  int n = 0, start = 0;
  json item;
  bool open = false;
  std::string sp, ep;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte-order mark
    if (trim(line).empty()) continue;
    std::smatch m;
    if (!std::regex_match(line, m, kLine))
      bad(at_line(file, n), "line", "not a RIS line", line,
          "'XY  - value' (tag, two spaces, hyphen, space)");
    const std::string tag = m[1], value = trim(m[3]);
    const std::string where = at_line(file, n);
    if (tag == "TY") {
      if (open) bad(where, "TY", "record not closed", value, "ER before the next TY");
      const auto t = kTypes.find(value);
      if (t == kTypes.end())
        bad(where, "TY", "unknown RIS type", value,
            "JOUR, CONF, BOOK, CHAP, RPRT, THES, DATA or ELEC");
      item = {{"type", t->second}};
      open = true;
      start = n;
      sp.clear();
      ep.clear();
      continue;
    }
    if (!open) bad(where, tag, "field outside a record", value, "TY first");
    if (tag == "ER") {
      if (!sp.empty()) item["page"] = ep.empty() ? sp : sp + "-" + ep;
      item["id"] = make_id(item, used);
      finish(item, at_line(file, start), schema);
      out.push_back(item);
      open = false;
      continue;
    }
    if (value.empty()) continue;
    if (tag == "AU" || tag == "A1" || tag == "A2") {
      item["author"].push_back(person(value));
    } else if (tag == "TI" || tag == "T1") {
      item["title"] = value;
    } else if (tag == "T2" || tag == "JF" || tag == "JO" || tag == "BT") {
      item["container-title"] = value;
    } else if (tag == "J2" || tag == "JA") {
      item["container-title-short"] = value;
    } else if (tag == "PY" || tag == "Y1" || tag == "DA") {
      if (tag != "DA" || !item.contains("issued")) item["issued"] = date_from(where, tag, value);
    } else if (tag == "VL") {
      item["volume"] = value;
    } else if (tag == "IS") {
      item["issue"] = value;
    } else if (tag == "SP") {
      sp = value;
    } else if (tag == "EP") {
      ep = value;
    } else if (tag == "DO") {
      set_doi(item, where, tag, value);
    } else if (tag == "UR") {
      item["URL"] = value;
    } else if (tag == "PB") {
      item["publisher"] = value;
    } else if (tag == "CY") {
      item["publisher-place"] = value;
    } else if (tag == "ET") {
      item["edition"] = value;
    } else if (tag == "LA") {
      item["language"] = value;
    }  // other tags (abstract, keywords, notes) are not part of the base
  }
  if (open)
    bad(at_line(file, start), "ER", "record not closed at the end of the file", "TY at this line",
        "an ER line");
  if (out.empty()) bad(file, "TY", "no RIS records", "(empty)", "at least one TY ... ER record");
  return out;
}

json parse_bibtex(const std::string& text, const std::string& file, const json& schema) {
  static const std::map<std::string, std::string> kTypes = {{"article", "article-journal"},
                                                            {"inproceedings", "paper-conference"},
                                                            {"conference", "paper-conference"},
                                                            {"book", "book"},
                                                            {"incollection", "chapter"},
                                                            {"inbook", "chapter"},
                                                            {"techreport", "report"},
                                                            {"phdthesis", "thesis"},
                                                            {"mastersthesis", "thesis"},
                                                            {"misc", "webpage"},
                                                            {"online", "webpage"}};
  json out = json::array();
  std::set<std::string> used;
  std::size_t i = 0;
  int line = 1;
  auto advance = [&]() {
    if (text[i] == '\n') ++line;
    ++i;
  };
  auto skip_space = [&]() {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) advance();
  };
  auto word = [&]() {
    std::string w;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) ||
                               std::string("_-:.+/").find(text[i]) != std::string::npos)) {
      w += text[i];
      advance();
    }
    return w;
  };
  while (i < text.size()) {
    if (text[i] == '%') {  // a comment line (biber and most tools read '%' so outside entries)
      while (i < text.size() && text[i] != '\n') advance();
      continue;
    }
    if (text[i] != '@') {
      advance();  // other text between entries is a comment in BibTeX
      continue;
    }
    const int entry_line = line;
    advance();
    const std::string type = lower(word());
    skip_space();
    if (i >= text.size() || (text[i] != '{' && text[i] != '('))
      bad(at_line(file, line), "@" + type, "entry without an opening brace", type,
          "@type{key, field = {value}, ...}");
    const char close = text[i] == '{' ? '}' : ')';
    advance();
    if (type == "comment" || type == "preamble" || type == "string") {
      int depth = 1;
      while (i < text.size() && depth > 0) {
        if (text[i] == '{' || text[i] == '(') ++depth;
        if (text[i] == '}' || text[i] == ')') --depth;
        advance();
      }
      continue;
    }
    const auto t = kTypes.find(type);
    if (t == kTypes.end())
      bad(at_line(file, entry_line), "@" + type, "unknown BibTeX entry type", type,
          "article, inproceedings, book, incollection, techreport, phdthesis or misc");
    skip_space();
    const std::string key = word();
    if (key.empty())
      bad(at_line(file, line), "key", "entry without a citation key", text.substr(i, 20),
          "@" + type + "{key,");
    json item = {{"type", t->second}};
    std::map<std::string, std::pair<std::string, int>> fields;
    skip_space();
    while (i < text.size() && text[i] == ',') {
      advance();
      skip_space();
      if (i < text.size() && text[i] == close) break;
      const int field_line = line;
      const std::string name = lower(word());
      if (name.empty())
        bad(at_line(file, line), key, "expected a field name", text.substr(i, 20),
            "name = {value}");
      skip_space();
      if (i >= text.size() || text[i] != '=')
        bad(at_line(file, line), name, "expected '=' after the field name", text.substr(i, 20),
            "name = {value}");
      advance();
      skip_space();
      std::string value;
      if (i < text.size() && (text[i] == '{' || text[i] == '"')) {
        const char open_c = text[i];
        advance();
        int depth = 0;
        while (i < text.size()) {
          const char c = text[i];
          if (open_c == '"' && c == '"' && depth == 0) break;
          if (c == '{') ++depth;
          if (c == '}') {
            if (depth == 0) break;
            --depth;
          }
          value += c;
          advance();
        }
        if (i >= text.size())
          bad(at_line(file, field_line), name, "value not closed", value.substr(0, 30),
              "a closing brace or quote");
        advance();
      } else {
        value = word();
        if (value.empty())
          bad(at_line(file, line), name, "expected a value", text.substr(i, 20),
              "{value}, \"value\" or a number");
      }
      std::string clean;
      for (char c : value)
        if (c != '{' && c != '}') clean += (c == '\n' || c == '\t') ? ' ' : c;
      fields[name] = {trim(std::regex_replace(clean, std::regex(" +"), " ")), field_line};
      skip_space();
    }
    if (i >= text.size() || text[i] != close)
      bad(at_line(file, line), key, "entry not closed", text.substr(i, 20),
          "',' between fields and a closing brace");
    advance();
    for (const auto& [name, v] : fields) {
      const auto& [value, fl] = v;
      const std::string where = at_line(file, fl);
      if (name == "author") {
        const std::regex kAnd(R"(\s+and\s+)");
        for (std::sregex_token_iterator it(value.begin(), value.end(), kAnd, -1), end; it != end;
             ++it)
          item["author"].push_back(person(*it));
      } else if (name == "title") {
        item["title"] = value;
      } else if (name == "journal" || name == "booktitle") {
        item["container-title"] = value;
      } else if (name == "year") {
        item["issued"] = date_from(where, name, value);
      } else if (name == "volume") {
        item["volume"] = value;
      } else if (name == "number") {
        item["issue"] = value;
      } else if (name == "pages") {
        item["page"] = std::regex_replace(value, std::regex("-+"), "-");
      } else if (name == "doi") {
        set_doi(item, where, name, value);
      } else if (name == "url") {
        item["URL"] = value;
      } else if (name == "publisher") {
        item["publisher"] = value;
      } else if (name == "address") {
        item["publisher-place"] = value;
      } else if (name == "isbn") {
        item["ISBN"] = value;
      } else if (name == "issn") {
        item["ISSN"] = value;
      } else if (name == "pmid") {
        item["PMID"] = value;
      } else if (name == "edition") {
        item["edition"] = value;
      }
    }
    item["id"] = make_id(item, used, key);
    finish(item, at_line(file, entry_line), schema);
    out.push_back(item);
  }
  if (out.empty())
    bad(file, "@", "no BibTeX entries", "(empty)", "at least one @type{key, ...} entry");
  return out;
}

json parse_csl_json(const std::string& text, const std::string& file, const json& schema) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    int line = 1;
    for (std::size_t k = 0; k < e.byte && k < text.size(); ++k) line += text[k] == '\n';
    bad(at_line(file, line), "JSON", "not valid JSON", e.what(), "CSL-JSON (an array of items)");
  }
  if (doc.is_object()) doc = json::array({doc});
  if (!doc.is_array() || doc.empty())
    bad(file, "/", "not a CSL-JSON array", doc.dump().substr(0, 40), "an array of CSL items");
  const json& props = schema.at("items").at("properties");
  json out = json::array();
  std::set<std::string> used;
  for (std::size_t k = 0; k < doc.size(); ++k) {
    std::string ptr(1, '/');  // appended apart: GCC 12 misfires -Wrestrict on "/" + std::string
    ptr += std::to_string(k);
    if (!doc[k].is_object())
      bad(file, ptr, "not a CSL item", doc[k].dump().substr(0, 40), "an object");
    json item = json::object();
    for (const auto& [key, value] : doc[k].items())
      if (props.contains(key)) item[key] = value;
    if (!item.contains("title"))
      bad(file, ptr + "/title", "entry without a title", "(none)", "a title");
    if (item.contains("DOI")) {
      if (!item["DOI"].is_string())
        bad(file, ptr + "/DOI", "not a DOI", item["DOI"].dump(), "a string");
      set_doi(item, file, ptr + "/DOI", item["DOI"].get<std::string>());
    }
    if (!item.contains("id") || !item["id"].is_string())
      bad(file, ptr + "/id", "entry without an id", "(none)", "a string id");
    const std::string wanted = item["id"].get<std::string>();
    item["id"] = make_id(item, used, wanted);
    check_schema(item, schema.at("items"), file + " (item " + ptr + ")");
    out.push_back(item);
  }
  return out;
}

json import_references(const std::filesystem::path& path, BibFormat format, const json& schema) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error::bad_input("cannot open the reference file")
        .file(path.string())
        .expected("a readable file");
  std::stringstream ss;
  ss << in.rdbuf();
  switch (format) {
    case BibFormat::kRis:
      return parse_ris(ss.str(), path.string(), schema);
    case BibFormat::kBibtex:
      return parse_bibtex(ss.str(), path.string(), schema);
    case BibFormat::kCslJson:
      return parse_csl_json(ss.str(), path.string(), schema);
  }
  return json::array();
}

}  // namespace kiort::evidence
