// Stage 1 of a plan: the dose grid, the applicator's voxels and the dose basis per dwell position.
#include <algorithm>
#include <cmath>
#include <memory>

#include "geometry/geometry.h"
#include "plan/applicator_volume.h"
#include "plan/stages.h"
#include "source/probe.h"
#include "transport/transport.h"

namespace kiort {
namespace {

// Calls visit(dose-grid index, or -1 outside the dose grid) for each voxel of a structure's mask
// that the applicator does not occupy, in the patient grid's order.
template <typename Visit>
void for_each_structure_voxel(const PatientModel& p, const Structure& s, const DoseBox& box,
                              Visit visit) {
  const auto& occupied = box.applicator_mask;
  const auto& d = p.grid.dims();
  const auto& cd = box.grid.dims();
  for (std::size_t v = 0; v < s.mask.size(); ++v) {
    if (!s.mask[v] || (!occupied.empty() && occupied[v])) continue;
    const std::size_t i = v % std::size_t(d[0]), j = (v / std::size_t(d[0])) % std::size_t(d[1]),
                      k = v / (std::size_t(d[0]) * std::size_t(d[1]));
    if (int(i) < box.lo[0] || int(i) >= box.hi[0] || int(j) < box.lo[1] || int(j) >= box.hi[1] ||
        int(k) < box.lo[2] || int(k) >= box.hi[2]) {
      visit(std::int64_t(-1));
      continue;
    }
    visit(std::int64_t((i - std::size_t(box.lo[0])) +
                       std::size_t(cd[0]) * ((j - std::size_t(box.lo[1])) +
                                             std::size_t(cd[1]) * (k - std::size_t(box.lo[2])))));
  }
}

}  // namespace

std::vector<double> structure_doses(const PatientModel& p, const Structure& s, const DoseBox& box,
                                    const std::vector<double>& dose) {
  std::vector<double> out;
  for_each_structure_voxel(
      p, s, box, [&](std::int64_t li) { out.push_back(li < 0 ? 0.0 : dose[std::size_t(li)]); });
  return out;
}

std::vector<std::size_t> structure_rows(const PatientModel& p, const Structure& s,
                                        const DoseBox& box) {
  std::vector<std::size_t> out;
  for_each_structure_voxel(p, s, box, [&](std::int64_t li) {
    if (li >= 0) out.push_back(std::size_t(li));
  });
  return out;
}

std::vector<double> total_dose(const std::vector<std::vector<float>>& basis,
                               const std::vector<double>& times_s) {
  std::vector<double> out(basis.empty() ? 0 : basis.front().size(), 0.0);
  for (std::size_t i = 0; i < basis.size() && i < times_s.size(); ++i)
    for (std::size_t v = 0; v < out.size(); ++v) out[v] += times_s[i] * basis[i][v];
  return out;
}

DoseBox dose_box(const Plan& plan, const PlanContext& ctx, const std::vector<Vec3>& dwells) {
  const PatientModel& p = *ctx.patient;
  DoseBox b;
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
  b.lo = lo;
  b.hi = hi;
  const Vec3 origin = p.grid.position(Index3{lo[0], lo[1], lo[2]});
  b.grid = Grid3({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]}, p.grid.spacing(), origin,
                 p.grid.direction());
  // Voxels the applicator occupies, wholly or in part, are left out of every structure's DVH
  // (applicator_volume.h says why).
  const double ra = ctx.source->model.surface_radius_mm();
  b.applicator_fraction.assign(p.grid.voxel_count(), 0.0f);
  for (const auto& a : plan.accesses) {
    const auto f = applicator_fraction(p.grid, a, ra);
    for (std::size_t v = 0; v < f.size(); ++v)
      b.applicator_fraction[v] = std::max(b.applicator_fraction[v], f[v]);
  }
  b.applicator_mask.assign(p.grid.voxel_count(), 0);
  for (std::size_t v = 0; v < b.applicator_mask.size(); ++v)
    b.applicator_mask[v] = b.applicator_fraction[v] > 0 ? 1 : 0;
  return b;
}

WaterEngine water_engine_for(const PlanContext& ctx) {
  McSettings table_mc;
  table_mc.threads = ctx.threads;
  table_mc.progress = ctx.progress;
  table_mc.world = ctx.world;
  return WaterEngine::for_source(*ctx.source, *ctx.lib, ctx.cache_dir, table_mc);
}

namespace {
constexpr int kScatterCellVoxels = 3, kFirstScatterSplit = 8;
}  // namespace

std::string monte_carlo_method() {
  return "hybrid: the primary ray-traced through the patient model and the probe (noise-free, "
         "voxel-averaged), "
         "the scatter by Monte Carlo (track-length kerma; Dm,m and Dw,m from the same tracks), "
         "on " +
         std::to_string(kScatterCellVoxels) + "^3-voxel cells where the field is smooth, a " +
         "source photon's first scatter split in " + std::to_string(kFirstScatterSplit) +
         "; sigma history by history (a cell-interpolated voxel's: the bound sum |w| sigma)";
}

DoseBasis compute_basis(const Plan& plan, const PlanContext& ctx, const WaterEngine& water) {
  const PatientModel& p = *ctx.patient;
  const CommissionedSource& src = *ctx.source;
  DoseBasis basis;
  for (const auto& a : plan.accesses)
    for (const Vec3& d : a.dwell_positions()) {
      basis.dwells.push_back(d);
      basis.axes.push_back(a.axis());
    }
  const std::size_t n = basis.dwells.size();
  basis.box = dose_box(plan, ctx, basis.dwells);
  const Grid3& grid = basis.box.grid;
  const std::size_t nv = grid.voxel_count();

  // Water basis (always: it is the second check and the Dw,w reference).
  for (std::size_t i = 0; i < n; ++i) {
    auto f = water.fill(grid, basis.dwells[i], basis.axes[i], ctx.threads);
    for (auto& x : f) x /= 60.0f;
    basis.water.push_back(std::move(f));
  }
  if (plan.engine.engine != "mc") {
    basis.primary = basis.water;
    basis.sigma.assign(n, std::vector<float>(nv, 0.0f));
    return basis;
  }

  std::vector<std::string> names = p.media_names;
  for (const std::string& m : {std::string("air"), src.model.tip_material, src.model.shaft_material,
                               src.model.applicator_material})
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
    add_probe_solids(g, src.model, basis.dwells[i], basis.axes[i]);
    const ProbeSource source(basis.dwells[i], basis.axes[i], spectrum,
                             src.model.forward_anisotropy);
    TransportOptions o;
    o.seed = plan.engine.seed * 1000 + i;
    o.threads = ctx.threads;
    o.world = ctx.world;
    o.progress = ctx.progress;
    o.scoring_box = std::array<std::array<int, 3>, 2>{{basis.box.lo, basis.box.hi}};
    o.hybrid = true;
    // The scatter on 3^3-voxel cells where the field is smooth (transport/scatter_grid.h): within
    // 0.2 % of the fine grid in water, in and behind cortical bone and for a 50 kV spectrum
    // (tests/validation/test_scatter_grid_bias.cpp).
    o.scatter_cell_voxels = kScatterCellVoxels;
    // A source photon's first scatter leaves as 8 photons of 1/8 the weight (unbiased:
    // FirstScatterSplit in tests/validation/test_scatter_grid_bias.cpp): the L1 plan's time to
    // 2 % in its target fell 2.9-fold (1, 2, 4, 8, 16 tried; 8 the best; docs/benchmarks.md).
    o.first_scatter_split = kFirstScatterSplit;
    o.dose_to_water = true;
    o.water = &water_xs;
    StopRules stop;
    stop.histories = plan.engine.max_histories;
    stop.target_sigma_rel = plan.engine.target_sigma_rel;
    stop.sigma_point = prescription_point(plan, ctx, basis.dwells[i], basis.axes[i]);
    if (!p.grid.contains(*stop.sigma_point)) stop.sigma_point.reset();
    const TransportResult r = run_transport(g, source, stop, o);
    basis.histories += r.histories;
    basis.achieved_sigma = std::max(basis.achieved_sigma, r.achieved_sigma_rel);
    std::vector<float> d(nv), s(nv), wm(nv);
    for (std::size_t v = 0; v < nv; ++v) {
      d[v] = static_cast<float>(r.dose.value[v] * scale);
      s[v] = static_cast<float>(r.dose.sigma_rel[v]);
      wm[v] = static_cast<float>(r.dose_water.value[v] * scale);
    }
    basis.primary.push_back(std::move(d));
    basis.sigma.push_back(std::move(s));
    basis.water_in_medium.push_back(std::move(wm));
  }
  return basis;
}

}  // namespace kiort
