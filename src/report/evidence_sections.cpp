#include "report/evidence_sections.h"

#include "core/error.h"
#include "evidence/evidence_base.h"
#include "evidence/rationale.h"

namespace kiort {
namespace {

std::string text_of(const nlohmann::json& d, const char* key) {
  const auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "13 mm", "mean 10 months", "78 %", or the value's text when the paper gives no number.
std::string value_of(const nlohmann::json& d) {
  const auto v = d.find("value");
  std::string out;
  if (v != d.end() && v->is_number()) {
    const double x = v->get<double>();
    out = fmt(x, x == static_cast<double>(static_cast<long long>(x)) ? 0 : 1);
    if (const std::string u = text_of(d, "unit"); !u.empty()) out += " " + u;
  } else {
    out = text_of(d, "value_text");
    if (out.empty()) out = "not reported";
  }
  if (const std::string s = text_of(d, "statistic"); !s.empty()) out = s + " " + out;
  return out;
}

}  // namespace

void add_rationale_section(DocumentSink& doc, const Plan& plan) {
  if (plan.rationale.empty()) return;
  const auto base = evidence::EvidenceBase::load(evidence::EvidenceBase::default_dir());
  const evidence::ResolvedRationale r = evidence::resolve_rationale(
      base, plan.rationale.references, plan.rationale.findings, "plan.json of plan " + plan.id);
  doc.heading("Prescription rationale", 2);
  doc.paragraph("The evidence this prescription rests on, as linked in the plan (evidence base " +
                plan.rationale.evidence_base + "; kiort evidence show ID for the statements).");
  if (plan.rationale.evidence_base != base.version())
    doc.paragraph("Note: linked in evidence base " + plan.rationale.evidence_base +
                  "; shown from version " + base.version() + ", which has every linked id.");
  if (!r.references.empty()) {
    Table t;
    t.caption = "Linked references and how the base's statements cite them";
    t.header = {"Reference", "Cited in the base", "Supporting", "Contrasting", "Mentioning"};
    t.align = {Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight};
    t.width_weight = {5, 1.2, 1.2, 1.2, 1.2};
    for (const evidence::Reference* ref : r.references) {
      const evidence::StanceCounts c = base.counts_citing(ref->id());
      std::string label = evidence::short_label(ref->csl);
      if (const std::string doi = text_of(ref->csl, "DOI"); !doi.empty()) label += " doi:" + doi;
      t.rows.push_back({"[" + ref->id() + "] " + label, std::to_string(c.total()),
                        std::to_string(c.supports), std::to_string(c.contrasts),
                        std::to_string(c.mentions)});
    }
    doc.table(t);
  }
  if (!r.findings.empty()) {
    Table t;
    t.caption = "Linked findings (as the source states them)";
    t.header = {"Finding", "Value", "Definition, time point, depth reference", "Where"};
    t.width_weight = {2.2, 1.4, 4, 1.6};
    for (const evidence::Finding* f : r.findings) {
      std::string context;
      auto add = [&](const char* what, const char* key) {
        if (const std::string x = text_of(f->data, key); !x.empty())
          context += (context.empty() ? "" : "; ") + std::string(what) + x;
      };
      add("", "quantity_kind");
      add("definition: ", "definition");
      add("time point: ", "time_point");
      add("depth reference: ", "reference_surface");
      add("", "detail");
      t.rows.push_back({f->id + " (" + f->quantity + ")", value_of(f->data),
                        context.empty() ? "-" : context, text_of(f->data, "where")});
    }
    doc.table(t);
  }
}

}  // namespace kiort
