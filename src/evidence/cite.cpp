#include "evidence/cite.h"

#include <cctype>
#include <cstdio>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace kiort::evidence {
namespace {

using nlohmann::json;

std::string str(const json& csl, const char* key) {
  return csl.contains(key) && csl[key].is_string() ? csl[key].get<std::string>() : std::string();
}

std::vector<int> date_parts(const json& csl) {
  std::vector<int> out;
  if (csl.contains("issued"))
    for (const json& p : csl["issued"]["date-parts"][0]) out.push_back(p.get<int>());
  return out;
}

// "Arne Mathias" -> "AM", "J. S. Y." -> "JSY", "Jean-François" -> "JF".
std::string initials(const std::string& given) {
  std::string out;
  bool start = true;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(given[i]);
    if (c == ' ' || c == '-' || c == '.') {
      start = true;
      continue;
    }
    if (start) {
      out += given[i];
      // keep a multi-byte UTF-8 letter whole
      while (i + 1 < given.size() && (static_cast<unsigned char>(given[i + 1]) & 0xC0) == 0x80)
        out += given[++i];
      start = false;
    }
  }
  return out;
}

// NLM page ranges: repeated leading digits of the end page are dropped (1730-1737 -> 1730-7).
std::string nlm_pages(const std::string& pages) {
  const auto dash = pages.find('-');
  if (dash == std::string::npos) return pages;
  const std::string a = pages.substr(0, dash), b = pages.substr(dash + 1);
  if (a.size() != b.size()) return pages;
  for (char c : a + b)
    if (!std::isdigit(static_cast<unsigned char>(c))) return pages;
  std::size_t k = 0;
  while (k + 1 < b.size() && a[k] == b[k]) ++k;
  return a + "-" + b.substr(k);
}

std::string end_with_period(std::string s) {
  if (!s.empty() && s.back() != '.' && s.back() != '?' && s.back() != '!') s += '.';
  return s;
}

std::string bibtex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&' || c == '%' || c == '$' || c == '#' || c == '_' || c == '{' || c == '}')
      out += '\\';
    out += c;
  }
  return out;
}

std::string ris_type(const std::string& t) {
  if (t == "article-journal") return "JOUR";
  if (t == "paper-conference") return "CONF";
  if (t == "book") return "BOOK";
  if (t == "chapter") return "CHAP";
  if (t == "report") return "RPRT";
  if (t == "thesis") return "THES";
  if (t == "dataset") return "DATA";
  if (t == "webpage") return "ELEC";
  return "GEN";
}

std::string bibtex_type(const std::string& t) {
  if (t == "article-journal") return "article";
  if (t == "paper-conference") return "inproceedings";
  if (t == "book") return "book";
  if (t == "chapter") return "incollection";
  if (t == "report") return "techreport";
  if (t == "thesis") return "phdthesis";
  return "misc";
}

}  // namespace

CiteStyle cite_style_from_string(const std::string& s) {
  if (s == "vancouver") return CiteStyle::kVancouver;
  if (s == "bibtex") return CiteStyle::kBibtex;
  if (s == "ris") return CiteStyle::kRis;
  throw Error::bad_input("unknown citation style")
      .field("--style")
      .seen(s)
      .expected("vancouver, bibtex or ris");
}

std::string format_vancouver(const json& csl) {
  std::vector<std::string> parts;  // joined with single spaces; a missing element leaves no gap
  if (csl.contains("author")) {
    const json& authors = csl["author"];
    const std::size_t shown = authors.size() > 6 ? 6 : authors.size();
    std::string names;
    for (std::size_t i = 0; i < shown; ++i) {
      if (i) names += ", ";
      names += authors[i].value("family", "");
      const std::string ini = initials(authors[i].value("given", ""));
      if (!ini.empty()) names.append(" ").append(ini);
      if (authors[i].contains("suffix"))
        names.append(" ").append(authors[i]["suffix"].get<std::string>());
    }
    if (authors.size() > 6) names += ", et al";
    parts.push_back(names + ".");
  }
  if (!str(csl, "title").empty()) parts.push_back(end_with_period(str(csl, "title")));
  const std::string type = str(csl, "type");
  const std::vector<int> date = date_parts(csl);
  const std::string year = date.empty() ? "" : std::to_string(date[0]);
  if (type == "book" || type == "report") {
    const std::string edition = str(csl, "edition");
    if (!edition.empty()) {
      const char* suffix = edition == "1"   ? "st"
                           : edition == "2" ? "nd"
                           : edition == "3" ? "rd"
                                            : "th";
      parts.push_back(edition + suffix + " ed.");
    }
    std::string pub;
    if (!str(csl, "publisher-place").empty()) pub = str(csl, "publisher-place") + ": ";
    pub += str(csl, "publisher");
    if (!pub.empty()) parts.push_back(pub + (year.empty() ? "." : ";"));
    if (!year.empty()) parts.push_back(year + ".");
  } else {
    std::string journal = str(csl, "container-title-short");
    if (journal.empty()) journal = str(csl, "container-title");
    if (type == "paper-conference" && !journal.empty()) journal.insert(0, "In: ");
    if (!journal.empty()) parts.push_back(end_with_period(journal));
    std::string where = year;
    // appended piecewise: GCC 12 misfires -Wrestrict on "x" + std::string
    if (!str(csl, "volume").empty()) where.append(";").append(str(csl, "volume"));
    if (!str(csl, "issue").empty()) where.append("(").append(str(csl, "issue")).append(")");
    if (!str(csl, "page").empty()) where.append(":").append(nlm_pages(str(csl, "page")));
    if (!where.empty()) parts.push_back(where + ".");
  }
  if (!str(csl, "DOI").empty())
    parts.push_back(std::string("doi:").append(str(csl, "DOI")).append("."));
  if (!str(csl, "PMID").empty())
    parts.push_back(std::string("PMID: ").append(str(csl, "PMID")).append("."));
  if (str(csl, "DOI").empty() && !str(csl, "URL").empty())
    parts.push_back(std::string("Available from: ").append(str(csl, "URL")));
  std::string out;
  for (const std::string& p : parts) out.append(out.empty() ? "" : " ").append(p);
  return out;
}

std::string format_bibtex(const json& csl) {
  std::ostringstream out;
  const std::string type = str(csl, "type");
  out << '@' << bibtex_type(type) << '{' << str(csl, "id") << ",\n";
  auto field = [&](const char* name, const std::string& value) {
    if (!value.empty()) out << "  " << name << " = {" << value << "},\n";
  };
  if (csl.contains("author")) {
    std::string names;
    for (const json& a : csl["author"]) {
      if (!names.empty()) names += " and ";
      names += bibtex_escape(a.value("family", ""));
      if (a.contains("suffix"))
        names.append(", ").append(
            bibtex_escape(a["suffix"].get<std::string>()));  // von Last, Jr, First
      if (a.contains("given"))
        names.append(", ").append(bibtex_escape(a["given"].get<std::string>()));
    }
    field("author", names);
  }
  std::string title(1, '{');  // appended apart: GCC 12 misfires -Wrestrict on "{" + std::string
  title += bibtex_escape(str(csl, "title"));
  title += '}';
  field("title", title);
  const std::string container = bibtex_escape(str(csl, "container-title"));
  field(type == "article-journal"                         ? "journal"
        : type == "paper-conference" || type == "chapter" ? "booktitle"
                                                          : "howpublished",
        container);
  const std::vector<int> date = date_parts(csl);
  if (!date.empty()) field("year", std::to_string(date[0]));
  field("volume", str(csl, "volume"));
  field("number", str(csl, "issue"));
  std::string pages = str(csl, "page");
  if (const auto d = pages.find('-'); d != std::string::npos) pages.replace(d, 1, "--");
  field("pages", pages);
  field("edition", str(csl, "edition"));
  field("publisher", bibtex_escape(str(csl, "publisher")));
  field("address", bibtex_escape(str(csl, "publisher-place")));
  field("isbn", str(csl, "ISBN"));
  field("issn", str(csl, "ISSN"));
  field("doi", str(csl, "DOI"));
  field("pmid", str(csl, "PMID"));
  field("url", str(csl, "URL"));
  out << "}\n";
  return out.str();
}

std::string format_ris(const json& csl) {
  std::ostringstream out;
  auto tag = [&](const char* t, const std::string& value) {
    if (!value.empty()) out << t << "  - " << value << "\n";
  };
  tag("TY", ris_type(str(csl, "type")));
  if (csl.contains("author"))
    for (const json& a : csl["author"]) {
      std::string name = a.value("family", "");  // RIS: Last, First, Suffix
      if (a.contains("given")) name.append(", ").append(a["given"].get<std::string>());
      if (a.contains("suffix")) name.append(", ").append(a["suffix"].get<std::string>());
      tag("AU", name);
    }
  tag("TI", str(csl, "title"));
  tag("T2", str(csl, "container-title"));
  tag("J2", str(csl, "container-title-short"));
  const std::vector<int> date = date_parts(csl);
  if (!date.empty()) {
    tag("PY", std::to_string(date[0]));
    if (date.size() > 1) {
      char buf[32];
      if (date.size() > 2)
        std::snprintf(buf, sizeof buf, "%04d/%02d/%02d/", date[0], date[1], date[2]);
      else
        std::snprintf(buf, sizeof buf, "%04d/%02d//", date[0], date[1]);
      tag("DA", buf);
    }
  }
  tag("VL", str(csl, "volume"));
  tag("IS", str(csl, "issue"));
  const std::string pages = str(csl, "page");
  const auto dash = pages.find('-');
  tag("SP", pages.substr(0, dash));
  if (dash != std::string::npos) tag("EP", pages.substr(dash + 1));
  tag("ET", str(csl, "edition"));
  tag("PB", str(csl, "publisher"));
  tag("CY", str(csl, "publisher-place"));
  tag("SN", str(csl, "ISBN").empty() ? str(csl, "ISSN") : str(csl, "ISBN"));
  tag("DO", str(csl, "DOI"));
  tag("UR", str(csl, "URL"));
  if (!str(csl, "PMID").empty()) tag("N1", std::string("PMID: ").append(str(csl, "PMID")));
  tag("LA", str(csl, "language"));
  out << "ER  - \n";
  return out.str();
}

std::string format_citation(const json& csl, CiteStyle style) {
  switch (style) {
    case CiteStyle::kVancouver:
      return format_vancouver(csl) + "\n";
    case CiteStyle::kBibtex:
      return format_bibtex(csl);
    case CiteStyle::kRis:
      return format_ris(csl);
  }
  return {};
}

}  // namespace kiort::evidence
