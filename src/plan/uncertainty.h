// The uncertainty budget of a plan's dose at its prescription point: each component as a relative
// standard uncertainty (k=1) with the basis it rests on, combined in quadrature (GUM, JCGM
// 100:2008, uncorrelated inputs). Components: the Monte Carlo statistics, the probe calibration
// (from its file), the positional sensitivity (the dose gradient at the point times a stated
// placement uncertainty) and the medium assignment (CT calibration). Pure arithmetic: the
// caller measures the inputs; nothing here reads files or runs transport.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kiort {

// The needle's placement uncertainty (k=1) the budget assumes unless told otherwise: a tip placed
// under fluoroscopy through a kyphoplasty cannula, about one CT voxel.
constexpr double kDefaultPlacementUncertaintyMm = 1.0;

// Medium assignment from a CT calibration not measured on the patient's scanner (k=1), an
// assumption: AAPM TG-186 (Beaulieu et al. 2012, Med Phys 39:6208) shows tissue assignment moving
// low-energy brachytherapy doses by several per cent.
constexpr double kCtMediumAssignmentRel = 0.05;

struct UncertaintyComponent {
  std::string name;
  double rel = 0;  // relative standard uncertainty, k=1
  std::string basis;
};

struct UncertaintyBudget {
  std::vector<UncertaintyComponent> components;
  double combined_rel = 0;  // root sum of squares
  std::string coverage = "k=1";
};

struct UncertaintyInputs {
  double mc_sigma_rel = 0;
  std::string mc_basis;
  double calibration_rel = 0;
  std::string calibration_basis;
  double gradient_rel_per_mm = 0;  // |dD/dx| / D at the point along the depth direction
  double placement_mm = kDefaultPlacementUncertaintyMm;
  std::string gradient_basis;  // how the gradient was found
  double medium_rel = 0;
  std::string medium_basis;
};

// The four components in the order above and their quadrature sum. Throws Error(internal) for a
// negative or non-finite input.
UncertaintyBudget uncertainty_budget(const UncertaintyInputs& in);

// |D(r + h) - D(r - h)| / (2 h D(r)): the relative dose gradient (1/mm) by a central difference.
double relative_gradient_per_mm(const std::function<double(double)>& dose_at, double r_mm,
                                double h_mm = 0.5);

// summary.json's "uncertainty_budget": {"components": [{"name", "rel", "basis"}], "combined_rel",
// "coverage"}.
nlohmann::ordered_json to_json(const UncertaintyBudget& b);

}  // namespace kiort
