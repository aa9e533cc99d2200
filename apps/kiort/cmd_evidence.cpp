// kiort evidence: the curated Kypho-IORT literature (data/evidence). `list`, `search`, `show`
// (the statements citing a reference grouped supporting / contrasting / mentioning, as scite
// shows them), `cite`, `import` (RIS, BibTeX, CSL-JSON), `suggest` (a stance suggestion for a new
// statement) and `crossval` (the suggestion model's cross-validated accuracy). Thin: parses
// arguments, calls kiort::evidence, prints text or JSON.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli.h"
#include "core/atomic_file.h"
#include "evidence/bib_import.h"
#include "evidence/cite.h"
#include "evidence/evidence_base.h"
#include "evidence/show.h"
#include "evidence/stance.h"

namespace kiort::cli {
namespace {

using nlohmann::json;
using namespace kiort::evidence;

struct EvidenceOptions {
  std::string base_dir, text, id, style = "vancouver", file, format, out;
  int folds = 0;
  bool json = false;
};

EvidenceBase load(const EvidenceOptions& o) {
  return EvidenceBase::load(o.base_dir.empty() ? EvidenceBase::default_dir()
                                               : std::filesystem::path(o.base_dir));
}

void print_json(const json& j) {
  std::printf("%s\n", j.dump(2).c_str());
}

int run_list(const EvidenceOptions& o) {
  const EvidenceBase base = load(o);
  if (o.json) {
    json refs = json::array();
    for (const Reference& r : base.references())
      refs.push_back({{"id", r.id()},
                      {"label", short_label(r.csl)},
                      {"citing", to_json(base.counts_citing(r.id()))},
                      {"findings", base.findings_of(r.id()).size()},
                      {"topics", r.provenance["topics"]}});
    json stats = json::array();
    for (const Statement& s : base.statements()) stats.push_back(to_json(s));
    print_json({{"base_version", base.version()}, {"references", refs}, {"statements", stats}});
    return 0;
  }
  std::printf("Evidence base %s: %zu references, %zu findings, %zu citation statements\n\n",
              base.version().c_str(), base.references().size(), base.findings().size(),
              base.statements().size());
  std::printf("%-24s %4s %4s %4s  %s\n", "id", "sup", "con", "men", "reference");
  for (const Reference& r : base.references()) {
    const StanceCounts c = base.counts_citing(r.id());
    std::printf("%-24s %4d %4d %4d  %s\n", r.id().c_str(), c.supports, c.contrasts, c.mentions,
                short_label(r.csl).c_str());
  }
  std::printf("\n%-5s %-24s %-10s %-24s %s\n", "id", "citing", "stance", "cited", "claim");
  for (const Statement& s : base.statements())
    std::printf("%-5s %-24s %-10s %-24s %s\n", s.id.c_str(), s.citing.c_str(), to_string(s.stance),
                s.cited.c_str(), s.claim.c_str());
  return 0;
}

int run_search(const EvidenceOptions& o) {
  const EvidenceBase base = load(o);
  const std::vector<SearchHit> hits = base.search(o.text);
  if (o.json) {
    json out = json::array();
    for (const SearchHit& h : hits)
      out.push_back({{"kind", h.kind},
                     {"id", h.id},
                     {"reference", h.reference},
                     {"text", h.text},
                     {"score", h.score}});
    print_json({{"query", o.text}, {"hits", out}});
    return 0;
  }
  std::printf("%zu hits for \"%s\"\n", hits.size(), o.text.c_str());
  for (const SearchHit& h : hits)
    std::printf("%-9s %-28s %s\n", h.kind.c_str(), h.id.c_str(), h.text.substr(0, 160).c_str());
  return 0;
}

int run_show(const EvidenceOptions& o) {
  const EvidenceBase base = load(o);
  const Reference& r = base.at(o.id);
  if (o.json) {
    print_json(show_json(base, r.id()));
    return 0;
  }
  const auto groups = group_by_stance(base.citing(r.id()));
  const StanceCounts counts = base.counts_citing(r.id());
  json findings = json::array();
  for (const Finding* f : base.findings_of(r.id())) findings.push_back(f->data);
  std::printf("%s\n%s\n\n", r.id().c_str(), format_vancouver(r.csl).c_str());
  if (!r.provenance["unknown"].empty()) {
    std::printf("Unknown or unverified:\n");
    for (const auto& [field, why] : r.provenance["unknown"].items())
      std::printf("  %s: %s\n", field.c_str(), why.get<std::string>().c_str());
    std::printf("\n");
  }
  std::printf("Findings (%zu):\n", findings.size());
  for (const json& f : findings)
    std::printf("  %s [%s]\n", finding_text(f).c_str(), f["where"].get<std::string>().c_str());
  std::printf("\nCited by %d statements: %d supporting, %d contrasting, %d mentioning\n",
              counts.total(), counts.supports, counts.contrasts, counts.mentions);
  const char* names[3] = {"Supporting", "Contrasting", "Mentioning"};
  for (int g = 0; g < 3; ++g) {
    std::printf("\n%s (%zu)\n", names[g], groups[g].size());
    for (const Statement* s : groups[g])
      std::printf("  %s %s, %s: %s\n    (%s; %s; classified by %s from %s)\n", s->id.c_str(),
                  s->citing.c_str(), s->section.c_str(), s->claim.c_str(),
                  s->citation_seen ? "citation seen" : "citation inferred", s->evidence.c_str(),
                  s->classified_by.c_str(), s->classified_from.c_str());
  }
  return 0;
}

int run_cite(const EvidenceOptions& o) {
  const EvidenceBase base = load(o);
  const Reference& r = base.at(o.id);
  const CiteStyle style = cite_style_from_string(o.style);
  const std::string text = format_citation(r.csl, style);
  if (o.json)
    print_json({{"id", r.id()}, {"style", o.style}, {"citation", text}});
  else
    std::printf("%s", text.c_str());
  return 0;
}

int run_import(const EvidenceOptions& o) {
  const EvidenceBase base = load(o);
  const BibFormat format =
      o.format.empty() ? bib_format_from_path(o.file) : bib_format_from_string(o.format);
  const json items = import_references(o.file, format, base.schema().at("references"));
  if (!o.out.empty()) write_file_atomic(o.out, items.dump(1) + "\n");
  if (o.json) {
    print_json(
        {{"file", o.file}, {"count", items.size()}, {"references", items}, {"written", o.out}});
    return 0;
  }
  std::printf("%zu references read from %s%s\n", items.size(), o.file.c_str(),
              o.out.empty() ? "" : (", written as CSL-JSON to " + o.out).c_str());
  for (const json& item : items)
    std::printf("  %-24s %s\n", item["id"].get<std::string>().c_str(),
                format_vancouver(item).c_str());
  return 0;
}

int run_suggest(const EvidenceOptions& o) {
  const EvidenceBase base = load(o);
  const std::vector<LabelledText> data = training_set(base);
  const StanceModel model = StanceModel::train(data);
  const StanceSuggestion s = model.suggest(o.text);
  json because = json::array();
  for (const auto& [w, r] : s.because) because.push_back({{"word", w}, {"log_ratio", r}});
  if (o.json) {
    print_json({{"suggestion", to_string(s.stance)},
                {"probability",
                 {{"supports", s.probability[0]},
                  {"contrasts", s.probability[1]},
                  {"mentions", s.probability[2]}}},
                {"because", because},
                {"trained_on", data.size()},
                {"note", "a suggestion only: a person classifies the statement"}});
    return 0;
  }
  std::printf(
      "Suggested stance: %s (P supports %.2f, contrasts %.2f, mentions %.2f; naive Bayes on %zu "
      "curated statements)\n",
      to_string(s.stance), s.probability[0], s.probability[1], s.probability[2], data.size());
  std::printf("Words for it:");
  for (const auto& [w, r] : s.because) std::printf(" %s (%.2f)", w.c_str(), r);
  std::printf("%s\nA suggestion only: a person classifies the statement.\n",
              s.because.empty() ? " none (prior only)" : "");
  return 0;
}

int run_crossval(const EvidenceOptions& o) {
  const EvidenceBase base = load(o);
  const CrossValidation cv = cross_validate(training_set(base), o.folds);
  const char* names[3] = {"supports", "contrasts", "mentions"};
  if (o.json) {
    json confusion = json::object();
    for (int t = 0; t < 3; ++t)
      for (int p = 0; p < 3; ++p) confusion[names[t]][names[p]] = cv.confusion[t][p];
    print_json({{"folds", cv.folds == 0 ? json("leave-one-out") : json(cv.folds)},
                {"n", cv.n},
                {"correct", cv.correct},
                {"accuracy", cv.accuracy()},
                {"majority_baseline_accuracy", cv.majority_accuracy()},
                {"confusion_true_by_predicted", confusion}});
    return 0;
  }
  std::printf(
      "Stance model, %s over %d statements: accuracy %d/%d = %.3f (majority baseline %.3f)\n",
      cv.folds == 0 ? "leave-one-out" : (std::to_string(cv.folds) + "-fold").c_str(), cv.n,
      cv.correct, cv.n, cv.accuracy(), cv.majority_accuracy());
  std::printf("%-10s %9s %9s %9s  (rows true, columns predicted)\n", "", names[0], names[1],
              names[2]);
  for (int t = 0; t < 3; ++t)
    std::printf("%-10s %9d %9d %9d\n", names[t], cv.confusion[t][0], cv.confusion[t][1],
                cv.confusion[t][2]);
  return 0;
}

}  // namespace

void add_evidence_command(CLI::App& app, const Globals& /*globals*/, Commands& commands) {
  CLI::App* ev = app.add_subcommand(
      "evidence", "The Kypho-IORT literature: references, findings, citation statements");
  ev->require_subcommand(1);
  auto o = std::make_shared<EvidenceOptions>();
  auto common = [&](CLI::App* sub) {
    sub->add_option("--base", o->base_dir,
                    "Evidence base folder (default: the shipped data/evidence)");
    sub->add_flag("--json", o->json, "Print JSON");
    return sub;
  };
  CLI::App* list = common(
      ev->add_subcommand("list", "References with their citation counts, and all statements"));
  CLI::App* search =
      common(ev->add_subcommand("search", "Search references, findings and statements"));
  search->add_option("TEXT", o->text, "Words that must all occur (case-insensitive)")->required();
  CLI::App* show =
      common(ev->add_subcommand("show", "A reference, its findings and the statements citing it"));
  show->add_option("ID", o->id, "Reference id (e.g. bludau2019)")->required();
  CLI::App* cite = common(ev->add_subcommand("cite", "Format a reference"));
  cite->add_option("ID", o->id, "Reference id")->required();
  cite->add_option("--style", o->style, "vancouver, bibtex or ris")->capture_default_str();
  CLI::App* imp =
      common(ev->add_subcommand("import", "Read a user's references (RIS, BibTeX, CSL-JSON)"));
  imp->add_option("FILE", o->file, "File to read (.ris, .bib, .json)")->required();
  imp->add_option("--format", o->format, "ris, bibtex or csl-json (default: from the file name)");
  imp->add_option("--out", o->out, "Write the references as CSL-JSON here (atomically)");
  CLI::App* suggest =
      common(ev->add_subcommand("suggest", "Suggest the stance of a new citation statement"));
  suggest->add_option("TEXT", o->text, "The statement (claim) to classify")->required();
  CLI::App* crossval =
      common(ev->add_subcommand("crossval", "Cross-validated accuracy of the stance model"));
  crossval
      ->add_option("--folds", o->folds, "0 = leave-one-out, else k folds (item i in fold i mod k)")
      ->capture_default_str();

  commands.push_back({ev, [o, list, search, show, cite, imp, suggest, crossval] {
                        if (list->parsed()) return run_list(*o);
                        if (search->parsed()) return run_search(*o);
                        if (show->parsed()) return run_show(*o);
                        if (cite->parsed()) return run_cite(*o);
                        if (imp->parsed()) return run_import(*o);
                        if (suggest->parsed()) return run_suggest(*o);
                        (void)crossval;
                        return run_crossval(*o);
                      }});
}

}  // namespace kiort::cli
