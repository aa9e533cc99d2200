// Tests of kiort::evidence: the shipped base against its schema (every entry, every DOI's form),
// the loader's own rules, search, the three citation formats against hand-written expectations,
// the RIS / BibTeX / CSL-JSON readers on hand-written fixtures (good and bad), and the stance
// model against a hand calculation and its cross-validation's reproducibility.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "evidence/bib_import.h"
#include "evidence/cite.h"
#include "evidence/evidence_base.h"
#include "evidence/rationale.h"
#include "evidence/schema_check.h"
#include "evidence/show.h"
#include "evidence/stance.h"

namespace kiort::evidence {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kBase = fs::path(KIORT_TEST_DATA_DIR) / "evidence";
const fs::path kFixtures = KIORT_EVIDENCE_FIXTURES;

json read(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

// A copy of the shipped base in a temporary folder, to break on purpose.
fs::path copy_base(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("kiort_evidence_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(kBase))
    fs::copy_file(e.path(), dir / e.path().filename());
  return dir;
}

void write(const fs::path& p, const json& j) {
  std::ofstream(p) << j.dump(1);
}

TEST(EvidenceBase, ShippedBaseLoadsAndIsLargeEnough) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  EXPECT_GE(base.references().size(), 20u);
  EXPECT_GE(base.statements().size(), 40u);
  EXPECT_FALSE(base.version().empty());
  for (const Statement& s : base.statements()) {
    EXPECT_EQ(s.classified_by, "kiort curator, 2026-12-02") << s.id;
    EXPECT_FALSE(s.source.empty()) << s.id;
    EXPECT_FALSE(s.classified_from.empty()) << s.id;
  }
  // The references the issue names are all there, under stable ids other modules link to.
  for (const char* id : {"wenz2010", "schmidt2012", "bludau2019", "bludau2020", "seddighi2021",
                         "chen2017", "krauss2024", "review2022", "sethi2018", "hensley2017",
                         "watson2018", "beaulieu2012", "rivard2004", "chow2012", "fayers2001"})
    EXPECT_NE(base.find(id), nullptr) << id;
}

TEST(EvidenceBase, EveryEntryMatchesTheSchemaAndEveryDoiHasItsForm) {
  const json schema = read(kBase / "schema.json");
  const json refs = read(kBase / "references.json");
  const json& item_schema = schema["references"]["items"];
  int dois = 0;
  const std::regex doi_form(R"(^10\.\d{4,9}/\S+$)");
  for (const json& r : refs) {
    EXPECT_NO_THROW(check_schema(r, item_schema, "references.json")) << r["id"];
    if (r.contains("DOI")) {
      ++dois;
      EXPECT_TRUE(is_doi(r["DOI"])) << r["DOI"];
      EXPECT_TRUE(std::regex_match(r["DOI"].get<std::string>(), doi_form)) << r["DOI"];
    }
  }
  EXPECT_GE(dois, 10);  // the DOIs found in this session (docs/evidence.md lists them)
  const json statements = read(kBase / "statements.json");
  for (const json& s : statements["statements"])
    EXPECT_NO_THROW(check_schema(s, schema["statements"]["properties"]["statements"]["items"],
                                 "statements.json"))
        << s["id"];
  const json findings = read(kBase / "findings.json");
  for (const json& f : findings["findings"])
    EXPECT_NO_THROW(
        check_schema(f, schema["findings"]["properties"]["findings"]["items"], "findings.json"))
        << f["id"];
}

TEST(SchemaCheck, NamesThePointerOfTheFirstViolation) {
  const json schema = read(kBase / "schema.json")["references"]["items"];
  json r = {{"id", "x2020"}, {"type", "article-journal"}, {"title", "T"}, {"DOI", "10.55/x"}};
  EXPECT_NE(error_of([&] { check_schema(r, schema, "f.json"); }).find("f.json: /DOI"),
            std::string::npos);
  r["DOI"] = "10.5555/x";
  EXPECT_NO_THROW(check_schema(r, schema, "f.json"));
  r["type"] = "blog";
  EXPECT_NE(error_of([&] { check_schema(r, schema, "f.json"); }).find("/type"), std::string::npos);
  r["type"] = "book";
  r["abstract"] = "not allowed";
  EXPECT_NE(error_of([&] { check_schema(r, schema, "f.json"); }).find("/abstract"),
            std::string::npos);
  EXPECT_FALSE(is_doi("doi:10.1186/1748-717X-5-11"));
  EXPECT_FALSE(is_doi("10.1186/has space"));
  EXPECT_TRUE(is_doi("10.1186/1748-717X-5-11"));
}

TEST(EvidenceBase, RejectsAFieldWithoutASource) {
  const fs::path dir = copy_base("nosource");
  json prov = read(dir / "provenance.json");
  prov["references"]["wenz2010"]["fields"].erase("DOI");
  write(dir / "provenance.json", prov);
  const std::string msg = error_of([&] { EvidenceBase::load(dir); });
  EXPECT_NE(msg.find("provenance.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/references/wenz2010/fields/DOI"), std::string::npos) << msg;
  fs::remove_all(dir);
}

TEST(EvidenceBase, RejectsACitationOfALaterPaperAndADanglingId) {
  const fs::path dir = copy_base("order");
  json st = read(dir / "statements.json");
  json s = st["statements"][0];
  s["id"] = "s999";
  s["citing"] = "wenz2010";
  s["cited"] = "bludau2020";
  st["statements"].push_back(s);
  write(dir / "statements.json", st);
  EXPECT_NE(error_of([&] { EvidenceBase::load(dir); }).find("older than the cited one"),
            std::string::npos);
  st["statements"].back()["cited"] = "nosuch2020";
  write(dir / "statements.json", st);
  EXPECT_NE(error_of([&] { EvidenceBase::load(dir); }).find("unknown reference id"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(EvidenceBase, CitingCountsMatchTheStatementsFile) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  // Counted here straight from statements.json, independently of the library's grouping.
  int sup = 0, con = 0, men = 0;
  const json file = read(kBase / "statements.json");  // kept alive for the loop
  for (const json& s : file["statements"]) {
    if (s["cited"].get<std::string>() != "bludau2019") continue;
    const std::string stance = s["stance"].get<std::string>();
    if (stance == "supports") ++sup;
    if (stance == "contrasts") ++con;
    if (stance == "mentions") ++men;
  }
  const StanceCounts c = base.counts_citing("bludau2019");
  EXPECT_EQ(c.supports, sup);
  EXPECT_EQ(c.contrasts, con);
  EXPECT_EQ(c.mentions, men);
  EXPECT_GE(c.total(), 2);
  for (const Statement* s : base.citing("bludau2019")) EXPECT_EQ(s->cited, "bludau2019");
  EXPECT_NE(error_of([&] { base.at("bludau2099"); }).find("one of wenz2010"), std::string::npos);
}

TEST(EvidenceSearch, AllWordsCaseInsensitiveRankedByOccurrences) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  auto ids = [&](const std::string& q) {
    std::vector<std::string> out;
    for (const SearchHit& h : base.search(q)) out.push_back(h.id);
    return out;
  };
  const auto depth = ids("13 MM");
  EXPECT_NE(std::find(depth.begin(), depth.end(), "bludau2019.depth.1"), depth.end());
  const auto lc = ids("local_control 12 months");
  ASSERT_FALSE(lc.empty());
  EXPECT_EQ(lc.front(), "bludau2020.local_control.2");  // 95.9 % at 12 months
  const auto tg = ids("task group 43");
  ASSERT_FALSE(tg.empty());
  EXPECT_EQ(base.search("task group 43").front().kind, "reference");
  EXPECT_TRUE(ids("no-such-word-anywhere").empty());
  EXPECT_THROW(base.search("   "), Error);
}

// Hand-written from the PubMed record of Wenz et al. 2010 (ICMJE / NLM order: six authors then
// et al.; "Radiat Oncol. 2010;5:11."; doi and PMID last).
TEST(Cite, VancouverBibtexRisOfWenz2010) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  const json& csl = base.at("wenz2010").csl;
  EXPECT_EQ(format_vancouver(csl),
            "Wenz F, Schneider F, Neumaier C, Kraus-Tiefenbacher U, Reis T, Schmidt R, et al. "
            "Kypho-IORT - a novel "
            "approach of intraoperative radiotherapy during kyphoplasty for vertebral metastases. "
            "Radiat Oncol. "
            "2010;5:11. doi:10.1186/1748-717X-5-11. PMID: 20149237.");
  EXPECT_EQ(format_bibtex(csl),
            "@article{wenz2010,\n"
            "  author = {Wenz, Frederik and Schneider, Frank and Neumaier, Christian and "
            "Kraus-Tiefenbacher, Uta and "
            "Reis, Tina and Schmidt, René and Obertacke, Udo},\n"
            "  title = {{Kypho-IORT - a novel approach of intraoperative radiotherapy during "
            "kyphoplasty for vertebral "
            "metastases}},\n"
            "  journal = {Radiation Oncology},\n"
            "  year = {2010},\n"
            "  volume = {5},\n"
            "  pages = {11},\n"
            "  publisher = {BioMed Central},\n"
            "  doi = {10.1186/1748-717X-5-11},\n"
            "  pmid = {20149237},\n"
            "}\n");
  EXPECT_EQ(
      format_ris(csl),
      "TY  - JOUR\nAU  - Wenz, Frederik\nAU  - Schneider, Frank\nAU  - Neumaier, Christian\n"
      "AU  - Kraus-Tiefenbacher, Uta\nAU  - Reis, Tina\nAU  - Schmidt, René\nAU  - Obertacke, Udo\n"
      "TI  - Kypho-IORT - a novel approach of intraoperative radiotherapy during kyphoplasty for "
      "vertebral "
      "metastases\n"
      "T2  - Radiation Oncology\nJ2  - Radiat Oncol\nPY  - 2010\nDA  - 2010/02/11/\nVL  - 5\nSP  - "
      "11\n"
      "PB  - BioMed Central\nDO  - 10.1186/1748-717X-5-11\nN1  - PMID: 20149237\nER  - \n");
}

TEST(Cite, NlmPageRangesBooksAndMissingFields) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  // Rivard 2004: pages 633-674 are printed 633-74 by NLM's rule.
  EXPECT_NE(format_vancouver(base.at("rivard2004").csl)
                .find("Med Phys. 2004;31(3):633-74. doi:10.1118/1.1646040."),
            std::string::npos);
  EXPECT_EQ(format_vancouver(base.at("fayers2001").csl),
            "Fayers PM, Aaronson NK, Bjordal K, Groenvold M, Curran D, Bottomley A. The EORTC "
            "QLQ-C30 Scoring "
            "Manual. 3rd ed. Brussels: European Organisation for Research and Treatment of Cancer; "
            "2001.");
  // A reference whose title was not found prints without one; nothing is invented.
  EXPECT_EQ(format_vancouver(base.at("chen2017").csl), "Chen. Eur Spine J. 2017.");
  // A suffix follows the initials (NLM): Small W Jr.
  EXPECT_NE(
      format_vancouver(base.at("sethi2018").csl).find("Sethi A, Emami B, Small W Jr, Thomas TO."),
      std::string::npos);
  EXPECT_EQ(cite_style_from_string("ris"), CiteStyle::kRis);
  EXPECT_THROW(cite_style_from_string("apa"), Error);
}

TEST(Import, RisFixture) {
  const json schema = read(kBase / "schema.json")["references"];
  const json items = import_references(kFixtures / "user.ris", BibFormat::kRis, schema);
  ASSERT_EQ(items.size(), 2u);
  const json& a = items[0];
  EXPECT_EQ(a["id"], "doe2021");
  EXPECT_EQ(a["type"], "article-journal");
  EXPECT_EQ(a["author"][1], (json{{"family", "Roe"}, {"given", "Richard A."}}));
  EXPECT_EQ(a["issued"]["date-parts"][0], (json{2021, 5, 20}));
  EXPECT_EQ(a["page"], "100-108");
  EXPECT_EQ(a["DOI"], "10.5555/fixture.ris.1");  // the https://doi.org/ prefix is stripped
  EXPECT_FALSE(a.contains("abstract"));
  EXPECT_EQ(items[1]["type"], "book");
  EXPECT_EQ(items[1]["edition"], "3");
  const std::string msg =
      error_of([&] { import_references(kFixtures / "bad_doi.ris", BibFormat::kRis, schema); });
  EXPECT_NE(msg.find("bad_doi.ris:6"), std::string::npos) << msg;
  EXPECT_NE(msg.find("DO"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { parse_ris("TY  - JOUR\nTI  - x\n", "t.ris", schema); }).find("t.ris:1"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_ris("TY  - JOUR\nnot a tag line\nER  - \n", "t.ris", schema);
            }).find("t.ris:2"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_ris("TY  - JOUR\nAU  - Doe, J\nER  - \n", "t.ris", schema);
            }).find("title"),
            std::string::npos);
}

TEST(Import, BibtexFixture) {
  const json schema = read(kBase / "schema.json")["references"];
  const json items = import_references(kFixtures / "user.bib", BibFormat::kBibtex, schema);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["id"], "doe2021");
  EXPECT_EQ(items[0]["title"], "A hand-written test record for the BibTeX reader");
  EXPECT_EQ(items[0]["container-title"], "Journal of Test Fixtures");
  EXPECT_EQ(items[0]["author"][1], (json{{"family", "Roe"}, {"given", "Richard A."}}));
  EXPECT_EQ(items[0]["issued"]["date-parts"][0][0], 2021);
  EXPECT_EQ(items[0]["page"], "100-108");
  EXPECT_EQ(items[0]["issue"], "4");
  EXPECT_EQ(items[1]["type"], "paper-conference");
  EXPECT_EQ(items[1]["container-title"], "Proceedings of Fixtures");
  const std::string msg = error_of(
      [&] { import_references(kFixtures / "bad_unclosed.bib", BibFormat::kBibtex, schema); });
  EXPECT_NE(msg.find("bad_unclosed.bib:3"), std::string::npos) << msg;
  EXPECT_NE(
      error_of([&] { parse_bibtex("@blogpost{k, title={x}}", "t.bib", schema); }).find("@blogpost"),
      std::string::npos);
}

TEST(Import, CslJsonFixture) {
  const json schema = read(kBase / "schema.json")["references"];
  const json items = import_references(kFixtures / "user.json", BibFormat::kCslJson, schema);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], "doe2021");
  EXPECT_FALSE(items[0].contains("abstract"));
  EXPECT_EQ(items[0]["DOI"], "10.5555/fixture.json.1");
  const std::string msg = error_of(
      [&] { import_references(kFixtures / "bad_syntax.json", BibFormat::kCslJson, schema); });
  EXPECT_NE(msg.find("bad_syntax.json:6"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] {
              parse_csl_json(R"([{"id":"a","type":"book","title":"t","DOI":"11.1/x"}])", "t.json",
                             schema);
            }).find("/0/DOI"),
            std::string::npos);
  EXPECT_EQ(bib_format_from_path("a.RIS"), BibFormat::kRis);
  EXPECT_THROW(bib_format_from_path("a.txt"), Error);
}

TEST(Import, RisAndBibtexRoundTripTheShippedReferences) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  const json schema = base.schema()["references"];
  for (const char* id : {"wenz2010", "bludau2019", "rivard2004", "vandervelden2018", "sethi2018"}) {
    const json& csl = base.at(id).csl;
    for (const json& back : {parse_ris(format_ris(csl), "rt.ris", schema)[0],
                             parse_bibtex(format_bibtex(csl), "rt.bib", schema)[0]}) {
      EXPECT_EQ(back["title"], csl["title"]) << id;
      EXPECT_EQ(back["author"], csl["author"]) << id;
      EXPECT_EQ(back["DOI"], csl["DOI"]) << id;
      EXPECT_EQ(back["volume"], csl["volume"]) << id;
      EXPECT_EQ(back["page"], csl["page"]) << id;
      EXPECT_EQ(back["issued"]["date-parts"][0][0], csl["issued"]["date-parts"][0][0]) << id;
    }
  }
}

// Hand calculation (multinomial naive Bayes, add-one): training "good result" -> supports,
// "bad result" -> contrasts. Vocabulary {good, result, bad}: V + 1 = 4 (one slot for unseen
// words). Word counts per class: supports 2, contrasts 2, mentions 0. Priors (n_c + 1)/(N + 3):
// 2/5, 2/5, 1/5. P(good|s) = (1+1)/(2+4) = 1/3, P(good|c) = 1/6, P(good|m) = 1/4.
// Unnormalised: s 2/15, c 1/15, m 1/20; sum 1/4 -> posteriors 8/15, 4/15, 1/5.
TEST(Stance, NaiveBayesMatchesAHandCalculation) {
  const StanceModel m =
      StanceModel::train({{"good result", Stance::kSupports}, {"bad result", Stance::kContrasts}});
  EXPECT_EQ(m.vocabulary_size(), 3u);
  const StanceSuggestion s = m.suggest("good");
  EXPECT_EQ(s.stance, Stance::kSupports);
  EXPECT_NEAR(s.probability[0], 8.0 / 15.0, 1e-12);
  EXPECT_NEAR(s.probability[1], 4.0 / 15.0, 1e-12);
  EXPECT_NEAR(s.probability[2], 1.0 / 5.0, 1e-12);
  ASSERT_EQ(s.because.size(), 1u);
  EXPECT_EQ(s.because[0].first, "good");
  EXPECT_NEAR(s.because[0].second, std::log((1.0 / 3.0) / (1.0 / 4.0)), 1e-12);  // against mentions
  // Words never seen carry no evidence: the prior decides (supports and contrasts tie; first wins).
  EXPECT_NEAR(m.suggest("unseen words only").probability[2], 0.2, 1e-12);
}

TEST(Stance, CrossValidationIsReproducibleAndAccountsForEveryStatement) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  const std::vector<LabelledText> data = training_set(base);
  const CrossValidation a = cross_validate(data, 0), b = cross_validate(data, 0);
  EXPECT_EQ(a.n, static_cast<int>(base.statements().size()));
  EXPECT_EQ(a.correct, b.correct);
  EXPECT_EQ(a.confusion, b.confusion);
  int sum = 0, diagonal = 0;
  for (int t = 0; t < 3; ++t)
    for (int p = 0; p < 3; ++p) {
      sum += a.confusion[t][p];
      if (t == p) diagonal += a.confusion[t][p];
    }
  EXPECT_EQ(sum, a.n);
  EXPECT_EQ(diagonal, a.correct);
  const CrossValidation k5 = cross_validate(data, 5);
  EXPECT_EQ(k5.n, a.n);
  EXPECT_EQ(k5.correct, cross_validate(data, 5).correct);
  EXPECT_THROW(cross_validate(data, 1), Error);
}

// Issue 22: a plan's rationale ids resolve against the base; an unknown one is named.
TEST(Rationale, IdsResolveAndAnUnknownOneIsNamed) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  const ResolvedRationale r =
      resolve_rationale(base, {"bludau2019", "wenz2010ijrobp"}, {"bludau2019.depth.1"}, "p.json");
  ASSERT_EQ(r.references.size(), 2u);
  EXPECT_EQ(r.references[1]->id(), "wenz2010ijrobp");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0]->data.at("value"), 13);  // the protocol's 13 mm (BMC Cancer 2019)
  const std::string e1 = error_of([&] {
    resolve_rationale(base, {"bludau2019", "nobody1999"}, {}, "p.json");
  });
  EXPECT_NE(e1.find("p.json: rationale.references[1]: not a reference of the evidence base: got "
                    "'nobody1999'"),
            std::string::npos)
      << e1;
  const std::string e2 =
      error_of([&] { resolve_rationale(base, {}, {"bludau2019.x.9"}, "p.json"); });
  EXPECT_NE(
      e2.find("rationale.findings[0]: not a finding of the evidence base: got 'bludau2019.x.9'"),
      std::string::npos)
      << e2;
}

// The show view (CLI and web): groups and counts as citing()/counts_citing(); a user's statement
// about the reference joins its group marked "user", one about another reference does not.
TEST(Show, GroupsAsCountsCitingAndMarksUserStatements) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  const nlohmann::json a = show_json(base, "bludau2019");
  const StanceCounts c = base.counts_citing("bludau2019");
  EXPECT_EQ(a["citing"]["counts"]["supporting"], c.supports);
  EXPECT_EQ(a["citing"]["counts"]["contrasting"], c.contrasts);
  EXPECT_EQ(a["citing"]["counts"]["mentioning"], c.mentions);
  EXPECT_EQ(a["citing"]["supporting"].size(), std::size_t(c.supports));
  for (const auto& s : a["citing"]["contrasting"]) {
    EXPECT_EQ(s["stance"], "contrasts");
    EXPECT_EQ(s["origin"], "curated");
  }
  Statement mine;
  mine.id = "u001";
  mine.citing = "krauss2024";
  mine.cited = "bludau2019";
  mine.stance = Stance::kContrasts;
  Statement other = mine;
  other.cited = "wenz2010";
  const nlohmann::json b = show_json(base, "bludau2019", {mine, other});
  EXPECT_EQ(b["citing"]["counts"]["contrasting"], c.contrasts + 1);
  EXPECT_EQ(b["citing"]["counts"]["total"], c.total() + 1);
  EXPECT_EQ(b["citing"]["contrasting"].back()["id"], "u001");
  EXPECT_EQ(b["citing"]["contrasting"].back()["origin"], "user");
  EXPECT_EQ(finding_text({{"quantity", "dose"},
                          {"value", 8},
                          {"unit", "Gy"},
                          {"bound", ">="},
                          {"time_point", "day 1"}}),
            "dose: >= 8 Gy; time_point: day 1");
  EXPECT_EQ(finding_text({{"quantity", "depth"}, {"value", nullptr}, {"unit", nullptr}}),
            "depth: -");
  EXPECT_EQ(a["findings"][0]["text"], finding_text(a["findings"][0]));
  EXPECT_THROW(show_json(base, "nosuch"), kiort::Error);
}

// A new statement reaches the model as the curated ones do (section words joined by '_').
TEST(Stance, StanceTextIsTheTrainingSetsForm) {
  const EvidenceBase base = EvidenceBase::load(kBase);
  const Statement& s = base.statements().front();
  EXPECT_EQ(training_set(base).front().text, stance_text(s.claim, s.section));
  EXPECT_EQ(stance_text("A claim", "Results and discussion"),
            "A claim section:Results_and_discussion");
}

}  // namespace
}  // namespace kiort::evidence
