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
    t.caption =
        "Linked references: statements in the base citing each (supporting, contrasting, "
        "mentioning)";
    t.header = {"Reference", "Citing", "Support", "Contrast", "Mention"};
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

namespace {

std::string ratio(std::size_t n, std::size_t d) {
  if (d == 0) return "not recorded";
  return std::to_string(n) + " of " + std::to_string(d) + " (" +
         fmt(100.0 * static_cast<double>(n) / static_cast<double>(d), 0) + " %)";
}

std::string months_of(double days) {
  return fmt(days / kDaysPerMonth, 1) + " months";
}

// This cohort's figure for a published quantity, with its n and definition.
std::string cohort_figure(const CohortSummary& s, const std::string& quantity) {
  if (quantity == "patients") return std::to_string(s.n_patients) + " patients";
  if (quantity == "levels")
    return std::to_string(s.n_levels) + " levels (" + std::to_string(s.n_procedures) +
           " procedures)";
  if (quantity == "pain_response") {
    std::string out;
    for (const PainAtVisit& v : s.pain) {
      if (v.n_paired == 0) continue;
      out += (out.empty() ? "" : "; ") + v.event + ": relief " + ratio(v.n_relief, v.n_paired) +
             ", >= 3 points " + ratio(v.n_relief_3, v.n_paired) + ", consensus responders " +
             ratio(v.n_responders, v.n_evaluable);
    }
    return out.empty() ? "not recorded (no follow-up pain paired with a baseline)"
                       : out +
                             " (relief: any decrease of worst pain against baseline; consensus: "
                             "Chow 2012, evaluable only with OMED known)";
  }
  if (quantity == "complications") {
    std::string out;
    for (const ComplicationFinding& f : s.complication_findings) {
      if (f.n_assessed == 0 && f.n_procedures_with == 0) continue;
      out += (out.empty() ? "" : "; ") + f.type + " " + std::to_string(f.n_procedures_with) +
             " of " + std::to_string(f.n_assessed) + " procedures assessed";
      if (f.n_not_recorded) out += " (" + std::to_string(f.n_not_recorded) + " not recorded)";
    }
    return out.empty() ? "not recorded" : out;
  }
  auto at = [](const std::optional<double>& v, int n_risk, const char* when) {
    return std::string(when) + " " +
           (v ? fmt(100 * *v, 1) + " % (" + std::to_string(n_risk) + " at risk)"
              : std::string("not observed"));
  };
  if (quantity == "local_control") {
    const LevelEndpoint& e = s.local_control;
    if (e.n_assessed == 0) return "not recorded (no imaging assessment)";
    return "freedom from local progression per level (Kaplan-Meier, " +
           std::to_string(e.n_assessed) + " of " + std::to_string(e.n_levels) +
           " levels assessed, " + std::to_string(e.n_events) +
           " progressions): " + at(e.free_at_6m, e.n_risk_6m, "6 months") + ", " +
           at(e.free_at_12m, e.n_risk_12m, "12 months");
  }
  if (quantity == "overall_survival") {
    std::string out =
        std::to_string(s.n_deaths) + " of " + std::to_string(s.n_patients) + " patients died; ";
    out += s.os.median ? "median " + months_of(*s.os.median) : std::string("median not reached");
    if (!s.os.table.empty())
      out += "; restricted mean " + months_of(s.os_rmean.rmean) + " up to " +
             months_of(s.os_rmean.tau);
    out += "; " + at(s.os_at_6m, s.os_n_risk_6m, "6 months") + ", " +
           at(s.os_at_12m, s.os_n_risk_12m, "12 months");
    return out;
  }
  return "not recorded";
}

}  // namespace

void add_published_comparison(DocumentSink& doc, const CohortSummary& s,
                              const std::string& heading) {
  const auto base = evidence::EvidenceBase::load(evidence::EvidenceBase::default_dir());
  const char* kQuantities[] = {"patients",      "levels",        "pain_response",
                               "complications", "local_control", "overall_survival"};
  doc.heading(heading, 2);
  doc.paragraph(
      "This cohort beside the published Kypho-IORT case series of the evidence base (version " +
      base.version() +
      ", data/evidence; kiort evidence show ID). Each published figure is given as its source "
      "states it, with its n, definition and time point; definitions and time points differ "
      "between series and from this registry's, so the differences are stated, not tested. "
      "\"not reported\": the source gives no figure; \"not recorded\": this registry has none.");
  int k = 0;
  for (const evidence::Reference& ref : base.references()) {
    // A case series: a reference with a number of treated patients (not a planned trial).
    const evidence::Finding* patients = nullptr;
    for (const evidence::Finding* f : base.findings_of(ref.id()))
      if (f->quantity == "patients" && f->data.contains("value") &&
          f->data.at("value").is_number() && text_of(f->data, "unit") == "patients")
        patients = f;
    if (!patients) continue;
    std::string levels_n;
    for (const evidence::Finding* f : base.findings_of(ref.id()))
      if (f->quantity == "levels") levels_n = ", " + value_of(f->data);
    Table t;
    t.caption = "Table C" + std::to_string(++k) + ". This cohort and " +
                evidence::short_label(ref.csl) + " [" + ref.id() +
                "] (n = " + value_of(patients->data) + levels_n + ")";
    t.header = {"Endpoint", "This cohort", "Published", "Published definition, time point, detail",
                "Where (source)"};
    t.width_weight = {1.3, 3.2, 1.3, 2.6, 1.6};
    for (const char* q : kQuantities) {
      std::vector<const evidence::Finding*> fs;
      for (const evidence::Finding* f : base.findings_of(ref.id()))
        if (f->quantity == q) fs.push_back(f);
      const std::string mine = cohort_figure(s, q);
      if (fs.empty()) {
        t.rows.push_back({q, mine, "not reported", "-", "-"});
        continue;
      }
      for (const evidence::Finding* f : fs) {
        std::string context;
        for (const char* key : {"definition", "time_point", "detail", "value_text"})
          if (const std::string x = text_of(f->data, key); !x.empty())
            context += (context.empty() ? "" : "; ") + x;
        const bool has_value = f->data.contains("value") && f->data.at("value").is_number();
        t.rows.push_back({q, mine, has_value ? value_of(f->data) : "not reported",
                          context.empty() ? "-" : context,
                          text_of(f->data, "where") + " (" + f->id + ")"});
      }
    }
    doc.table(t);
  }
  if (k == 0) doc.paragraph("The evidence base holds no case series to compare with.");
}

}  // namespace kiort
