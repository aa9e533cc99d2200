// Stage 3 of a plan: the independent second check of the dwell times.
#include <cmath>

#include "plan/stages.h"

namespace kiort {

SecondCheck second_check(const Plan& plan, const PlanContext& ctx, const WaterEngine& water,
                         const DwellTimes& times) {
  // The water engine's dose rate at the prescription depth (from the commissioned Monte Carlo
  // model) against the calibration table's, i.e. the dwell time the water engine would give for
  // the same prescription.
  const double cal_rate = times.calibration_rate_gy_per_min;
  const double water_rate =
      water.perpendicular_dose_rate(perpendicular_depth_from_centre(plan, *ctx.source));
  SecondCheck c;
  c.deviation = cal_rate / water_rate - 1.0;
  c.flagged = !(std::abs(c.deviation) <= plan.engine.second_check_tolerance);
  nlohmann::ordered_json check_times = nlohmann::ordered_json::array();
  for (double t : times.times_s)
    check_times.push_back(std::round(t * cal_rate / water_rate * 10.0) / 10.0);
  c.json = {
      {"method",
       "dwell times recomputed with the fast water engine's dose rate at the prescription depth"},
      {"water_engine_rate_gy_per_min", water_rate},
      {"calibration_rate_gy_per_min", cal_rate},
      {"water_engine_dwell_times_s", check_times},
      {"deviation", c.deviation},
      {"tolerance", plan.engine.second_check_tolerance},
      {"flagged", c.flagged}};
  return c;
}

}  // namespace kiort
