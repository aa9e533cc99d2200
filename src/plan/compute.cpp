#include "plan/compute.h"

#include <fcntl.h>
#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/nrrd.h"
#include "core/read_file.h"
#include "core/version.h"
#include "dose/water_engine.h"
#include "geometry/geometry.h"
#include "source/probe.h"
#include "transport/transport.h"

namespace kiort {
namespace {

using ojson = nlohmann::ordered_json;

Vec3 centroid(const PatientModel& p, const std::vector<std::uint8_t>& mask) {
  Vec3 sum{0, 0, 0};
  std::size_t n = 0;
  for (std::size_t v = 0; v < mask.size(); ++v)
    if (mask[v]) {
      sum = sum + p.grid.position(p.grid.index3(v));
      ++n;
    }
  if (n == 0) throw Error::bad_input("empty structure");
  return sum * (1.0 / double(n));
}

const Structure& need_structure(const PatientModel& p, const std::string& name,
                                const std::string& file, const std::string& field) {
  const Structure* s = p.find(name);
  if (!s || s->voxel_count() == 0) {
    std::string have;
    for (const auto& x : p.structures) have += (have.empty() ? "" : ", ") + x.name;
    throw Error::bad_input("no such structure in the patient model")
        .file(file)
        .field(field)
        .seen(name)
        .expected("one of: " + have);
  }
  return *s;
}

bool mask_at(const PatientModel& p, const Structure* s, const Vec3& x) {
  if (!s) return false;
  const auto ix = p.grid.voxel_at(x);
  return ix && s->mask[p.grid.linear(*ix)] != 0;
}

double perpendicular_depth_from_centre(const Plan& plan, const CommissionedSource& s) {
  return plan.prescription.depth_mm + (plan.prescription.from == DepthConvention::kApplicatorSurface
                                           ? s.model.surface_radius_mm()
                                           : 0.0);
}

// Calibration dose rate (Gy/min) at the prescription depth, in the table's own convention.
double calibration_rate(const Plan& plan, const CommissionedSource& s, const std::string& file) {
  const double r = perpendicular_depth_from_centre(plan, s);
  const double d = s.calibration.convention == DepthConvention::kApplicatorSurface
                       ? r - s.model.surface_radius_mm()
                       : r;
  try {
    return s.calibration.dose_rate_at(d);
  } catch (const Error& e) {
    throw Error::bad_input("prescription depth outside the probe's calibration table")
        .file(file)
        .field("prescription.depth_mm")
        .seen(std::to_string(plan.prescription.depth_mm))
        .expected(std::string("a depth the calibration covers (") + e.what() + ")");
  }
}

}  // namespace

const Structure* find_canal(const PatientModel& p) {
  for (const char* n : {"SpinalCanal", "SpinalCanal (derived)", "Canal"})
    if (const Structure* s = p.find(n)) return s;
  return nullptr;
}

const Structure* find_cord(const PatientModel& p) {
  for (const char* n : {"SpinalCord", "CaudaEquina", "Cord"})
    if (const Structure* s = p.find(n)) return s;
  return find_canal(p);
}

Access propose_access(const PatientModel& p, const std::string& target, const std::string& side,
                      bool bilateral, int dwell_count, double dwell_step_mm) {
  if (side != "left" && side != "right")
    throw Error::bad_input("unknown access side")
        .field("--access")
        .seen(side)
        .expected("left, right or bilateral");
  const Structure& t = need_structure(p, target, p.source, "target");
  const Vec3 tc = centroid(p, t.mask);
  const double sign = side == "left" ? 1.0 : -1.0;  // LPS: +x is the patient's left
  Vec3 pedicle;
  if (const Structure* ped = p.find(side == "left" ? "Pedicle_L" : "Pedicle_R");
      ped && ped->voxel_count() > 0) {
    pedicle = centroid(p, ped->mask);
  } else {
    // Arch voxels of the vertebra's label that lie posterior to the body, within 15 mm of it, on
    // this side of the midline: the pedicle's root.
    const Structure* vert = nullptr;
    for (const auto& s : p.structures)
      if (s.name.rfind("vertebrae_", 0) == 0 || s.name.rfind("Vertebra_", 0) == 0) {
        std::size_t overlap = 0;
        for (std::size_t v = 0; v < s.mask.size(); v += 1)
          if (s.mask[v] && t.mask[v]) ++overlap;
        if (overlap * 2 > t.voxel_count()) vert = &s;
      }
    if (!vert)
      throw Error::bad_input(
          "no pedicle structure and no vertebra label around the target to find one")
          .field("target")
          .seen(target)
          .expected(
              "structures Pedicle_L/Pedicle_R, a vertebra label (vertebrae_L1, ...), or --entry "
              "and --tip");
    double body_post = -1e9;
    for (std::size_t v = 0; v < t.mask.size(); ++v)
      if (t.mask[v]) body_post = std::max(body_post, p.grid.position(p.grid.index3(v)).y);
    Vec3 sum{0, 0, 0};
    std::size_t n = 0;
    for (std::size_t v = 0; v < vert->mask.size(); ++v) {
      if (!vert->mask[v] || t.mask[v]) continue;
      const Vec3 x = p.grid.position(p.grid.index3(v));
      if (x.y > body_post && x.y < body_post + 15 && sign * (x.x - tc.x) > 5 &&
          std::abs(x.z - tc.z) < 8) {
        sum = sum + x;
        ++n;
      }
    }
    if (n < 3)
      throw Error::bad_input("could not find the pedicle on this side")
          .field("--access")
          .seen(side)
          .expected("--entry and --tip");
    pedicle = sum * (1.0 / double(n));
  }
  Vec3 dir = normalized(tc - pedicle);
  Access a;
  a.name = side;
  a.automatic = true;
  // Several dwell positions are centred on the target along the path: the tip goes beyond the
  // centroid by half the train, so the pull-back does not end next to the canal.
  Vec3 tip = tc + dir * (0.5 * (dwell_count - 1) * dwell_step_mm);
  if (bilateral) {
    // Each side treats its half: stop 4 mm short of the sagittal plane through the target's
    // centroid.
    const double x_stop = tc.x + sign * 4.0;
    if (std::abs(dir.x) > 1e-6) tip = pedicle + dir * std::max(5.0, (x_stop - pedicle.x) / dir.x);
  }
  a.tip_lps = tip;
  a.entry_lps = pedicle - dir * 45.0;  // 45 mm behind the pedicle: through the back muscles
  a.dwell_count = dwell_count;
  a.dwell_step_mm = dwell_step_mm;
  return a;
}

Vec3 prescription_point(const Plan& plan, const PlanContext& ctx, const Vec3& dwell,
                        const Vec3& axis) {
  Vec3 a{0, -1, 0};  // anterior in LPS: into the vertebral body, away from the canal
  Vec3 perp = a - axis * dot(a, axis);
  if (norm(perp) < 1e-6) perp = Vec3{1, 0, 0} - axis * axis.x;
  perp = normalized(perp);
  return dwell + perp * perpendicular_depth_from_centre(plan, *ctx.source);
}

void check_plan(const Plan& plan, const PlanContext& ctx, const std::string& file) {
  const PatientModel& p = *ctx.patient;
  need_structure(p, plan.target, file, "target");
  if (plan.prescription.kind == "coverage" && plan.prescription.oar_limit_gy > 0 &&
      !plan.prescription.oar.empty())
    need_structure(p, plan.prescription.oar, file, "prescription.oar");
  if (plan.prescription.kind == "point" && plan.dwell_count() != 1)
    throw Error::bad_input("a point prescription takes one dwell position")
        .file(file)
        .field("accesses")
        .seen(std::to_string(plan.dwell_count()) + " dwell positions")
        .expected("1, or a coverage prescription for several");
  const Structure* canal = find_canal(p);
  const Structure* cord = find_cord(p);
  const double radius = ctx.source->model.surface_radius_mm();
  for (std::size_t i = 0; i < plan.accesses.size(); ++i) {
    const Access& a = plan.accesses[i];
    const std::string f = "accesses[" + std::to_string(i) + "]";
    const Vec3 ax = a.axis();
    for (const Vec3& d : a.dwell_positions())
      if (!p.grid.contains(d))
        throw Error::bad_input("dwell position (tip) outside the CT")
            .file(file)
            .field(f + ".tip_mm")
            .seen(std::to_string(d.x) + "," + std::to_string(d.y) + "," + std::to_string(d.z))
            .expected("a point inside the CT's extent");
    // The needle from entry to tip, its axis and four points on its surface, every 0.5 mm.
    const auto [e1, e2] = perpendiculars(ax);
    const double len = norm(a.tip_lps - a.entry_lps);
    for (double s = 0; s <= len; s += 0.5)
      for (const Vec3& off :
           {Vec3{0, 0, 0}, e1 * radius, e1 * -radius, e2 * radius, e2 * -radius}) {
        const Vec3 x = a.entry_lps + ax * s + off;
        if (mask_at(p, canal, x) || mask_at(p, cord, x))
          throw Error::bad_input("the needle's path crosses the spinal canal")
              .file(file)
              .field(f)
              .seen("at " + std::to_string(x.x) + "," + std::to_string(x.y) + "," +
                    std::to_string(x.z) + " mm (LPS)")
              .expected("a transpedicular path lateral of the canal");
      }
    if (plan.prescription.kind == "point") {
      const Vec3 q = prescription_point(plan, ctx, a.dwell_positions().front(), ax);
      if (!p.grid.contains(q))
        throw Error::bad_input("prescription point beyond the CT grid")
            .file(file)
            .field("prescription.depth_mm")
            .seen(std::to_string(plan.prescription.depth_mm))
            .expected("a depth whose point lies inside the CT");
    }
  }
  calibration_rate(plan, *ctx.source, file);
}

std::vector<double> nnls(const std::vector<double>& a, std::size_t rows, std::size_t cols,
                         const std::vector<double>& b) {
  Eigen::Map<const Eigen::MatrixXd> A(a.data(), Eigen::Index(rows), Eigen::Index(cols));
  Eigen::Map<const Eigen::VectorXd> B(b.data(), Eigen::Index(rows));
  const Eigen::MatrixXd Q = A.transpose() * A;
  const Eigen::VectorXd c = A.transpose() * B;
  const Eigen::Index n = Eigen::Index(cols);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(cols, false);
  const double tol = 1e-12 * std::max(1.0, c.cwiseAbs().maxCoeff());
  for (int outer = 0; outer < 3 * int(cols) + 10; ++outer) {
    const Eigen::VectorXd w = c - Q * x;
    Eigen::Index j = -1;
    double best = tol;
    for (Eigen::Index k = 0; k < n; ++k)
      if (!passive[std::size_t(k)] && w[k] > best) {
        best = w[k];
        j = k;
      }
    if (j < 0) break;
    passive[std::size_t(j)] = true;
    for (int inner = 0; inner < 3 * int(cols) + 10; ++inner) {
      std::vector<Eigen::Index> P;
      for (Eigen::Index k = 0; k < n; ++k)
        if (passive[std::size_t(k)]) P.push_back(k);
      Eigen::MatrixXd Qp(P.size(), P.size());
      Eigen::VectorXd cp(P.size());
      for (std::size_t r = 0; r < P.size(); ++r) {
        cp[Eigen::Index(r)] = c[P[r]];
        for (std::size_t s = 0; s < P.size(); ++s)
          Qp(Eigen::Index(r), Eigen::Index(s)) = Q(P[r], P[s]);
      }
      const Eigen::VectorXd sp = Qp.ldlt().solve(cp);
      Eigen::VectorXd z = Eigen::VectorXd::Zero(n);
      for (std::size_t r = 0; r < P.size(); ++r) z[P[r]] = sp[Eigen::Index(r)];
      bool feasible = true;
      for (Eigen::Index k : P) feasible = feasible && z[k] > 0;
      if (feasible) {
        x = z;
        break;
      }
      double alpha = 1.0;
      for (Eigen::Index k : P)
        if (z[k] <= 0) alpha = std::min(alpha, x[k] / (x[k] - z[k]));
      x = x + alpha * (z - x);
      for (Eigen::Index k : P)
        if (x[k] <= 1e-14) {
          passive[std::size_t(k)] = false;
          x[k] = 0;
        }
    }
  }
  return std::vector<double>(x.data(), x.data() + n);
}

namespace {

struct Basis {
  std::vector<std::vector<float>> primary, water;   // Gy/s per voxel of the dose grid
  std::vector<std::vector<float>> sigma;            // relative, MC only
  std::vector<std::vector<float>> water_in_medium;  // Dw,m (Gy/s), MC only
  std::uint64_t histories = 0;
  double achieved_sigma = 0;
};

double sample(const Grid3& g, const std::vector<double>& v, const Vec3& x) {
  const auto ix = g.voxel_at(x);
  return ix ? v[g.linear(*ix)] : 0.0;
}

// Calls visit(dose-grid index, or -1 outside the dose grid) for each voxel of a structure's mask
// that the applicator does not occupy, in the patient grid's order.
template <typename Visit>
void for_each_structure_voxel(const PatientModel& p, const Structure& s, const PlanComputation& c,
                              Visit visit) {
  const auto& occupied = c.applicator_mask;
  const auto& d = p.grid.dims();
  const auto& cd = c.dose_grid.dims();
  for (std::size_t v = 0; v < s.mask.size(); ++v) {
    if (!s.mask[v] || (!occupied.empty() && occupied[v])) continue;
    const std::size_t i = v % std::size_t(d[0]), j = (v / std::size_t(d[0])) % std::size_t(d[1]),
                      k = v / (std::size_t(d[0]) * std::size_t(d[1]));
    if (int(i) < c.lo[0] || int(i) >= c.hi[0] || int(j) < c.lo[1] || int(j) >= c.hi[1] ||
        int(k) < c.lo[2] || int(k) >= c.hi[2]) {
      visit(std::int64_t(-1));
      continue;
    }
    visit(std::int64_t((i - std::size_t(c.lo[0])) +
                       std::size_t(cd[0]) * ((j - std::size_t(c.lo[1])) +
                                             std::size_t(cd[1]) * (k - std::size_t(c.lo[2])))));
  }
}

// The doses of a structure's voxels (zero outside the dose grid).
std::vector<double> structure_doses(const PatientModel& p, const Structure& s,
                                    const PlanComputation& c, const std::vector<double>& dose) {
  std::vector<double> out;
  for_each_structure_voxel(
      p, s, c, [&](std::int64_t li) { out.push_back(li < 0 ? 0.0 : dose[std::size_t(li)]); });
  return out;
}

// Dose-grid indices of a structure's voxels inside the dose grid.
std::vector<std::size_t> structure_rows(const PatientModel& p, const Structure& s,
                                        const PlanComputation& c) {
  std::vector<std::size_t> out;
  for_each_structure_voxel(p, s, c, [&](std::int64_t li) {
    if (li >= 0) out.push_back(std::size_t(li));
  });
  return out;
}

}  // namespace

PlanComputation compute_plan(Plan& plan, const PlanContext& ctx, const std::string& file) {
  require_editable(plan, file);
  check_plan(plan, ctx, file);
  const auto t0 = std::chrono::steady_clock::now();
  const PatientModel& p = *ctx.patient;
  const CommissionedSource& src = *ctx.source;
  PlanComputation c;

  // Dwell positions and axes, accesses in order.
  std::vector<Vec3> dwells, axes;
  for (const auto& a : plan.accesses)
    for (const Vec3& d : a.dwell_positions()) {
      dwells.push_back(d);
      axes.push_back(a.axis());
    }
  const std::size_t n = dwells.size();

  // The dose grid: the box of the patient grid within margin_mm of any dwell position.
  const auto& dims = p.grid.dims();
  std::array<int, 3> lo{dims[0], dims[1], dims[2]}, hi{0, 0, 0};
  for (const Vec3& d : dwells) {
    const Vec3 ci = p.grid.continuous_index(d);
    for (int ax = 0; ax < 3; ++ax) {
      const double reach = plan.engine.margin_mm / p.grid.spacing()[ax];
      lo[std::size_t(ax)] =
          std::min(lo[std::size_t(ax)], std::max(0, int(std::floor(ci[ax] - reach))));
      hi[std::size_t(ax)] = std::max(
          hi[std::size_t(ax)], std::min(dims[std::size_t(ax)], int(std::ceil(ci[ax] + reach)) + 1));
    }
  }
  c.lo = lo;
  c.hi = hi;
  const Vec3 origin = p.grid.position(Index3{lo[0], lo[1], lo[2]});
  c.dose_grid = Grid3({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]}, p.grid.spacing(), origin,
                      p.grid.direction());
  const std::size_t nv = c.dose_grid.voxel_count();
  // Voxels the applicator occupies hold no tissue while the probe irradiates: they are left out
  // of every structure's DVH (their centre within the applicator's radius of a needle path).
  const double ra = src.model.surface_radius_mm();
  c.applicator_mask.assign(p.grid.voxel_count(), 0);
  for (const auto& a : plan.accesses) {
    const Vec3 ax = a.axis();
    const double len = norm(a.tip_lps - a.entry_lps);
    for (std::size_t v = 0; v < c.applicator_mask.size(); ++v) {
      const Vec3 x = p.grid.position(p.grid.index3(v)) - a.entry_lps;
      const double t = std::clamp(dot(x, ax), 0.0, len);
      if (norm(x - ax * t) < ra) c.applicator_mask[v] = 1;
    }
  }

  // Water basis (always: it is the second check and the bone/water reference).
  McSettings table_mc;
  table_mc.threads = ctx.threads;
  table_mc.progress = ctx.progress;
  const WaterEngine water = WaterEngine::for_source(src, *ctx.lib, ctx.cache_dir, table_mc);
  Basis basis;
  for (std::size_t i = 0; i < n; ++i) {
    auto f = water.fill(c.dose_grid, dwells[i], axes[i], ctx.threads);
    for (auto& x : f) x /= 60.0f;
    basis.water.push_back(std::move(f));
  }

  // Primary basis.
  const Vec3 rx_point = prescription_point(plan, ctx, dwells.front(), axes.front());
  if (plan.engine.engine == "mc") {
    std::vector<std::string> names = p.media_names;
    for (const std::string& m : {std::string("air"), src.model.tip_material,
                                 src.model.shaft_material, src.model.applicator_material})
      if (!m.empty() && std::find(names.begin(), names.end(), m) == names.end()) names.push_back(m);
    std::vector<std::unique_ptr<MaterialXs>> media;
    std::vector<const MaterialXs*> ptrs;
    for (const auto& m : names) {
      media.push_back(std::make_unique<MaterialXs>(ctx.lib->get(m)));
      ptrs.push_back(media.back().get());
    }
    const Spectrum spectrum = src.model.spectrum(*ctx.lib);
    const double scale = src.gy_per_min_per_gy_per_history / 60.0;  // Gy/s per Gy/history
    // Dose to water in medium (TG-186 Dw,m) is scored beside dose to medium: the same tracks,
    // water's mu_en/rho.
    const MaterialXs water_xs(ctx.lib->get("water"));
    for (std::size_t i = 0; i < n; ++i) {
      Geometry g(p.grid, ptrs, p.medium, p.density);
      add_probe_solids(g, src.model, dwells[i], axes[i]);
      const ProbeSource source(dwells[i], axes[i], spectrum, src.model.forward_anisotropy);
      TransportOptions o;
      o.seed = plan.engine.seed * 1000 + i;
      o.threads = ctx.threads;
      o.progress = ctx.progress;
      o.scoring_box = std::array<std::array<int, 3>, 2>{{lo, hi}};
      o.hybrid = true;
      o.dose_to_water = true;
      o.water = &water_xs;
      StopRules stop;
      stop.histories = plan.engine.max_histories;
      stop.target_sigma_rel = plan.engine.target_sigma_rel;
      stop.sigma_point = prescription_point(plan, ctx, dwells[i], axes[i]);
      if (!p.grid.contains(*stop.sigma_point)) stop.sigma_point.reset();
      const TransportResult r = run_transport(g, source, stop, o);
      basis.histories += r.histories;
      basis.achieved_sigma = std::max(basis.achieved_sigma, r.achieved_sigma_rel);
      std::vector<float> d(nv), s(nv);
      for (std::size_t v = 0; v < nv; ++v) {
        d[v] = static_cast<float>(r.dose.value[v] * scale);
        s[v] = static_cast<float>(r.dose.sigma_rel[v]);
      }
      std::vector<float> wm(nv);
      for (std::size_t v = 0; v < nv; ++v)
        wm[v] = static_cast<float>(r.dose_water.value[v] * scale);
      basis.primary.push_back(std::move(d));
      basis.sigma.push_back(std::move(s));
      basis.water_in_medium.push_back(std::move(wm));
    }
  } else {
    basis.primary = basis.water;
    basis.sigma.assign(n, std::vector<float>(nv, 0.0f));
  }
  c.histories = basis.histories;

  // Dwell times.
  const Prescription& rx = plan.prescription;
  const double cal_rate = calibration_rate(plan, src, file);  // Gy/min
  std::vector<double> times(n, 0.0);
  std::vector<std::string> messages;
  const Structure& target = need_structure(p, plan.target, file, "target");
  const Structure* oar = rx.oar.empty() ? find_cord(p) : p.find(rx.oar);
  auto total = [&](const std::vector<std::vector<float>>& b, const std::vector<double>& t) {
    std::vector<double> out(nv, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t v = 0; v < nv; ++v) out[v] += t[i] * b[i][v];
    return out;
  };
  auto oar_metric = [&](const DoseStats& s) {
    return rx.oar_metric == "Dmax" ? s.max() : s.d_cc(rx.oar_metric == "D0.03cc" ? 0.03 : 0.1);
  };
  const double voxel_cc = p.grid.voxel_volume_mm3() / 1000.0;
  if (rx.kind == "point") {
    times[0] = rx.dose_gy / cal_rate * 60.0;
  } else {
    // Least squares towards the prescribed dose over the target, then scaled so that the target's
    // D<coverage> equals the prescription; organ-at-risk voxels above the limit are pulled down
    // with growing weight while the constraint is violated.
    const std::vector<std::size_t> tvox = structure_rows(p, target, c);
    std::vector<std::size_t> ovox;
    if (oar && rx.oar_limit_gy > 0) ovox = structure_rows(p, *oar, c);
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
      const auto dose = total(basis.primary, t);
      const DoseStats ts = dose_stats(structure_doses(p, target, c, dose), voxel_cc);
      const double cov = ts.d_pct(rx.coverage_pct);
      if (!(cov > 0))
        throw Error::goal_not_met("the dwell positions deliver no dose to the target")
            .field("target")
            .seen(plan.target);
      for (double& x : t) x *= rx.dose_gy / cov;
      if (!oar || rx.oar_limit_gy <= 0) break;
      const DoseStats os =
          dose_stats(structure_doses(p, *oar, c, total(basis.primary, t)), voxel_cc);
      if (oar_metric(os) <= rx.oar_limit_gy) break;
      w_oar = w_oar == 0 ? 1.0 : w_oar * 4.0;
      if (round == 7) {
        // The best compromise: keep the organ at risk at its limit.
        const double f = rx.oar_limit_gy / oar_metric(os);
        for (double& x : t) x *= f;
      }
    }
    times = t;
  }
  for (std::size_t i = 0; i < n; ++i)
    times[i] = std::round(times[i] * 10.0) / 10.0;  // consoles take 0.1 s
  c.times_s = times;
  c.dose_gy = total(basis.primary, times);
  c.dose_water_gy = total(basis.water, times);
  if (!basis.water_in_medium.empty()) c.dose_water_medium_gy = total(basis.water_in_medium, times);
  c.sigma_rel.assign(nv, 0.0);
  for (std::size_t v = 0; v < nv; ++v) {
    double var = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = times[i] * basis.primary[i][v] * basis.sigma[i][v];
      var += x * x;
    }
    c.sigma_rel[v] = c.dose_gy[v] > 0 ? std::sqrt(var) / c.dose_gy[v] : 0.0;
  }

  // Evaluation.
  ojson s;
  s["plan_id"] = plan.id;
  s["approval"] = plan.approval.approved ? "approved" : "draft (not approved)";
  s["engine"] = plan.engine.engine == "mc" ? "monte-carlo (dose to medium)"
                                           : "water (TG-43 style, dose to water in water)";
  s["dwell_positions_mm"] = ojson::array();
  for (const Vec3& d : dwells) s["dwell_positions_mm"].push_back({d.x, d.y, d.z});
  s["dwell_times_s"] = times;
  s["total_time_s"] = std::accumulate(times.begin(), times.end(), 0.0);
  const double dose_at_point_water = sample(c.dose_grid, c.dose_water_gy, rx_point);
  s["prescription"] = {
      {"kind", rx.kind},
      {"dose_gy", rx.dose_gy},
      {"depth_mm", rx.depth_mm},
      {"from", rx.from == DepthConvention::kSourceCentre ? "source centre" : "applicator surface"},
      {"point_mm", {rx_point.x, rx_point.y, rx_point.z}},
      {"calibration_rate_gy_per_min", cal_rate},
      {"dose_at_point_water_engine_gy", dose_at_point_water},
      {"dose_at_point_medium_gy", sample(c.dose_grid, c.dose_gy, rx_point)},
      {"sigma_at_point_rel", sample(c.dose_grid, c.sigma_rel, rx_point)},
      {"citation", rx.citation}};
  if (!plan.rationale.empty())  // the evidence the prescription rests on, as plan.json links it
    s["rationale"] = {{"evidence_base", plan.rationale.evidence_base},
                      {"references", plan.rationale.references},
                      {"findings", plan.rationale.findings}};
  auto metrics_of = [&](const Structure& st, const std::vector<double>& dose) {
    return dose_stats(structure_doses(p, st, c, dose), voxel_cc);
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
  // The independent second check: the water engine's dose rate at the prescription depth (from
  // the commissioned Monte Carlo model) against the calibration table's, i.e. the dwell time the
  // water engine would give for the same prescription.
  const double water_rate =
      water.perpendicular_dose_rate(perpendicular_depth_from_centre(plan, src));
  const double deviation = cal_rate / water_rate - 1.0;
  const bool flagged = std::abs(deviation) > plan.engine.second_check_tolerance;
  ojson check_times = ojson::array();
  for (double t : times) check_times.push_back(std::round(t * cal_rate / water_rate * 10.0) / 10.0);
  s["second_check"] = {
      {"method",
       "dwell times recomputed with the fast water engine's dose rate at the prescription depth"},
      {"water_engine_rate_gy_per_min", water_rate},
      {"calibration_rate_gy_per_min", cal_rate},
      {"water_engine_dwell_times_s", check_times},
      {"deviation", deviation},
      {"tolerance", plan.engine.second_check_tolerance},
      {"flagged", flagged}};
  if (flagged)
    messages.push_back("SECOND CHECK FLAGGED: water engine and calibration differ by " +
                       std::to_string(100 * deviation) + " %");
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
  s["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  plan.dwell_times_s = times;
  plan.evaluation_json = s.dump();
  return c;
}

namespace {

constexpr const char* kManifest = "outputs.json";
constexpr const char* kOutputFiles[] = {"dose.nrrd",       "dose_sigma.nrrd",
                                        "dose_water.nrrd", "dose_water_in_medium.nrrd",
                                        "dvh.csv",         "summary.json"};

// Hidden temporaries write_file_atomic leaves when a process is killed mid-write
// (".<name>.tmp.XXXXXX"): no reader opens them, the next write to the folder removes them.
void remove_stale_temporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    for (const char* f : kOutputFiles)
      if (n.rfind(std::string(".") + f + ".tmp.", 0) == 0) std::filesystem::remove(e.path(), ec);
    if (n.rfind(std::string(".") + kManifest + ".tmp.", 0) == 0)
      std::filesystem::remove(e.path(), ec);
  }
}

}  // namespace

void verify_plan_outputs(const std::filesystem::path& dir) {
  const std::filesystem::path mf = dir / kManifest;
  const auto incomplete = [&](const std::string& why) {
    return Error::bad_input("plan outputs incomplete or changed: " + why)
        .file(mf.string())
        .expected("the complete set kiort plan compute wrote (run it again)");
  };
  if (!std::filesystem::exists(mf))
    throw incomplete("no manifest (the computation was interrupted, or made by an older kiort)");
  const ojson m = ojson::parse(read_file_bounded(mf, 1u << 20), nullptr, false);
  if (!m.is_object() || !m.contains("files") || !m["files"].is_object())
    throw incomplete("malformed manifest");
  for (const auto& [name, sum] : m["files"].items()) {
    if (!sum.is_string() || name.find('/') != std::string::npos)
      throw incomplete("malformed manifest entry " + name);
    const std::filesystem::path f = dir / name;
    if (!std::filesystem::exists(f) ||
        sha256_hex(read_file_bounded(f, 4ull << 30)) != sum.get<std::string>())
      throw Error::bad_input("plan output does not match its manifest (replaced or damaged)")
          .file(f.string())
          .field("outputs.json")
          .expected("the file kiort plan compute wrote (run it again)");
  }
}

void write_plan_outputs(const Plan& plan, const PlanComputation& c,
                        const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  // A recompute into a folder that holds older outputs must never leave a mixed set if killed:
  // the old manifest goes first, then each file is replaced atomically, and the new manifest
  // (every file's SHA-256) comes last. Readers trust the files only with a matching manifest.
  remove_stale_temporaries(dir);
  std::filesystem::remove(dir / kManifest);
  if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);  // the removal is on disk before any new file is
    ::close(fd);
  }
  const std::string state = plan.approval.approved
                                ? "APPROVED by " + plan.approval.by + " " + plan.approval.at
                                : "DRAFT (not approved)";
  const std::string tag = "kiort plan " + plan.id + ", " + state;
  // The patient model's warnings (the evaluation's "WARNING: " messages, e.g. --accept-other-frame)
  // travel in every dose file's header too.
  std::vector<std::string> warnings;
  for (const auto& m : c.summary.value("messages", ojson::array()))
    if (m.is_string() && m.get<std::string>().rfind("WARNING: ", 0) == 0)
      warnings.push_back(m.get<std::string>().substr(9));
  write_nrrd(dir / "dose.nrrd", c.dose_grid, c.dose_gy,
             tag + ", dose (" + c.summary.value("engine", "") + ")", "Gy", warnings);
  write_nrrd(dir / "dose_sigma.nrrd", c.dose_grid, c.sigma_rel,
             tag + ", relative standard error of dose.nrrd", "1", warnings);
  write_nrrd(dir / "dose_water.nrrd", c.dose_grid, c.dose_water_gy,
             tag + ", fast water engine, dose to water", "Gy", warnings);
  if (!c.dose_water_medium_gy.empty())
    write_nrrd(dir / "dose_water_in_medium.nrrd", c.dose_grid, c.dose_water_medium_gy,
               tag + ", Monte Carlo dose to water in medium (TG-186 Dw,m)", "Gy", warnings);
  std::string csv = "# " + tag +
                    "\n# cumulative DVH: volume fraction receiving at least "
                    "dose_gy\nengine,structure,volume_cc,dose_gy,volume_fraction\n";
  auto add = [&](const char* engine, const std::vector<DvhCurve>& curves) {
    char buf[160];
    for (const auto& d : curves)
      for (std::size_t i = 0; i < d.dose_gy.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%s,\"%s\",%.4f,%.4f,%.6f\n", engine, d.structure.c_str(),
                      d.volume_cc, d.dose_gy[i], d.volume_fraction[i]);
        csv += buf;
      }
  };
  add(plan.engine.engine == "mc" ? "mc" : "water", c.dvh_primary);
  if (plan.engine.engine == "mc") add("water", c.dvh_water);
  write_file_atomic(dir / "dvh.csv", csv);
  ojson s = c.summary;
  s["approval"] = state;
  write_file_atomic(dir / "summary.json", s.dump(2) + "\n");
  ojson files = ojson::object();
  for (const char* f : kOutputFiles)
    if (std::filesystem::exists(dir / f)) {
      if (std::string(f) == "dose_water_in_medium.nrrd" && c.dose_water_medium_gy.empty()) {
        std::filesystem::remove(dir / f);  // an older run's, not this one's
        continue;
      }
      files[f] = sha256_hex(read_file_bounded(dir / f, 4ull << 30));
    }
  write_file_atomic(
      dir / kManifest,
      ojson{{"kiort_outputs", 1}, {"plan_id", plan.id}, {"files", files}}.dump(2) + "\n");
}

}  // namespace kiort
