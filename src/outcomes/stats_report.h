// What `kiort stats km` and `kiort stats cox` report, built from checked survival data: the
// Kaplan-Meier curves per group with the log-rank test, or the Cox fit, as JSON (numbers that do
// not exist, such as a median never reached or an NA limit, are null) or as a readable table.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "outcomes/cox.h"
#include "outcomes/survival.h"
#include "outcomes/survival_data.h"

namespace kiort {

struct KmReport {
  std::vector<KmCurve> groups;     // one per group, in SurvivalData::group_names order
  std::optional<LogRank> logrank;  // only with groups
  std::vector<double> at_times;    // survival asked for at these times (KmCurve::at)
  // Restricted mean survival per group up to the largest time of all groups (R's
  // print(survfit, rmean = "common")).
  std::vector<RestrictedMean> rmean;
  std::vector<std::string> strata;  // the log-rank test is stratified by these (empty: not)
};

KmReport km_report(const SurvivalData& data, ConfType conf_type, double conf_level = 0.95,
                   std::vector<double> at_times = {});
nlohmann::ordered_json to_json(const KmReport& report);
std::string to_text(const KmReport& report);

CoxFit cox_report(const SurvivalData& data, double conf_level = 0.95,
                  CoxTies ties = CoxTies::kEfron);
nlohmann::ordered_json to_json(const CoxFit& fit, int n_omitted);
std::string to_text(const CoxFit& fit, int n_omitted);

}  // namespace kiort
