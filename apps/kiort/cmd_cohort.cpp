// kiort cohort report: the Results section of the case series (Markdown, PDF, figures) from the
// registry. Without --db it builds a throwaway SQLite registry from the shipped synthetic demo
// cohort, so that the command works out of the box, and the report says so.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli.h"
#include "core/error.h"
#include "core/paths.h"
#include "registry/repository.h"
#include "registry/scores.h"
#include "registry/transfer.h"
#include "report/cohort_report.h"

namespace kiort::cli {
namespace {

struct CohortOptions {
  std::string db, out, title = "Kypho-IORT case series: results";
};

// A temporary folder removed when the command ends, whatever happens.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kiort_cohort.XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw Error::internal("cannot create a temporary folder").file(tmpl);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

int run_report(const CohortOptions& o) {
  std::unique_ptr<TempDir> tmp;
  std::unique_ptr<Repository> repo;
  CohortReportOptions ro;
  ro.title = o.title;
  ro.generated = today_utc();
  if (o.db.empty()) {
    const std::filesystem::path demo = data_dir() / "demo-cohort";
    tmp = std::make_unique<TempDir>();
    repo = open_repository((tmp->path / "demo.db").string(), OpenMode::kCreate);
    import_csv(*repo, demo, "kiort-cohort-report");
    // The report names the cohort, not this machine's path to it (the docs show the report).
    ro.source =
        "no --db given: a temporary SQLite registry built from the shipped SYNTHETIC demo "
        "cohort (data/demo-cohort)";
    ro.synthetic = true;
  } else {
    repo = open_repository(o.db, OpenMode::kExisting);
    ro.source = is_postgresql_uri(o.db) ? "PostgreSQL registry" : "registry " + o.db;
  }
  const LoadedCohort cohort = load_cohort(*repo);
  const CohortReportFiles f = write_cohort_report_files(cohort, o.out, ro);
  std::printf("wrote %s\nwrote %s (%d pages)\nwrote %s\n", f.markdown.c_str(), f.pdf.c_str(),
              f.pdf_pages, f.survival_csv.c_str());
  for (const auto& p : f.figures) std::printf("wrote %s\n", p.c_str());
  if (ro.synthetic)
    std::printf("note: no --db: the report shows the SYNTHETIC demo cohort from %s\n",
                (data_dir() / "demo-cohort").c_str());
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

void add_cohort_command(CLI::App& app, const Globals& /*globals*/, Commands& commands) {
  CLI::App* cohort = app.add_subcommand("cohort", "The cohort report");
  cohort->require_subcommand(1);
  auto o = std::make_shared<CohortOptions>();
  CLI::App* report = cohort->add_subcommand(
      "report",
      "Results of the case series as Markdown and PDF with figures and the SQL behind "
      "every number");
  report->add_option("--db", o->db,
                     "Registry: SQLite file or postgresql:// URI (default: a temporary registry "
                     "built from the shipped synthetic demo cohort)");
  report->add_option("--out", o->out, "Output folder (created if needed)")->required();
  report->add_option("--title", o->title, "Report title")->capture_default_str();
  commands.push_back({report, [o] { return run_report(*o); }});
}

}  // namespace kiort::cli
