// The evidence base (data/evidence, kiort::evidence) in the reports: the plan report's
// "Prescription rationale" section, and the cohort report's "Compared with published series"
// table. Each is one call from its report.
#pragma once

#include <string>
#include <vector>

#include "outcomes/cohort.h"
#include "plan/plan.h"
#include "report/document.h"

namespace kiort {

// The section for plan.rationale (nothing when the plan links none): every linked reference
// (label, DOI, the stances of the statements in the base that cite it), every linked finding
// (value with unit, statistic, time point, definition, depth reference, where in the paper), and a
// note when the plan was linked in another version of the base. The base is data_dir()/evidence;
// an id it does not have is bad input naming plan, field and id.
void add_rationale_section(DocumentSink& doc, const Plan& plan);

// The cohort report's "Compared with published series" section: for every Kypho-IORT case series
// in the base (a reference with a number of patients), one table with this cohort's patients,
// levels, pain relief, complications, local control and survival beside the series' published
// figures, each published number with its reference, n, definition, time point and where in the
// paper; a figure the paper does not give, or this registry did not record, is shown as such.
// The differences are stated, not judged (no test across series).
void add_published_comparison(DocumentSink& doc, const CohortSummary& s,
                              const std::string& heading = "Compared with published series");

}  // namespace kiort
