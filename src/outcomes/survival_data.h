// Survival data taken from a CSV table: time, event and optional group and covariate columns,
// checked value by value so a bad cell is reported by file, line and column (exit code 2).
#pragma once

#include <string>
#include <vector>

#include "core/csv.h"

namespace kiort {

struct SurvivalColumns {
  std::string time;
  std::string event;
  std::string group;                    // empty: no grouping
  std::vector<std::string> covariates;  // numeric covariates (Cox model)
  std::string strata;                   // empty: no strata (Cox strata(), stratified log-rank)
  std::vector<std::string> factors;     // categorical covariates, dummy-coded as R does
};

struct SurvivalData {
  std::vector<double> time;
  std::vector<int> event;          // 0 censored, 1 event
  bool event_coded_1_2 = false;    // the file used R's alternative coding 1 = censored, 2 = event
  std::vector<std::string> group;  // per row; empty when no group column was asked for
  std::vector<std::string> group_names;   // distinct groups, sorted (numerically when all numeric)
  std::vector<int> group_index;           // per row, into group_names
  std::vector<std::string> strata_names;  // distinct strata, sorted as group_names
  std::vector<int> strata_index;          // per row, into strata_names; empty without strata
  std::vector<std::string> covariate_names;  // numeric ones, then <factor><level> dummies
  std::vector<double> covariates;            // row-major, covariate_names.size() per row
  int n_omitted = 0;  // rows dropped because a covariate was missing (NA or empty)
};

// Times must be numbers >= 0; events 0/1 or 1/2 (as R's Surv: when the largest code is 2, 1
// means censored and 2 event); group labels must not be empty. Covariates must be numbers; a
// covariate cell that is empty or NA drops its row (R's na.omit), counted in n_omitted. Every
// violation throws kiort::Error (bad input) naming the file, the line and the column.
SurvivalData survival_data_from_csv(const CsvTable& table, const SurvivalColumns& columns);

}  // namespace kiort
