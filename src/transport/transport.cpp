#include "transport/transport.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "core/parallel.h"
#include "physics/interactions.h"
#include "transport/hybrid_primary.h"
#include "transport/photon_state.h"
#include "transport/scatter_grid.h"
#include "transport/scoring_box.h"
#include "transport/tally_analog.h"
#include "transport/tally_energy_balance.h"
#include "transport/tally_shells.h"
#include "transport/tally_track_length.h"
#include "transport/validate.h"

namespace kiort {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSurfaceNudgeMm = 2e-9;  // step past a solid surface before asking where we are
constexpr std::uint64_t kBatch = 2048;    // histories per work unit (independent of threads)
constexpr std::uint64_t kMinRoundBatches = 16;  // the first rounds: 32768 histories

// Histories in the round that follows `done` histories. A fixed schedule, never a function of
// the thread or process count: a run stopped on a sigma target checks after the same histories,
// so it stops after the same count and gives the same dose on any machine. Rounds grow by an
// eighth of the work done (whole batches), so that the checks between them stay cheap and a sigma
// stop overshoots by at most 12.5 % of the histories (about 6 % in sigma).
std::uint64_t round_size(std::uint64_t done) {
  return kBatch * std::max(kMinRoundBatches, done / kBatch / 8);
}

// One worker's tallies, by estimator. Each is summed exactly over workers and processes; the
// run's end merges them in one loop (each()).
struct Tallies {
  TrackLengthTally track_length;  // dose to medium, dose to water in medium
  AnalogTally analog;             // with options.analog
  EnergyBalanceTally balance;
  ScoreArray shells;   // ShellTally's bins (track length in spherical shells)
  ScoreArray scatter;  // ScatterGrid's cells (track length, options.scatter_cell_voxels)

  // Calls f(tally, other's tally) for every tally.
  template <class F>
  void each(Tallies& other, F&& f) {
    f(track_length, other.track_length);
    f(analog, other.analog);
    f(balance, other.balance);
    f(shells, other.shells);
    f(scatter, other.scatter);
  }
  void flush() {
    each(*this, [](auto& t, auto&) { t.flush(); });
  }
  void merge(Tallies& other) {
    each(other, [](auto& t, auto& o) { t.merge(o); });
  }
  void sum_over(const Collective& world) {
    each(*this, [&](auto& t, auto&) { t.sum_over(world); });
  }
};

// One worker's tallies and scratch space.
struct Worker {
  Tallies tallies;
  std::vector<Photon> stack;
  std::vector<double> cuts;  // ShellTally::score: where a step crosses a shell or a cone
};

class Engine {
 public:
  Engine(const Geometry& g, const PhotonSource& src, const TransportOptions& o)
      : geom_(g), source_(src), opt_(o), box_(g.grid(), o.scoring_box), shells_(g, o) {
    if (o.hybrid) mark_deterministic_primary();
    // --- coarse scatter grid (issue 21) ---
    if (o.hybrid && o.scatter_cell_voxels > 1 && box_.voxels() > 0) {
      ScatterGridSetup s;
      s.cell_voxels = o.scatter_cell_voxels;
      const Vec3& sp = g.grid().spacing();
      const double fine_voxels =
          o.scatter_fine_voxels > 0 ? o.scatter_fine_voxels : 3.0 * o.scatter_cell_voxels;
      s.fine_radius_mm = fine_voxels * std::max({sp.x, sp.y, sp.z});
      s.box_lo = box_.lo();
      s.box_dims = box_.dims();
      s.deterministic = &deterministic_;
      s.water = o.dose_to_water ? o.water : nullptr;
      s.source_local = g.to_local(src.position());
      scatter_.emplace(g, s);
      if (!scatter_->usable()) scatter_.reset();  // too many media: fine scoring throughout
    }
  }

  const ScatterGrid* scatter() const { return scatter_ ? &*scatter_ : nullptr; }

  // The coarse scatter grid's smoothness test, once the hybrid primary is known.
  void judge_scatter_cells(const std::vector<double>& primary) {
    if (!scatter_) return;
    scatter_->keep_fine_where_rough(primary, opt_.scatter_tolerance);
    if (scatter_->coarse_voxels() == 0) scatter_.reset();  // nothing coarse: fine throughout
  }

  const ScoringBox& box() const { return box_; }
  const std::vector<std::uint8_t>& deterministic() const { return deterministic_; }
  const ShellTally& shells() const { return shells_; }

  Worker make_worker() const {
    Worker w;
    Tallies& t = w.tallies;
    t.track_length = TrackLengthTally(box_.voxels(), opt_.dose_to_water);
    if (opt_.analog) t.analog = AnalogTally(box_.voxels());
    if (shells_.bins()) t.shells = ScoreArray(shells_.bins());
    if (scatter_) t.scatter = ScoreArray(scatter_->bins());
    w.stack.reserve(16);
    return w;
  }

  // One history: the source photon, then the secondaries (fluorescence) it left on the stack.
  void run_history(std::uint64_t h, Worker& w) const {
    Philox rng(opt_.seed, h);
    Photon ph = source_.sample(rng);
    w.tallies.balance.emitted(ph.e_kev * ph.weight, h);
    ph.r = geom_.to_local(ph.r);
    ph.u = geom_.direction_to_local(ph.u);
    const int energy_bin = shells_.energy_bin(ph.e_kev);
    w.stack.clear();
    track(ph, true, energy_bin, h, rng, w);
    while (!w.stack.empty()) {
      const Photon next = w.stack.back();
      w.stack.pop_back();
      track(next, false, energy_bin, h, rng, w);
    }
  }

 private:
  // The two distances of a step: to the next collision and to the next boundary (axis: the
  // voxel face crossed, -1 for a solid's surface).
  struct Distance {
    double collision = kInf, boundary = kInf;
    int axis = -1;
    double step() const { return std::min(collision, boundary); }
    bool collides() const { return collision <= boundary; }
  };

  // One photon's track, as the physics reads: until it dies, look up the cross sections, find
  // the distance to the next collision and to the next boundary, move there scoring the track,
  // then collide or cross the boundary. `ph` is in the grid's local frame.
  void track(const Photon& ph, bool primary, int energy_bin, std::uint64_t h, Philox& rng,
             Worker& w) const {
    PhotonState p;
    p.r = ph.r;
    p.u = ph.u;
    p.e_kev = ph.e_kev;
    p.weight = ph.weight;
    p.primary = primary;
    p.history = h;
    p.source_energy_bin = energy_bin;
    if (!start(p, rng, w)) return;
    for (;;) {
      if (p.e_kev < opt_.cutoff_kev) {
        deposit(p, p.e_kev * p.weight, true, w);
        return;
      }
      calculate_xs(p);
      const Distance d = distance(p);
      if (!std::isfinite(d.step())) {  // cannot happen inside the box; guard against geometry bugs
        w.tallies.balance.escaped(p.e_kev * p.weight, h);
        return;
      }
      advance_and_score(p, d, w);
      if (d.collides()) {
        if (!collide(p, rng, w)) return;
      } else if (cross_boundary(p, d, w)) {
        return;
      }
    }
  }

  // Places the photon in its voxel and region and samples its first free path; false (scored as
  // escaped) when it starts outside the grid.
  bool start(PhotonState& p, Philox& rng, Worker& w) const {
    if (!geom_.inside_box(p.r)) {
      w.tallies.balance.escaped(p.e_kev * p.weight, p.history);
      return false;
    }
    p.ijk = geom_.voxel_ijk(p.r);
    p.region = geom_.locate(p.r, p.ijk);
    p.inv_u = {1 / p.u.x, 1 / p.u.y, 1 / p.u.z};
    p.n_mfp = -std::log(rng.uniform());
    return true;
  }

  // The region's cross sections at the photon's energy (looked up only when the medium, the
  // density or the energy changed).
  void calculate_xs(PhotonState& p) const {
    XsCache& c = p.xs;
    const Region& reg = p.region;
    const double e = p.e_kev;
    if (reg.medium == c.medium && e == c.e_kev && reg.density == c.density_g_cm3) return;
    c.xs = reg.medium >= 0 ? geom_.media()[std::size_t(reg.medium)] : nullptr;
    c.mu_per_mm = 0;
    if (c.xs && reg.density > 0) {
      if (e != c.e_kev || reg.medium != c.medium) {
        c.pt = c.xs->locate(e);
        c.mu_en_rho = c.xs->mu_en_rho(c.pt);
      }
      c.mu_per_mm = c.xs->mu_per_mm(c.pt, reg.density);
    }
    if (opt_.dose_to_water && e != c.e_kev)
      c.water_mu_en_rho = opt_.water->mu_en_rho(opt_.water->locate(e));
    c.medium = reg.medium;
    c.density_g_cm3 = reg.density;
    c.e_kev = e;
  }

  // How far to the next collision (the free path left over mu), and to the next boundary?
  Distance distance(const PhotonState& p) const {
    int axis = -1;  // the callee's out parameter: a local, so that the Distance stays in registers
    const double boundary = geom_.distance_to_boundary(p.r, p.u, p.inv_u, p.region, p.ijk, axis);
    return {p.xs.mu_per_mm > 0 ? p.n_mfp / p.xs.mu_per_mm : kInf, boundary, axis};
  }

  // Moves the photon by the step, scoring its track: collision kerma = fluence x E x mu_en/rho
  // in the voxel tallies (the fine track-length tally, the coarse scatter grid) and the shells.
  void advance_and_score(PhotonState& p, const Distance& d, Worker& w) const {
    const double step = d.step();
    XsCache& c = p.xs;
    const std::uint64_t h = p.history;
    const double e = p.e_kev, wt = p.weight;
    // The voxel the photon enters next, if it crosses: ask memory for its tally bin and its
    // medium now, so that the loads overlap this step's work (scoring is memory-bound: a new
    // voxel's bin is a cache miss). A hint only; results do not depend on it. Kept inline here:
    // as a function of its own (prefetches only) GCC deems it free of effects and deletes the
    // call (no prefetch left in track(), measured 13-18 % slower).
    if (d.axis >= 0 && d.boundary < d.collision) {
      std::array<int, 3> next = p.ijk;
      next[d.axis] += p.u[d.axis] > 0 ? 1 : -1;
      if (next[d.axis] >= 0 && next[d.axis] < geom_.grid().dims()[d.axis]) {
        geom_.prefetch_voxel(next);
        if (const std::int64_t nb = box_.index(next);
            nb >= 0 && !(scatter_ && scatter_->coarse(std::size_t(nb))))
          w.tallies.track_length.prefetch(std::size_t(nb));
      }
    }
    if (c.mu_per_mm > 0) {
      const double per_mm = e * wt * c.mu_en_rho;
      if (p.region.solid < 0) {
        const std::int64_t b = box_.index(p.ijk);
        if (b >= 0) {
          const auto bi = std::size_t(b);
          if (p.primary) {
            // The hybrid mode's ray tracing has the primary of its deterministic voxels.
            if (!(opt_.hybrid && deterministic_[bi]))
              w.tallies.track_length.score(bi, per_mm, e * wt, c.water_mu_en_rho, step, h);
          } else if (scatter_) {
            // The coarse scatter grid takes the scatter of its voxels (and of all its cells).
            if (!scatter_->coarse(bi))
              w.tallies.track_length.score(bi, per_mm, e * wt, c.water_mu_en_rho, step, h);
            scatter_->score(p.ijk, p.r, p.u, step, e, e * wt, c.scatter, h, w.tallies.scatter);
          } else {
            w.tallies.track_length.score(bi, per_mm, e * wt, c.water_mu_en_rho, step, h);
          }
        }
      }
      if (shells_.bins() > 0)
        shells_.score(p.r, p.u, step, per_mm, p.source_energy_bin, h, w.tallies.shells, w.cuts);
    }
    p.r += p.u * step;
    p.n_mfp -= step * c.mu_per_mm;
  }

  // The photon crosses the boundary into the next voxel or region; true (scored) when it leaves
  // the grid.
  bool cross_boundary(PhotonState& p, const Distance& d, Worker& w) const {
    if (d.axis >= 0) {
      p.ijk[d.axis] += p.u[d.axis] > 0 ? 1 : -1;
      if (p.ijk[d.axis] < 0 || p.ijk[d.axis] >= geom_.grid().dims()[d.axis]) {
        w.tallies.balance.escaped(p.e_kev * p.weight, p.history);
        return true;
      }
    } else {
      p.r += p.u * kSurfaceNudgeMm;
      if (!geom_.inside_box(p.r)) {
        w.tallies.balance.escaped(p.e_kev * p.weight, p.history);
        return true;
      }
      p.ijk = geom_.voxel_ijk(p.r);
    }
    p.region = geom_.locate(p.r, p.ijk);
    return false;
  }

  // The photon collides at r: photoabsorption, incoherent or coherent scattering; then a new
  // direction and a new free path. False when it dies: absorbed, or (validation mode) the
  // primary's first collision.
  bool collide(PhotonState& p, Philox& rng, Worker& w) const {
    if (opt_.primary_only && p.primary) return false;  // validation: uncollided photons only
    const MaterialXs* xs = p.xs.xs;
    const XsPoint& pt = p.xs.pt;
    const double wt = p.weight;
    const MassXs m = xs->at(pt);
    const double x = rng.uniform() * m.total;
    if (x < m.photo) {
      const PhotoResult ph = sample_photoelectric(*xs, pt, p.e_kev, rng);
      deposit(p, ph.local_kev * wt, false, w);
      if (ph.fluorescence_kev > 0)
        w.stack.push_back({p.r, sample_isotropic(rng), ph.fluorescence_kev, wt});
      return false;
    }
    const bool incoherent = x < m.photo + m.incoherent;
    // Split at a source photon's first scatter (hybrid): the extra photons go on the stack.
    const int split = p.primary && opt_.hybrid ? opt_.first_scatter_split : 1;  // 1..64: validated
    const double wt_out = wt / split;
    auto scatter = [&](Vec3& u, double& e_kev) {
      double cos_theta;
      if (incoherent) {
        const ScatterResult s = sample_incoherent(*xs, pt, e_kev, rng);
        deposit(p, (e_kev - s.energy_kev) * wt_out, false, w);
        e_kev = s.energy_kev;
        cos_theta = s.cos_theta;
      } else {
        cos_theta = sample_coherent_cos(*xs, e_kev, rng);
      }
      u = rotate_direction(u, cos_theta, 2.0 * std::numbers::pi * rng.uniform());
    };
    for (int copy = 1; copy < split; ++copy) {
      Vec3 u = p.u;
      double e = p.e_kev;
      scatter(u, e);
      if (e > 0) w.stack.push_back({p.r, u, e, wt_out});
    }
    p.weight = wt_out;
    scatter(p.u, p.e_kev);
    if (p.e_kev <= 0) return false;
    p.inv_u = {1 / p.u.x, 1 / p.u.y, 1 / p.u.z};
    p.n_mfp = -std::log(rng.uniform());
    p.primary = false;
    return true;
  }

  // Energy deposited locally (electrons, the kerma approximation; a photon below the cut-off)
  // at the photon's position: the energy balance and the analog tally.
  void deposit(const PhotonState& p, double kev, bool cutoff, Worker& w) const {
    const Region& reg = p.region;
    if (cutoff)
      w.tallies.balance.cut_off(kev, p.history);
    else
      w.tallies.balance.deposited(reg.solid >= 0, kev, p.history);
    if (opt_.analog && reg.solid < 0) {
      const std::int64_t b = box_.index(p.ijk);
      if (b >= 0) w.tallies.analog.score(std::size_t(b), kev, p.history);
    }
  }

  void mark_deterministic_primary() {
    deterministic_.assign(box_.voxels(), 0);
    const Vec3 s = geom_.to_local(source_.position());
    const Vec3& sp = geom_.grid().spacing();
    const double near = opt_.hybrid_near_voxels * std::max({sp.x, sp.y, sp.z});
    for (std::size_t b = 0; b < box_.voxels(); ++b) {
      const auto ijk = box_.ijk(b);
      const std::size_t v = geom_.grid().linear({ijk[0], ijk[1], ijk[2]});
      const Vec3 c{(ijk[0] + 0.5) * sp.x, (ijk[1] + 0.5) * sp.y, (ijk[2] + 0.5) * sp.z};
      if (norm(c - s) >= near && !geom_.voxel_touches_solid(v) && geom_.voxel_medium(v) >= 0)
        deterministic_[b] = 1;
    }
  }

  const Geometry& geom_;
  const PhotonSource& source_;
  const TransportOptions& opt_;
  ScoringBox box_;
  std::vector<std::uint8_t> deterministic_;
  ShellTally shells_;
  std::optional<ScatterGrid> scatter_;
};

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The coarse scatter cells summed over workers and processes (exact), for a sigma check.
ScoreArray merged_scatter(std::vector<Worker>& workers, const Collective& world) {
  ScoreArray cells(workers.front().tallies.scatter.size());
  for (Worker& w : workers) {
    w.tallies.scatter.flush();
    cells.merge(w.tallies.scatter);
  }
  cells.sum_over(world);
  return cells;
}

// The sigma point's voxels: of the 8 voxel centres around it in the box (fewer at the box's
// faces), those of the point's own medium that touch no solid, with their trilinear weights: the
// voxels a plan reads the dose and the sigma at a point from (plan/evaluate.cpp). A stop rule on
// the one voxel holding the point stopped when that voxel's noisy estimate dipped, and the
// point's reported sigma, over its neighbours, was above target. None qualifying: the voxel
// holding the point.
using PointVoxels = std::vector<std::pair<std::size_t, double>>;
PointVoxels point_voxels(const Geometry& g, const ScoringBox& sb, const Vec3& x) {
  const Grid3& box = *sb.grid();
  const auto voxel = [&](std::size_t b) {
    const auto ijk = sb.ijk(b);
    return g.grid().linear({ijk[0], ijk[1], ijk[2]});
  };
  const auto own = box.voxel_at(x);
  const std::size_t own_bin = own ? box.linear(*own) : 0;
  const int medium = g.voxel_medium(voxel(own_bin));
  PointVoxels out;
  for (const auto& [ix, w] : box.trilinear_neighbours(x)) {
    const std::size_t b = box.linear(ix);
    if (g.voxel_medium(voxel(b)) == medium && !g.voxel_touches_solid(voxel(b)))
      out.emplace_back(b, w);
  }
  if (out.empty()) out.emplace_back(own_bin, 1.0);
  return out;
}

// The weighted mean of per-voxel relative sigmas over the point's voxels that have dose.
template <class SigmaOf>
double point_sigma(const PointVoxels& point, SigmaOf sigma_of) {
  double sum = 0, wsum = 0;
  for (const auto& [bin, w] : point)
    if (const double s = sigma_of(bin); std::isfinite(s)) {
      sum += w * s;
      wsum += w;
    }
  return wsum > 0 ? sum / wsum : kInf;
}

// The relative sigma of the dose to medium after n histories, for a sigma stop: at the sigma
// point (`point` not empty; only its bins are merged, the arrays can be tens of MB), else the
// mean over voxels above half the maximum; the total dose's, with the hybrid primary and the
// coarse scatter.
double sigma_after_round(std::vector<Worker>& workers, const Engine& engine,
                         const PrimaryKerma& primary, const PointVoxels& point, std::uint64_t n,
                         const Collective& world) {
  const Grid3& box = *engine.box().grid();
  const double tl_to_gy = TrackLengthTally::gy_per_unit(box);
  const ScatterGrid* sg = engine.scatter();
  if (!point.empty()) {
    std::optional<ScoreArray> cells;  // merged once, if any of the point's voxels is coarse
    if (sg)
      for (const auto& [bin, w] : point)
        if (sg->coarse(bin)) {
          cells = merged_scatter(workers, world);
          break;
        }
    return point_sigma(point, [&](std::size_t pb) {
      ScoreArray merged(1);
      for (Worker& w : workers) w.tallies.track_length.add_dose_to(merged, std::int64_t(pb));
      merged.sum_over(world);
      const std::vector<double> point_primary{primary.medium.empty() ? 0.0 : primary.medium[pb]};
      if (!(sg && sg->coarse(pb))) return sigma_rel_of(merged, n, 0, &point_primary, tl_to_gy);
      const auto [v, s] = sg->at(pb, false, *cells, n);
      const double total = merged.mean(0, n) * tl_to_gy + v + point_primary[0];
      return total > 0 ? (merged.sigma(0, n) * tl_to_gy + s) / total : kInf;
    });
  }
  ScoreArray merged(engine.box().voxels());
  for (Worker& w : workers) w.tallies.track_length.add_dose_to(merged, -1);
  merged.sum_over(world);
  if (!sg)
    return sigma_rel_of(merged, n, -1, primary.medium.empty() ? nullptr : &primary.medium,
                        tl_to_gy);
  // Coarse scatter: the finished grid's.
  ScoredGrid d = to_grid(merged, n, box, [&](std::size_t) { return tl_to_gy; });
  sg->add_to(d.value, d.sigma_rel, false, merged_scatter(workers, world), n);
  add_primary(d, primary.medium);
  return sigma_rel_of(d, -1);
}

}  // namespace

TransportResult run_transport(const Geometry& geometry, const PhotonSource& source,
                              const StopRules& stop, const TransportOptions& options) {
  validate_transport(geometry, source, stop, options);
  Engine engine(geometry, source, options);
  const unsigned threads = options.threads ? options.threads : default_thread_count();
  const Collective& world = options.world ? *options.world : single_process();

  // The scoring box as a grid of its own, and the sigma point's bin in it.
  const std::optional<Grid3>& box = engine.box().grid();
  PointVoxels point;
  if (stop.sigma_point) {
    const auto ix = box ? box->voxel_at(*stop.sigma_point) : std::nullopt;
    if (!ix) throw Error::bad_input("sigma point outside the scoring region").field("sigma_point");
    point = point_voxels(geometry, engine.box(), *stop.sigma_point);
  }
  if (stop.target_sigma_rel > 0 && !box)
    throw Error::bad_input("a sigma target needs voxel scoring").field("target_sigma");

  const auto start = std::chrono::steady_clock::now();
  double result_primary_s = 0;
  // Hybrid: the primary first (medium and water in one pass), so that a sigma stop rule sees the
  // total dose.
  PrimaryKerma primary;
  if (options.hybrid && box) {
    PrimaryRequest rq;
    rq.box_lo = engine.box().lo();
    rq.box_dims = engine.box().dims();
    rq.deterministic = &engine.deterministic();
    rq.spectrum_bin_kev = options.hybrid_spectrum_bin_kev;
    rq.water = options.dose_to_water ? options.water : nullptr;
    rq.threads = threads;
    rq.world = &world;
    primary = hybrid_primary_kerma(geometry, source, rq);
    // The water kerma of the primary follows the fluence alone (not the media's mu_en/rho, which
    // jump from voxel to voxel in a CT): the better probe where it is scored.
    engine.judge_scatter_cells(primary.water.empty() ? primary.medium : primary.water);
    result_primary_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  // The workers' tallies (after the primary: the scatter grid's bins are fixed by its test).
  std::vector<Worker> workers;
  for (unsigned t = 0; t < threads; ++t) workers.push_back(engine.make_worker());
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  Progress progress("Monte Carlo", stop.histories, options.progress);
  std::atomic<std::uint64_t> done{0};
  std::uint64_t next_history = 0;
  TransportResult result;
  double sigma = kInf;
  for (;;) {
    std::uint64_t round = round_size(next_history);
    if (stop.histories) round = std::min(round, stop.histories - next_history);
    const std::uint64_t first = next_history;
    const std::uint64_t batches = (round + kBatch - 1) / kBatch;
    // This process's batches of the round: every size-th, from its rank.
    const std::uint64_t ranks = std::uint64_t(world.size()), rank = std::uint64_t(world.rank());
    const std::uint64_t mine = batches > rank ? (batches - rank + ranks - 1) / ranks : 0;
    parallel_for(
        0, mine,
        [&](std::size_t j0, std::size_t j1, unsigned worker) {
          for (std::size_t j = j0; j < j1; ++j) {
            const std::uint64_t h0 = first + (rank + j * ranks) * kBatch;
            const std::uint64_t h1 = std::min(first + round, h0 + kBatch);
            for (std::uint64_t h = h0; h < h1; ++h) engine.run_history(h, workers[worker]);
            done += h1 - h0;
            progress.update(
                done.load() * ranks,
                std::isfinite(sigma) ? "sigma " + num(std::round(sigma * 1e4) / 100) + " %" : "");
          }
        },
        threads, 1);
    next_history += round;
    const double t = elapsed();
    if (stop.target_sigma_rel > 0) {
      sigma = sigma_after_round(workers, engine, primary, point, next_history, world);
      if (sigma <= stop.target_sigma_rel) {
        result.stopped_by = "sigma";
        break;
      }
    }
    if (stop.histories && next_history >= stop.histories) {
      result.stopped_by = "histories";
      break;
    }
    if (stop.time_limit_s > 0 && world.agree(t >= stop.time_limit_s)) {
      result.stopped_by = "time";
      break;
    }
  }
  progress.finish();
  result.histories = next_history;
  result.seconds = elapsed();

  // Merge the workers' tallies and then the processes' (exact: fixed-point sums).
  Tallies& total = workers[0].tallies;
  for (Worker& w : workers) w.tallies.flush();
  for (std::size_t t = 1; t < workers.size(); ++t) total.merge(workers[t].tallies);
  total.sum_over(world);
  // Convert to Gy per history.
  const std::uint64_t n = result.histories;
  if (box) {
    result.dose = total.track_length.dose(n, *box);
    if (options.dose_to_water) result.dose_water = total.track_length.dose_water(n, *box);
    if (const ScatterGrid* sg = engine.scatter()) {
      result.scatter_coarse_voxels = sg->coarse_voxels();
      sg->add_to(result.dose.value, result.dose.sigma_rel, false, total.scatter, n);
      if (options.dose_to_water)
        sg->add_to(result.dose_water.value, result.dose_water.sigma_rel, true, total.scatter, n);
    }
    if (options.hybrid) {
      add_primary(result.dose, primary.medium);
      if (options.dose_to_water) add_primary(result.dose_water, primary.water);
      result.primary_seconds = result_primary_s;
    }
    result.achieved_sigma_rel =
        point.empty() ? sigma_rel_of(result.dose, -1) : point_sigma(point, [&](std::size_t b) {
          return result.dose.value[b] > 0 ? result.dose.sigma_rel[b] : kInf;
        });
    if (options.analog) result.analog_dose = total.analog.dose(n, engine.box(), geometry);
  }
  result.shells = engine.shells().results(total.shells, n);
  result.balance = total.balance.result(n);
  return result;
}

}  // namespace kiort
