// Stage 2 of a plan: the dwell times.
#include <cmath>

#include "core/error.h"
#include "plan/nnls.h"
#include "plan/stages.h"

namespace kiort {

DwellTimes optimise_dwell_times(const Plan& plan, const PlanContext& ctx, const DoseBasis& basis,
                                const std::string& file) {
  const PatientModel& p = *ctx.patient;
  const Prescription& rx = plan.prescription;
  const std::size_t n = basis.dwells.size();
  DwellTimes out;
  out.calibration_rate_gy_per_min = calibration_rate(plan, *ctx.source, file);
  std::vector<double> times(n, 0.0);
  if (rx.kind == "point") {
    if (n != 1)  // check_plan refuses such a plan with the file and field named
      throw Error::internal("optimise_dwell_times: a point prescription with " + std::to_string(n) +
                            " dwell positions (check_plan was not run)");
    times[0] = rx.dose_gy / out.calibration_rate_gy_per_min * 60.0;
  }
  bool at_oar_limit = false;  // the best compromise: the organ at risk exactly at its limit
  if (rx.kind != "point") {
    // Least squares towards the prescribed dose over the target, then scaled so that the target's
    // D<coverage> equals the prescription; organ-at-risk voxels above the limit are pulled down
    // with growing weight while the constraint is violated.
    const Structure& target = need_structure(p, plan.target, file, "target");
    const Structure* oar = rx.oar.empty() ? find_cord(p) : p.find(rx.oar);
    const double voxel_cc = p.grid.voxel_volume_mm3() / 1000.0;
    auto oar_metric = [&](const DoseStats& s) {
      return rx.oar_metric == "Dmax" ? s.max() : s.d_cc(rx.oar_metric == "D0.03cc" ? 0.03 : 0.1);
    };
    const std::vector<std::size_t> tvox = structure_rows(p, target, basis.box);
    std::vector<std::size_t> ovox;
    if (oar && rx.oar_limit_gy > 0) ovox = structure_rows(p, *oar, basis.box);
    if (tvox.empty())
      throw Error::bad_input("the target lies outside the dose grid")
          .file(file)
          .field("target")
          .seen(plan.target);
    double w_oar = 0;
    std::vector<double> t;
    for (int round = 0; round < 8; ++round) {
      std::vector<std::size_t> rows = tvox;
      std::vector<double> b(tvox.size(), rx.dose_gy), weight(tvox.size(), 1.0);
      if (w_oar > 0)
        for (std::size_t v : ovox) {
          rows.push_back(v);
          b.push_back(0.8 * rx.oar_limit_gy * std::sqrt(w_oar));
          weight.push_back(std::sqrt(w_oar));
        }
      std::vector<double> a(rows.size() * n);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t r = 0; r < rows.size(); ++r)
          a[i * rows.size() + r] = weight[r] * basis.primary[i][rows[r]];
      t = nnls(a, rows.size(), n, b);
      const auto dose = total_dose(basis.primary, t);
      const DoseStats ts = dose_stats(structure_doses(p, target, basis.box, dose), voxel_cc);
      const double cov = ts.d_pct(rx.coverage_pct);
      if (!(cov > 0))
        throw Error::goal_not_met("the dwell positions deliver no dose to the target")
            .field("target")
            .seen(plan.target);
      for (double& x : t) x *= rx.dose_gy / cov;
      if (!oar || rx.oar_limit_gy <= 0) break;
      const DoseStats os =
          dose_stats(structure_doses(p, *oar, basis.box, total_dose(basis.primary, t)), voxel_cc);
      if (oar_metric(os) <= rx.oar_limit_gy) break;
      w_oar = w_oar == 0 ? 1.0 : w_oar * 4.0;
      if (round == 7) {
        // The best compromise: keep the organ at risk at its limit.
        const double f = rx.oar_limit_gy / oar_metric(os);
        for (double& x : t) x *= f;
        at_oar_limit = true;
      }
    }
    times = t;
  }
  // Consoles take 0.1 s. A compromise at the organ at risk's limit rounds down, so the rounding
  // (up to 0.3 % of a 15 s dwell) never takes the organ at risk over its limit.
  for (double& x : times)
    x = (at_oar_limit ? std::floor(x * 10.0 + 1e-9) : std::round(x * 10.0)) / 10.0;
  out.times_s = times;
  return out;
}

}  // namespace kiort
