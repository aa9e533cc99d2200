// Stage 4 of a plan: total doses, metrics, constraints, DVHs and the summary.
#include <chrono>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/version.h"
#include "plan/stages.h"

namespace kiort {
namespace {

using ojson = nlohmann::ordered_json;

double sample(const Grid3& g, const std::vector<double>& v, const Vec3& x) {
  const auto ix = g.voxel_at(x);
  return ix ? v[g.linear(*ix)] : 0.0;
}

}  // namespace

PlanComputation evaluate_plan(const Plan& plan, const PlanContext& ctx, const DoseBasis& basis,
                              const WaterEngine& water, const DwellTimes& dwell,
                              const SecondCheck& check, const std::string& file) {
  (void)water;
  const PatientModel& p = *ctx.patient;
  const Prescription& rx = plan.prescription;
  const std::vector<double>& times = dwell.times_s;
  const std::size_t n = basis.dwells.size();
  PlanComputation c;
  c.dose_grid = basis.box.grid;
  c.lo = basis.box.lo;
  c.hi = basis.box.hi;
  c.applicator_mask = basis.box.applicator_mask;
  c.histories = basis.histories;
  const std::size_t nv = c.dose_grid.voxel_count();
  c.times_s = times;
  c.dose_gy = total_dose(basis.primary, times);
  c.dose_water_gy = total_dose(basis.water, times);
  if (basis.monte_carlo()) c.dose_water_medium_gy = total_dose(basis.water_in_medium, times);
  c.sigma_rel.assign(nv, 0.0);
  for (std::size_t v = 0; v < nv; ++v) {
    double var = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = times[i] * basis.primary[i][v] * basis.sigma[i][v];
      var += x * x;
    }
    c.sigma_rel[v] = c.dose_gy[v] > 0 ? std::sqrt(var) / c.dose_gy[v] : 0.0;
  }

  const Structure& target = need_structure(p, plan.target, file, "target");
  const Structure* oar = rx.oar.empty() ? find_cord(p) : p.find(rx.oar);
  const double voxel_cc = p.grid.voxel_volume_mm3() / 1000.0;
  auto oar_metric = [&](const DoseStats& s) {
    return rx.oar_metric == "Dmax" ? s.max() : s.d_cc(rx.oar_metric == "D0.03cc" ? 0.03 : 0.1);
  };
  const Vec3 rx_point = prescription_point(plan, ctx, basis.dwells.front(), basis.axes.front());
  std::vector<std::string> messages;

  ojson s;
  s["plan_id"] = plan.id;
  s["approval"] = plan.approval.approved ? "approved" : "draft (not approved)";
  s["engine"] = plan.engine.engine == "mc" ? "monte-carlo (dose to medium)"
                                           : "water (TG-43 style, dose to water in water)";
  s["dwell_positions_mm"] = ojson::array();
  for (const Vec3& d : basis.dwells) s["dwell_positions_mm"].push_back({d.x, d.y, d.z});
  s["dwell_times_s"] = times;
  s["total_time_s"] = std::accumulate(times.begin(), times.end(), 0.0);
  const double dose_at_point_water = sample(c.dose_grid, c.dose_water_gy, rx_point);
  s["prescription"] = {
      {"kind", rx.kind},
      {"dose_gy", rx.dose_gy},
      {"depth_mm", rx.depth_mm},
      {"from", !rx.from ? "applicator surface (report point; a coverage prescription names none)"
               : *rx.from == DepthConvention::kSourceCentre ? "source centre"
                                                            : "applicator surface"},
      {"point_mm", {rx_point.x, rx_point.y, rx_point.z}},
      {"calibration_rate_gy_per_min", dwell.calibration_rate_gy_per_min},
      {"dose_at_point_water_engine_gy", dose_at_point_water},
      {"dose_at_point_medium_gy", sample(c.dose_grid, c.dose_gy, rx_point)},
      {"sigma_at_point_rel", sample(c.dose_grid, c.sigma_rel, rx_point)},
      {"citation", rx.citation}};
  auto metrics_of = [&](const Structure& st, const std::vector<double>& dose) {
    return dose_stats(structure_doses(p, st, basis.box, dose), voxel_cc);
  };
  const DoseStats ts = metrics_of(target, c.dose_gy), tw = metrics_of(target, c.dose_water_gy);
  s["target"] = {{"name", target.name},
                 {"volume_cc", ts.volume_cc()},
                 {"D90_gy", ts.d_pct(90)},
                 {"D98_gy", ts.d_pct(98)},
                 {"Dmean_gy", ts.mean()},
                 {"V100_pct", 100 * ts.v_gy(rx.dose_gy)},
                 {"V150_pct", 100 * ts.v_gy(1.5 * rx.dose_gy)},
                 {"water_engine",
                  {{"D90_gy", tw.d_pct(90)},
                   {"Dmean_gy", tw.mean()},
                   {"V100_pct", 100 * tw.v_gy(rx.dose_gy)}}}};
  if (const Structure* cord = find_cord(p)) {
    const DoseStats cs = metrics_of(*cord, c.dose_gy), cw = metrics_of(*cord, c.dose_water_gy);
    s["cord"] = {{"name", cord->name},
                 {"Dmax_gy", cs.max()},
                 {"D0.1cc_gy", cs.d_cc(0.1)},
                 {"D0.03cc_gy", cs.d_cc(0.03)},
                 {"water_engine", {{"Dmax_gy", cw.max()}}}};
  } else {
    s["cord"] = nullptr;
  }
  if (const Structure* canal = find_canal(p)) {
    const DoseStats cs = metrics_of(*canal, c.dose_gy);
    // The canal's anterior wall: canal voxels whose anterior neighbour (-y in LPS) is not canal.
    double wall = 0;
    for (std::size_t v = 0; v < canal->mask.size(); ++v) {
      if (!canal->mask[v]) continue;
      const Vec3 x = p.grid.position(p.grid.index3(v));
      const Vec3 front = x - Vec3{0, p.grid.spacing().y, 0};
      if (mask_at(p, canal, front)) continue;
      wall = std::max(wall, sample(c.dose_grid, c.dose_gy, x));
    }
    s["canal"] = {{"name", canal->name},         {"origin", std::string(to_string(canal->origin))},
                  {"Dmax_gy", cs.max()},         {"D0.1cc_gy", cs.d_cc(0.1)},
                  {"D0.03cc_gy", cs.d_cc(0.03)}, {"anterior_wall_Dmax_gy", wall}};
  } else {
    s["canal"] = nullptr;
  }
  // Bone-to-water: the vertebral body's mean dose to medium over its mean dose to water (water
  // engine) for the same times.
  const Structure* vb = p.find("VB_" + plan.level);
  if (!vb) vb = &target;
  const DoseStats vbm = metrics_of(*vb, c.dose_gy), vbw = metrics_of(*vb, c.dose_water_gy);
  s["bone_water_ratio"] = plan.engine.engine == "mc" && vbw.mean() > 0
                              ? ojson(vbm.mean() / vbw.mean())
                              : ojson(nullptr);
  s["bone_water_ratio_structure"] = vb->name;
  s["second_check"] = check.json;
  if (check.flagged)
    messages.push_back("SECOND CHECK FLAGGED: water engine and calibration differ by " +
                       std::to_string(100 * check.deviation) + " %");
  // Constraints.
  ojson cons = ojson::array();
  bool met = true;
  if (rx.kind == "coverage") {
    const double cov = ts.d_pct(rx.coverage_pct);
    const bool ok = cov >= rx.dose_gy * (1 - 1e-3);
    met = met && ok;
    cons.push_back({{"name", target.name + " D" + std::to_string(int(rx.coverage_pct)) +
                                 " >= " + std::to_string(rx.dose_gy).substr(0, 4) + " Gy"},
                    {"value_gy", cov},
                    {"limit_gy", rx.dose_gy},
                    {"pass", ok}});
    if (!ok)
      messages.push_back("goal not met: target D" + std::to_string(int(rx.coverage_pct)) + " = " +
                         std::to_string(cov) + " Gy < " + std::to_string(rx.dose_gy) +
                         " Gy with the organ at risk at its limit (best compromise shown)");
  }
  if (oar && rx.oar_limit_gy > 0) {
    const double v = oar_metric(metrics_of(*oar, c.dose_gy));
    const bool ok = v <= rx.oar_limit_gy * (1 + 1e-3);
    met = met && ok;
    cons.push_back({{"name", oar->name + " " + rx.oar_metric +
                                 " <= " + std::to_string(rx.oar_limit_gy).substr(0, 4) + " Gy"},
                    {"value_gy", v},
                    {"limit_gy", rx.oar_limit_gy},
                    {"pass", ok}});
    if (!ok)
      messages.push_back("goal not met: " + oar->name + " " + rx.oar_metric + " = " +
                         std::to_string(v) + " Gy > limit");
  }
  s["constraints"] = cons;
  s["goals_met"] = met;
  // What the patient model says every output must carry (e.g. a structure set read on another
  // Frame of Reference by the user's override).
  for (const std::string& w : p.output_warnings) messages.push_back("WARNING: " + w);
  s["messages"] = messages;
  s["mc_sigma_rel"] = plan.engine.engine == "mc" ? ojson(sample(c.dose_grid, c.sigma_rel, rx_point))
                                                 : ojson(nullptr);
  s["mc_histories"] = c.histories;
  s["dose_grid"] = {
      {"dims", c.dose_grid.dims()},
      {"spacing_mm", {c.dose_grid.spacing().x, c.dose_grid.spacing().y, c.dose_grid.spacing().z}}};
  s["software"] = std::string("kiort ") + version() + " (" + git_commit() + ")";
  c.goals_met = met;

  // DVHs for every structure, both engines.
  double dmax = 0;
  for (double x : c.dose_gy) dmax = std::max(dmax, x);
  const double cap = std::min(dmax, 3.0 * rx.dose_gy);
  const double bin = std::max(0.01, cap / 500.0);
  for (const auto& st : p.structures) {
    if (st.voxel_count() == 0) continue;
    c.dvh_primary.push_back(cumulative_dvh(st.name, metrics_of(st, c.dose_gy), bin, cap));
    c.dvh_water.push_back(cumulative_dvh(st.name, metrics_of(st, c.dose_water_gy), bin, cap));
  }
  c.summary = s;
  return c;
}

}  // namespace kiort
