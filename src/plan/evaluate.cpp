// Stage 4 of a plan: total doses, metrics, constraints, DVHs and the summary.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <optional>

#include "core/error.h"
#include "core/version.h"
#include "plan/applicator_volume.h"
#include "plan/stages.h"

namespace kiort {
namespace {

using ojson = nlohmann::ordered_json;

double sample(const Grid3& g, const std::vector<double>& v, const Vec3& x) {
  const auto ix = g.voxel_at(x);
  return ix ? v[g.linear(*ix)] : 0.0;
}

ojson or_null(const std::optional<double>& x) {
  return x ? ojson(*x) : ojson(nullptr);
}

// The metrics of one dose quantity: the target's, and an organ at risk's.
ojson target_metrics(const DoseStats& s, double rx_gy) {
  return {{"D90_gy", s.d_pct(90)},
          {"D98_gy", s.d_pct(98)},
          {"Dmean_gy", s.mean()},
          {"D2cc_gy", s.d_cc(2.0)},
          {"D0.1cc_gy", s.d_cc(0.1)},
          {"V100_pct", 100 * s.v_gy(rx_gy)},
          {"V150_pct", 100 * s.v_gy(1.5 * rx_gy)}};
}
ojson oar_metrics(const DoseStats& s) {
  return {{"Dmax_gy", s.max()},
          {"D0.1cc_gy", s.d_cc(0.1)},
          {"D0.03cc_gy", s.d_cc(0.03)},
          {"D2cc_gy", s.d_cc(2.0)},
          {"Dmean_gy", s.mean()}};
}

ojson point_json(const PointDose& d) {
  return {{"point_mm", {d.point.x, d.point.y, d.point.z}},
          {"medium", d.medium},
          {"dm_m_gy", or_null(d.dm_m_gy)},
          {"dw_m_gy", or_null(d.dw_m_gy)},
          {"dw_w_gy", d.dw_w_gy},
          {"sigma_rel", or_null(d.sigma_rel)},
          {"method", d.method}};
}

// The patient-grid index of a dose-grid voxel.
std::size_t patient_index(const PatientModel& p, const DoseBox& box, std::size_t v) {
  const Index3 d = box.grid.index3(v);
  return p.grid.linear(Index3{d.i + box.lo[0], d.j + box.lo[1], d.k + box.lo[2]});
}

}  // namespace

PointDose dose_at_point(const PlanContext& ctx, const DoseBasis& basis, const WaterEngine& water,
                        const PlanComputation& c, const Vec3& x) {
  const PatientModel& p = *ctx.patient;
  PointDose d;
  d.point = x;
  for (std::size_t i = 0; i < basis.dwells.size() && i < c.times_s.size(); ++i)
    d.dw_w_gy += c.times_s[i] * water.dose_rate_at(x, basis.dwells[i], basis.axes[i]) / 60.0;
  const auto pv = p.grid.voxel_at(x);
  const int medium = pv ? p.medium[p.grid.linear(*pv)] : -1;
  if (medium >= 0) d.medium = p.media_names[std::size_t(medium)];
  if (!basis.monte_carlo()) {
    d.method =
        "Dw,w: the water engine at the exact point; no Monte Carlo in this plan, so Dm,m and Dw,m "
        "are not known";
    return d;
  }
  const Grid3& g = c.dose_grid;
  // A voxel whose ratio may stand for the point's: of the point's medium, not touched by the
  // applicator, with water-engine dose.
  const auto usable = [&](std::size_t v) {
    const std::size_t pl = patient_index(p, basis.box, v);
    return medium >= 0 && p.medium[pl] == medium && !basis.box.applicator_mask[pl] &&
           c.dose_water_gy[v] > 0;
  };
  double wsum = 0, rm = 0, rwm = 0, sg = 0;
  for (const auto& [ix, w] : g.trilinear_neighbours(x)) {
    const std::size_t v = g.linear(ix);
    if (!usable(v)) continue;
    wsum += w;
    rm += w * c.dose_gy[v] / c.dose_water_gy[v];
    rwm += w * c.dose_water_medium_gy[v] / c.dose_water_gy[v];
    sg += w * c.sigma_rel[v];
  }
  if (wsum == 0) {
    d.method =
        "Dw,w: the water engine at the exact point; none of the 8 voxel centres around it holds "
        "the point's medium without the applicator, so Dm,m and Dw,m are not known there";
    return d;
  }
  d.dm_m_gy = d.dw_w_gy * rm / wsum;
  d.dw_m_gy = d.dw_w_gy * rwm / wsum;
  d.sigma_rel = sg / wsum;
  d.method =
      "Dw,w: the water engine at the exact point; Dm,m and Dw,m: Dw,w times the Monte Carlo's "
      "ratio to the water engine, interpolated trilinearly over the voxel centres around the "
      "point that hold its medium and no applicator";
  return d;
}

PlanComputation evaluate_plan(const Plan& plan, const PlanContext& ctx, const DoseBasis& basis,
                              const WaterEngine& water, const DwellTimes& dwell,
                              const SecondCheck& check, const std::string& file) {
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
  const PointDose at_rx = dose_at_point(ctx, basis, water, c, rx_point);
  std::optional<Vec3> rx_voxel;
  if (const auto ix = c.dose_grid.voxel_at(rx_point)) rx_voxel = c.dose_grid.position(*ix);
  const bool mc = basis.monte_carlo();
  // Which quantity the prescription sets: a point prescription's time comes from the
  // calibration (dose to water in water); a coverage prescription optimises the plan's engine.
  const std::string quantity = rx.kind == "point" || !mc ? "dw_w" : "dm_m";
  s["prescription"] = {
      {"kind", rx.kind},
      {"dose_gy", rx.dose_gy},
      {"depth_mm", rx.depth_mm},
      {"from", !rx.from ? "applicator surface (report point; a coverage prescription names none)"
               : *rx.from == DepthConvention::kSourceCentre ? "source centre"
                                                            : "applicator surface"},
      {"point_mm", {rx_point.x, rx_point.y, rx_point.z}},
      {"calibration_rate_gy_per_min", dwell.calibration_rate_gy_per_min},
      {"quantity", quantity},
      {"quantity_text",
       rx.kind == "point"
           ? "Dw,w: dose to water in water at the point, as the probe's calibration states it"
           : (mc ? "Dm,m: the Monte Carlo's dose to medium in medium over the target"
                 : "Dw,w: the water engine's dose to water in water over the target")},
      {"dose_at_point",
       {{"dm_m_gy", or_null(at_rx.dm_m_gy)},
        {"dw_m_gy", or_null(at_rx.dw_m_gy)},
        {"dw_w_gy", at_rx.dw_w_gy},
        {"sigma_rel", or_null(at_rx.sigma_rel)},
        {"medium", at_rx.medium},
        {"method", at_rx.method}}},
      {"dose_at_point_water_engine_gy", at_rx.dw_w_gy},
      // The flat keys of before, for readers that want a number: the point's value, or the
      // voxel's where the point has none (dose_at_point says null there).
      {"dose_at_point_medium_gy",
       mc ? at_rx.dm_m_gy.value_or(sample(c.dose_grid, c.dose_gy, rx_point)) : at_rx.dw_w_gy},
      {"sigma_at_point_rel", at_rx.sigma_rel.value_or(sample(c.dose_grid, c.sigma_rel, rx_point))},
      {"nearest_voxel",
       {{"note", "the dose grid's voxel that contains the point (before issue 16 the only value)"},
        {"centre_mm", rx_voxel ? ojson({rx_voxel->x, rx_voxel->y, rx_voxel->z}) : ojson(nullptr)},
        {"dm_m_gy", mc ? ojson(sample(c.dose_grid, c.dose_gy, rx_point)) : ojson(nullptr)},
        {"dw_w_gy", sample(c.dose_grid, c.dose_water_gy, rx_point)}}},
      {"citation", rx.citation}};
  if (!plan.rationale.empty())  // the evidence the prescription rests on, as plan.json links it
    s["rationale"] = rationale_json(plan.rationale);
  auto metrics_of = [&](const Structure& st, const std::vector<double>& dose) {
    return dose_stats(structure_doses(p, st, basis.box, dose), voxel_cc);
  };
  // TG-186's three quantities side by side (null where this plan has none): Dm,m and Dw,m from
  // the Monte Carlo, Dw,w from the water engine.
  struct Quantity {
    const char* key;
    const std::vector<double>* dose;
  };
  const std::vector<Quantity> quantities{{"dm_m", mc ? &c.dose_gy : nullptr},
                                         {"dw_m", mc ? &c.dose_water_medium_gy : nullptr},
                                         {"dw_w", &c.dose_water_gy}};
  const DoseStats ts = metrics_of(target, c.dose_gy), tw = metrics_of(target, c.dose_water_gy);
  s["target"] = {{"name", target.name},
                 {"volume_cc", ts.volume_cc()},
                 {"D90_gy", ts.d_pct(90)},
                 {"D98_gy", ts.d_pct(98)},
                 {"Dmean_gy", ts.mean()},
                 {"D2cc_gy", ts.d_cc(2.0)},
                 {"D0.1cc_gy", ts.d_cc(0.1)},
                 {"V100_pct", 100 * ts.v_gy(rx.dose_gy)},
                 {"V150_pct", 100 * ts.v_gy(1.5 * rx.dose_gy)},
                 {"water_engine",
                  {{"D90_gy", tw.d_pct(90)},
                   {"Dmean_gy", tw.mean()},
                   {"V100_pct", 100 * tw.v_gy(rx.dose_gy)}}}};
  for (const Quantity& q : quantities)
    s["target"][q.key] =
        q.dose ? target_metrics(metrics_of(target, *q.dose), rx.dose_gy) : ojson(nullptr);
  if (const Structure* cord = find_cord(p)) {
    const DoseStats cs = metrics_of(*cord, c.dose_gy), cw = metrics_of(*cord, c.dose_water_gy);
    s["cord"] = {{"name", cord->name},
                 {"Dmax_gy", cs.max()},
                 {"D0.1cc_gy", cs.d_cc(0.1)},
                 {"D0.03cc_gy", cs.d_cc(0.03)},
                 {"water_engine", {{"Dmax_gy", cw.max()}}}};
    for (const Quantity& q : quantities)
      s["cord"][q.key] = q.dose ? oar_metrics(metrics_of(*cord, *q.dose)) : ojson(nullptr);
  } else {
    s["cord"] = nullptr;
  }
  if (const Structure* canal = find_canal(p)) {
    // The canal's anterior wall: canal voxels whose anterior neighbour (-y in LPS) is not canal.
    const auto wall_of = [&](const std::vector<double>& dose) {
      double wall = 0;
      for (std::size_t v = 0; v < canal->mask.size(); ++v) {
        if (!canal->mask[v]) continue;
        const Vec3 x = p.grid.position(p.grid.index3(v));
        const Vec3 front = x - Vec3{0, p.grid.spacing().y, 0};
        if (mask_at(p, canal, front)) continue;
        wall = std::max(wall, sample(c.dose_grid, dose, x));
      }
      return wall;
    };
    const DoseStats cs = metrics_of(*canal, c.dose_gy);
    s["canal"] = {{"name", canal->name},         {"origin", std::string(to_string(canal->origin))},
                  {"Dmax_gy", cs.max()},         {"D0.1cc_gy", cs.d_cc(0.1)},
                  {"D0.03cc_gy", cs.d_cc(0.03)}, {"anterior_wall_Dmax_gy", wall_of(c.dose_gy)}};
    for (const Quantity& q : quantities) {
      if (!q.dose) {
        s["canal"][q.key] = nullptr;
        continue;
      }
      ojson m = oar_metrics(metrics_of(*canal, *q.dose));
      m["anterior_wall_Dmax_gy"] = wall_of(*q.dose);
      s["canal"][q.key] = m;
    }
  } else {
    s["canal"] = nullptr;
  }
  // Per medium, for the target and the vertebral body: each medium's mean Dm,m, Dw,m and Dw,w
  // over its voxels (those the applicator does not touch, inside the dose grid), as ratios. One
  // ratio over several media would say nothing true of any of them.
  {
    ojson ratios = ojson::array();
    std::vector<const Structure*> over{&target};
    if (const Structure* vb = p.find("VB_" + plan.level); vb && vb != &target) over.push_back(vb);
    for (const Structure* st : over) {
      struct Sums {
        std::size_t n = 0;
        double dm_m = 0, dw_m = 0, dw_w = 0;
      };
      std::map<int, Sums> by_medium;
      for (std::size_t v : structure_rows(p, *st, basis.box)) {
        Sums& x = by_medium[p.medium[patient_index(p, basis.box, v)]];
        ++x.n;
        x.dw_w += c.dose_water_gy[v];
        if (mc) {
          x.dm_m += c.dose_gy[v];
          x.dw_m += c.dose_water_medium_gy[v];
        }
      }
      const auto ratio = [&](double a, double b) {
        return mc && b > 0 ? ojson(a / b) : ojson(nullptr);
      };
      for (const auto& [m, x] : by_medium)
        ratios.push_back({{"structure", st->name},
                          {"medium", m >= 0 ? p.media_names[std::size_t(m)] : "vacuum"},
                          {"voxels", x.n},
                          {"dm_m_over_dw_w", ratio(x.dm_m, x.dw_w)},
                          {"dw_m_over_dw_w", ratio(x.dw_m, x.dw_w)},
                          {"dm_m_over_dw_m", ratio(x.dm_m, x.dw_m)}});
    }
    s["media_ratios"] = ratios;
  }
  // Doses next to the applicator, perpendicular to the first dwell position's axis towards the
  // prescription point, evaluated at the point as the prescription's is.
  const double ra = ctx.source->model.surface_radius_mm();
  {
    const Vec3 dir = prescription_direction(basis.axes.front());
    ojson near = ojson::array();
    for (double from_surface : {0.0, 1.0, 2.0, 5.0}) {
      // "0 mm": tissue in contact, 0.05 mm out (the water engine is 0 inside the applicator).
      const double r = ra + std::max(from_surface, 0.05);
      ojson e = point_json(dose_at_point(ctx, basis, water, c, basis.dwells.front() + dir * r));
      e["from_surface_mm"] = from_surface;
      e["r_from_centre_mm"] = r;
      near.push_back(e);
    }
    s["near_applicator"] = near;
  }
  // Voxels the applicator touches, left out of every DVH and metric (applicator_volume.h).
  {
    std::size_t touched = 0, centre_outside = 0;
    double tissue_cc = 0;
    const auto& f = basis.box.applicator_fraction;
    for (std::size_t v = 0; v < f.size(); ++v)
      if (f[v] > 0) {
        ++touched;
        tissue_cc += (1.0 - f[v]) * voxel_cc;
        const Vec3 x = p.grid.position(p.grid.index3(v));
        bool centre_in = false;
        for (const auto& a : plan.accesses) centre_in = centre_in || inside_applicator(a, ra, x);
        if (!centre_in) ++centre_outside;
      }
    s["applicator_voxels"] = {
        {"rule",
         "every voxel the applicator touches (fraction inside > 0, 4 x 4 x 4 sub-points) is left "
         "out of DVHs and metrics: the Monte Carlo scores such a voxel in its tissue part only but "
         "divides by its full mass"},
        {"voxels_left_out", touched},
        {"voxels_left_out_with_centre_outside", centre_outside},
        {"tissue_left_out_cc", tissue_cc}};
  }
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
  s["mc_sigma_rel"] = mc ? or_null(at_rx.sigma_rel) : ojson(nullptr);
  s["mc_histories"] = c.histories;
  s["mc_method"] = mc ? ojson(monte_carlo_method()) : ojson(nullptr);
  s["dose_grid"] = {
      {"dims", c.dose_grid.dims()},
      {"spacing_mm", {c.dose_grid.spacing().x, c.dose_grid.spacing().y, c.dose_grid.spacing().z}}};
  s["software"] = std::string("kiort ") + version() + " (" + git_commit() + ")";
  c.goals_met = met;

  // DVHs for every structure in each quantity the plan has, each to its own maximum: steps of
  // 1/500 of three times the prescription up to that dose, then of 1 %.
  const double fine = 3.0 * rx.dose_gy, bin = std::max(0.01, fine / 500.0);
  for (const auto& st : p.structures) {
    if (st.voxel_count() == 0) continue;
    c.dvh_primary.push_back(cumulative_dvh_to_max(st.name, metrics_of(st, c.dose_gy), bin, fine));
    c.dvh_water.push_back(
        cumulative_dvh_to_max(st.name, metrics_of(st, c.dose_water_gy), bin, fine));
    if (mc)
      c.dvh_water_medium.push_back(
          cumulative_dvh_to_max(st.name, metrics_of(st, c.dose_water_medium_gy), bin, fine));
  }
  c.summary = s;
  return c;
}

}  // namespace kiort
