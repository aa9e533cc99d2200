// kiort plan rationale PLAN [--ref ID]... [--finding ID]... [--clear]: links the prescription to
// the evidence base (plan.json "rationale", issue 22), checked against data/evidence; without
// options it prints the linked entries. The demo plan's default links are here too.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "evidence/evidence_base.h"
#include "evidence/rationale.h"
#include "plan/plan.h"

namespace kiort::cli {
namespace {

struct RationaleArgs {
  std::string plan, evidence_dir;
  std::vector<std::string> references, findings;
  bool clear = false, json = false;
};

int run_rationale(const RationaleArgs& a) {
  Plan p = load_plan(a.plan);
  const auto base =
      evidence::EvidenceBase::load(a.evidence_dir.empty() ? evidence::EvidenceBase::default_dir()
                                                          : std::filesystem::path(a.evidence_dir));
  const bool change = a.clear || !a.references.empty() || !a.findings.empty();
  if (change) {
    require_editable(p, a.plan);
    Rationale r;
    if (!a.clear) {
      evidence::resolve_rationale(base, a.references, a.findings, "command line (--ref/--finding)");
      r.evidence_base = base.version();
      r.references = a.references;
      r.findings = a.findings;
    }
    p.rationale = r;
    write_file_atomic(a.plan, plan_to_json(p));
  }
  const evidence::ResolvedRationale resolved =
      evidence::resolve_rationale(base, p.rationale.references, p.rationale.findings, a.plan);
  if (a.json) {
    nlohmann::ordered_json refs = nlohmann::ordered_json::array(),
                           finds = nlohmann::ordered_json::array();
    for (const auto* r : resolved.references)
      refs.push_back({{"id", r->id()}, {"label", evidence::short_label(r->csl)}});
    for (const auto* f : resolved.findings)
      finds.push_back(nlohmann::ordered_json::parse(f->data.dump()));
    std::printf("%s\n", nlohmann::ordered_json({{"plan_id", p.id},
                                                {"evidence_base", p.rationale.evidence_base},
                                                {"references", refs},
                                                {"findings", finds}})
                            .dump(2)
                            .c_str());
    return 0;
  }
  if (p.rationale.empty()) {
    std::printf("plan %s: no rationale linked (kiort plan rationale PLAN --ref ID ...)\n",
                p.id.c_str());
    return 0;
  }
  std::printf("plan %s: rationale from evidence base %s%s\n", p.id.c_str(),
              p.rationale.evidence_base.c_str(), change ? " (saved)" : "");
  for (const auto* r : resolved.references)
    std::printf("  reference %-16s %s\n", r->id().c_str(), evidence::short_label(r->csl).c_str());
  for (const auto* f : resolved.findings)
    std::printf("  finding   %s (%s)\n", f->id.c_str(), f->quantity.c_str());
  return 0;
}

}  // namespace

Rationale demo_rationale() {
  // 8 Gy at 13 mm: the phase III protocol's prescription, the phase I/II dose escalation it comes
  // from (which states its 5 mm depth without a reference surface), and the largest series.
  Rationale r;
  r.evidence_base = evidence::EvidenceBase::load(evidence::EvidenceBase::default_dir()).version();
  r.references = {"bludau2019", "wenz2010ijrobp", "bludau2020"};
  r.findings = {"bludau2019.dose.1", "bludau2019.depth.1", "wenz2010ijrobp.dose.1",
                "wenz2010ijrobp.depth.1"};
  return r;
}

void add_plan_rationale_command(CLI::App& plan, const Globals&, Commands& commands) {
  auto a = std::make_shared<RationaleArgs>();
  CLI::App* c = plan.add_subcommand(
      "rationale",
      "Link the prescription to the evidence base (kiort evidence), or show the links");
  c->add_option("plan", a->plan, "plan.json (a draft)")->required();
  auto* ref = c->add_option("--ref", a->references,
                            "Reference id (repeat; replaces the linked set), e.g. bludau2019");
  auto* finding =
      c->add_option("--finding", a->findings, "Finding id (repeat), e.g. bludau2019.depth.1");
  auto* clear = c->add_flag("--clear", a->clear, "Remove the rationale");
  clear->excludes(ref)->excludes(finding);
  c->add_option("--evidence", a->evidence_dir, "Evidence base folder (default data/evidence)");
  c->add_flag("--json", a->json, "Print JSON");
  commands.push_back({c, [a] { return run_rationale(*a); }});
}

}  // namespace kiort::cli
