// plan.json as `kiort plan show` reads it: the plan itself, then its evaluation as the summary
// prints it (the code that segfaulted on {} and [[]]).
#include <nlohmann/json.hpp>

#include "fuzz_util.h"
#include "plan/plan.h"
#include "plan_summary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(kiort::fuzz::as_view(data, size));
  kiort::fuzz::expect_clean([&] {
    const kiort::Plan p = kiort::plan_from_json(text, "plan.json");
    if (!p.evaluation_json.empty())
      kiort::cli::format_plan_summary(nlohmann::ordered_json::parse(p.evaluation_json),
                                      "plan.json");
  });
  return 0;
}
