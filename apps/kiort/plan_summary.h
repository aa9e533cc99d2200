// The text `kiort plan show` and `kiort plan compute` print for a plan's evaluation. Kept apart
// from the CLI so that its fuzz target (tests/fuzz) reads evaluations exactly as the CLI does.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kiort::cli {

// Throws kiort::Error (bad input) naming file and field when the evaluation lacks a field or has
// one of the wrong type.
std::string format_plan_summary(const nlohmann::ordered_json& summary, const std::string& file);

}  // namespace kiort::cli
