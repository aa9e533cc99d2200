#include "plan/uncertainty.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace kiort {

UncertaintyBudget uncertainty_budget(const UncertaintyInputs& in) {
  for (double x : {in.mc_sigma_rel, in.calibration_rel, in.gradient_rel_per_mm, in.placement_mm,
                   in.medium_rel})
    if (!(x >= 0) || !std::isfinite(x))
      throw Error::internal("uncertainty budget input negative or not finite")
          .seen(std::to_string(x));
  UncertaintyBudget b;
  char pos[200];
  std::snprintf(pos, sizeof pos,
                "dose gradient at the point %.1f %%/mm x placement uncertainty %.1f mm (k=1, "
                "stated)%s%s",
                100 * in.gradient_rel_per_mm, in.placement_mm,
                in.gradient_basis.empty() ? "" : "; ", in.gradient_basis.c_str());
  b.components = {{"monte_carlo_statistics", in.mc_sigma_rel, in.mc_basis},
                  {"calibration", in.calibration_rel, in.calibration_basis},
                  {"positional_sensitivity", in.gradient_rel_per_mm * in.placement_mm, pos},
                  {"medium_assignment", in.medium_rel, in.medium_basis}};
  double ss = 0;
  for (const auto& c : b.components) ss += c.rel * c.rel;
  b.combined_rel = std::sqrt(ss);
  return b;
}

double relative_gradient_per_mm(const std::function<double(double)>& dose_at, double r, double h) {
  const double d0 = dose_at(r);
  if (!(d0 > 0) || !(h > 0)) return 0.0;
  return std::abs(dose_at(r + h) - dose_at(r - h)) / (2 * h * d0);
}

nlohmann::ordered_json to_json(const UncertaintyBudget& b) {
  nlohmann::ordered_json comps = nlohmann::ordered_json::array();
  for (const auto& c : b.components)
    comps.push_back({{"name", c.name}, {"rel", c.rel}, {"basis", c.basis}});
  return {{"components", comps}, {"combined_rel", b.combined_rel}, {"coverage", b.coverage}};
}

}  // namespace kiort
