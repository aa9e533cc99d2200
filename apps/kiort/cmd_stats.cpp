// kiort stats: survival statistics on a CSV file. `km` prints Kaplan-Meier curves (per group,
// with the log-rank test), `cox` a Cox proportional-hazards fit. Thin: parses arguments, reads
// the CSV through the outcomes library, prints JSON or a readable table.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli.h"
#include "core/csv.h"
#include "core/error.h"
#include "outcomes/stats_report.h"
#include "outcomes/survival_data.h"

namespace kiort::cli {
namespace {

struct StatsOptions {
  std::string csv, time, event, group, strata, conf_type = "log", ties = "efron";
  std::vector<std::string> covariates, factors;
  std::vector<double> at;
  double conf_level = 0.95;
  bool json = false;
};

void add_common(CLI::App* sub, StatsOptions& o) {
  sub->add_option("--csv", o.csv, "CSV file (RFC 4180, header line first)")->required();
  sub->add_option("--time", o.time, "Column with the follow-up time (>= 0)")->required();
  sub->add_option("--event", o.event, "Column with the event code: 0/1, or 1/2 as R's Surv")
      ->required();
  sub->add_option("--conf-level", o.conf_level, "Confidence level")
      ->default_val(0.95)
      ->check(CLI::Range(0.5, 0.999));
  sub->add_flag("--json", o.json, "Print JSON instead of a table");
}

}  // namespace

void add_stats_command(CLI::App& app, const Globals& /*globals*/, Commands& commands) {
  CLI::App* stats =
      app.add_subcommand("stats", "Survival statistics (Kaplan-Meier, log-rank, Cox)");
  stats->require_subcommand(1);
  auto o = std::make_shared<StatsOptions>();

  CLI::App* km = stats->add_subcommand(
      "km", "Kaplan-Meier curves with Greenwood confidence bands, medians and the log-rank test");
  add_common(km, *o);
  km->add_option("--group", o->group, "Column that splits the curves (adds the log-rank test)");
  km->add_option("--conf-type", o->conf_type, "Confidence band transform, as R's survfit")
      ->check(CLI::IsMember({"log", "log-log", "plain"}));
  km->add_option("--at", o->at, "Also report survival at these times (comma separated)")
      ->delimiter(',');
  km->add_option("--strata", o->strata,
                 "Column whose levels stratify the log-rank test (survdiff's strata())");

  CLI::App* cox = stats->add_subcommand(
      "cox",
      "Cox proportional-hazards model (Efron or Breslow ties, strata, factors): HR with CI, "
      "LR, Wald and score tests");
  add_common(cox, *o);
  auto* cov_opt =
      cox->add_option("--covariates", o->covariates, "Numeric covariate columns (comma separated)")
          ->delimiter(',');
  auto* factor_opt = cox->add_option("--factor", o->factors,
                                     "Categorical covariate columns, dummy-coded as R (first "
                                     "level the reference; comma separated)")
                         ->delimiter(',');
  cox->add_option("--strata", o->strata, "Column whose levels are strata (coxph's strata())");
  cox->add_option("--ties", o->ties, "Tied event times: efron (R's default) or breslow")
      ->check(CLI::IsMember({"efron", "breslow"}));
  cox->callback([cov_opt, factor_opt] {
    if (cov_opt->count() == 0 && factor_opt->count() == 0)
      throw CLI::RequiredError("--covariates or --factor");
  });

  commands.push_back(
      {stats, [o, km] {
         const CsvTable table = read_csv_table(o->csv);
         if (km->parsed()) {
           const SurvivalData data = survival_data_from_csv(table, {.time = o->time,
                                                                    .event = o->event,
                                                                    .group = o->group,
                                                                    .covariates = {},
                                                                    .strata = o->strata,
                                                                    .factors = {}});
           const KmReport r =
               km_report(data, conf_type_from_string(o->conf_type), o->conf_level, o->at);
           if (o->json)
             std::printf("%s\n", to_json(r).dump(2).c_str());
           else
             std::printf("%s", to_text(r).c_str());
         } else {
           const SurvivalData data = survival_data_from_csv(table, {.time = o->time,
                                                                    .event = o->event,
                                                                    .group = "",
                                                                    .covariates = o->covariates,
                                                                    .strata = o->strata,
                                                                    .factors = o->factors});
           const CoxFit f = cox_report(data, o->conf_level,
                                       o->ties == "breslow" ? CoxTies::kBreslow : CoxTies::kEfron);
           if (o->json)
             std::printf("%s\n", to_json(f, data.n_omitted).dump(2).c_str());
           else
             std::printf("%s", to_text(f, data.n_omitted).c_str());
         }
         return static_cast<int>(ExitCode::kOk);
       }});
}

}  // namespace kiort::cli
