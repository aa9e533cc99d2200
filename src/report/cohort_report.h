// The cohort report: the Results section of a Kypho-IORT case series from the registry, as
// Markdown and PDF with its figures. Data come from the registry through a few SQL queries that
// the report prints in its appendix, so every number can be traced to the rows it came from; the
// statistics are outcomes/cohort.h's. Nothing here changes the registry.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "outcomes/cohort.h"
#include "registry/repository.h"
#include "report/document.h"
#include "report/plot.h"

namespace kiort {

struct CohortQuery {
  std::string id;       // "Q1"
  std::string purpose;  // what it fetches or counts
  std::string sql;      // exactly as run
  std::size_t rows = 0;
  std::string result;  // for the counting queries: the value it returned
};

struct LoadedCohort {
  CohortData data;
  std::vector<CohortQuery> queries;
  std::map<std::string, std::string> event_labels;  // event -> "1 month" (from visit_schedule)
  std::map<std::string, long> event_days;  // event -> its scheduled day after the procedure
  std::string backend;                     // "sqlite" or "postgresql"
};

// Runs the report's queries on the registry. Throws kiort::Error (bad input) for an empty
// registry (no procedure). The queries go through Repository::select (read-only, rolled back).
LoadedCohort load_cohort(Repository& repo);

struct CohortReportOptions {
  std::string title = "Kypho-IORT case series: results";
  std::string source;      // where the data came from, shown in the header block
  std::string generated;   // date of the report, YYYY-MM-DD
  bool synthetic = false;  // the data are the shipped synthetic demo cohort: say so everywhere
};

// The report's figures (also used by the PDF): overall survival with censoring marks and numbers
// at risk, and worst pain by visit (mean and SD).
Plot overall_survival_plot(const CohortSummary& s);
Plot pain_plot(const CohortSummary& s, const std::map<std::string, std::string>& labels);

// Writes the report's content into any document (PDF, Markdown). figure_dir is how the Markdown
// refers to the PNGs ("figures").
void write_cohort_report(DocumentSink& doc, const LoadedCohort& cohort, const CohortSummary& s,
                         const CohortReportOptions& options, const std::string& figure_dir);

struct CohortReportFiles {
  std::filesystem::path markdown, pdf, survival_csv;
  std::vector<std::filesystem::path> figures;
  int pdf_pages = 0;
};

// Writes <out>/cohort-report.md, <out>/cohort-report.pdf, <out>/figures/*.png and
// <out>/overall-survival.csv (pseudonym, time_days, event: what `kiort stats km` reads), each
// atomically. Creates out (and out/figures) if needed.
CohortReportFiles write_cohort_report_files(const LoadedCohort& cohort,
                                            const std::filesystem::path& out,
                                            const CohortReportOptions& options);

}  // namespace kiort
