// kiort bench mc: histories per second and efficiency 1/(sigma^2 T) of the Monte Carlo engine on
// fixed problems, a plan's Monte Carlo basis on the real spine CT (spine-ct-L1-plan: the code path
// of kiort plan compute), and the memory a clinical-size CT costs. kiort bench water: how fast the
// fast water engine fills a dose grid. Results go to docs/benchmarks.md.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/version.h"
#include "dicom/patient_loader.h"
#include "dose/probe_dosimetry.h"
#include "dose/water_engine.h"
#include "physics/cross_sections.h"
#include "plan/stages.h"
#include "transport/problems.h"
#include "transport/transport.h"

namespace kiort::cli {
void add_water_bench(CLI::App& bench, const Globals& globals, Commands& commands);
namespace {

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

// Mean relative sigma over the voxels whose centre lies 5-20 mm from the source (the depths at
// which Kypho-IORT prescribes), and over the voxels above 10 % of the maximum dose.
struct SigmaStats {
  double ring = 0, above10 = 0;
};
SigmaStats sigma_stats(const ScoredGrid& g) {
  double max = 0;
  for (double d : g.value) max = std::max(max, d);
  SigmaStats s;
  int n_ring = 0, n_10 = 0;
  for (std::size_t i = 0; i < g.value.size(); ++i) {
    const double r = norm(g.grid->position(g.grid->index3(i)));
    if (r >= 5 && r <= 20 && g.value[i] > 0) {
      s.ring += g.sigma_rel[i];
      ++n_ring;
    }
    if (g.value[i] >= 0.1 * max) {
      s.above10 += g.sigma_rel[i];
      ++n_10;
    }
  }
  s.ring = n_ring ? s.ring / n_ring : NAN;
  s.above10 = n_10 ? s.above10 / n_10 : NAN;
  return s;
}

// Issue 21's figure of merit: the mean relative sigma over the voxels whose centre lies within
// 15 mm of the source, without the voxels touching the source (8 when it sits on a voxel corner),
// the region on which kiort and egs_brachy were compared.
double sigma_within_15mm(const ScoredGrid& g, const Vec3& source) {
  const Vec3& sp = g.grid->spacing();
  double sum = 0;
  int n = 0;
  for (std::size_t i = 0; i < g.value.size(); ++i) {
    const Vec3 d = g.grid->position(g.grid->index3(i)) - source;
    const bool touches = std::abs(d.x) <= 0.5 * sp.x + 1e-9 && std::abs(d.y) <= 0.5 * sp.y + 1e-9 &&
                         std::abs(d.z) <= 0.5 * sp.z + 1e-9;
    if (touches || norm(d) > 15.0 || !(g.value[i] > 0)) continue;
    sum += g.sigma_rel[i];
    ++n;
  }
  return n ? sum / n : NAN;
}

// The fields every case reports (issue 21): speed, sigma within 15 mm, efficiency 1/(sigma^2 T).
nlohmann::json figures(const TransportResult& r, const Vec3& source, unsigned threads) {
  const double s15 = sigma_within_15mm(r.dose, source);
  return {{"commit", git_commit()},
          {"threads", threads},
          {"histories", r.histories},
          {"seconds", r.seconds},
          {"primary_seconds", r.primary_seconds},
          {"scatter_coarse_voxels", r.scatter_coarse_voxels},
          {"histories_per_second", double(r.histories) / r.seconds},
          {"sigma_rel_15mm", s15},
          {"efficiency_15mm", 1.0 / (s15 * s15 * r.seconds)}};
}

struct Case {
  std::string name, medium, spectrum;
  double energy_kev = 30;
  bool hybrid = false;
  int scatter_cells = 0;  // the coarse scatter grid's cell side in voxels (0: off)
  int split = 1;          // a source photon's first scatter leaves as this many photons
};

nlohmann::json run_case(const Case& c, const MaterialLibrary& lib, std::uint64_t histories,
                        unsigned threads, const Globals& g) {
  const MaterialXs medium(lib.get(c.medium));
  const Geometry geometry = make_box_problem(medium, 100, 1);
  IsotropicPointSource src({0, 0, 0}, c.spectrum.empty()
                                          ? Spectrum::monoenergetic(c.energy_kev)
                                          : Spectrum::load(data_dir() / "spectra" / c.spectrum));
  TransportOptions o;
  o.threads = threads;
  o.hybrid = c.hybrid;
  o.scatter_cell_voxels = c.scatter_cells;
  o.first_scatter_split = c.split;
  o.progress = g.progress_mode();
  StopRules stop;
  stop.histories = histories;
  const TransportResult r = run_transport(geometry, src, stop, o);
  const SigmaStats s = sigma_stats(r.dose);
  nlohmann::json j = figures(r, {0, 0, 0}, threads);
  j.update(nlohmann::json{{"case", c.name},
                          {"medium", c.medium},
                          {"source", src.describe()},
                          {"hybrid", c.hybrid},
                          {"scatter_cell_voxels", c.scatter_cells},
                          {"first_scatter_split", c.split},
                          {"sigma_rel_5_20mm", s.ring},
                          {"efficiency_5_20mm", 1.0 / (s.ring * s.ring * r.seconds)},
                          {"sigma_rel_above_10pct_max", s.above10},
                          {"efficiency_above_10pct_max", 1.0 / (s.above10 * s.above10 * r.seconds)},
                          {"peak_rss_mib", peak_rss_mib()}});
  return j;
}

// The spine case's name: plain, hybrid, or hybrid with k^3 scatter cells ("-coarse<k>").
std::string spine_case_name(bool hybrid, int scatter_cells) {
  return std::string(hybrid ? "spine-ct-L1-1mm-hybrid" : "spine-ct-L1-1mm") +
         (scatter_cells > 1 ? "-coarse" + std::to_string(scatter_cells) : "");
}

// The spine CT resampled to 1 mm (nearest voxel) in a 64 mm cube around the L1 vertebral body's
// centroid, with the shipped 50 kV source's spectrum as an isotropic point at the centroid: the
// replanning problem of issue 21. Reports the mean sigma in the body (VB_L1) and the Monte Carlo
// seconds that 2 % would take at this speed (sigma falls as 1/sqrt(histories)).
nlohmann::json run_spine_case(const MaterialLibrary& lib, const std::filesystem::path& ct,
                              std::uint64_t histories, unsigned threads, bool hybrid,
                              int scatter_cells, const Globals& g) {
  const PatientModel ct3 = dicom::load_spine_example(ct);
  const Structure* body3 = ct3.find("VB_L1");
  Vec3 c{0, 0, 0};
  std::size_t n = 0;
  for (std::size_t v = 0; v < body3->mask.size(); ++v)
    if (body3->mask[v]) {
      c += ct3.grid.position(ct3.grid.index3(v));
      ++n;
    }
  c = c / double(n);
  constexpr int kSide = 64;
  const Grid3 fine({kSide, kSide, kSide}, {1, 1, 1},
                   c - Vec3{0.5 * kSide - 0.5, 0.5 * kSide - 0.5, 0.5 * kSide - 0.5});
  const PatientModel pm = resample_nearest(ct3, fine);
  const std::vector<std::uint8_t>& target = pm.find("VB_L1")->mask;
  std::vector<std::unique_ptr<MaterialXs>> xs;
  std::vector<const MaterialXs*> media;
  for (const std::string& m : pm.media_names) {
    xs.push_back(std::make_unique<MaterialXs>(lib.get(m)));
    media.push_back(xs.back().get());
  }
  const Geometry geometry(fine, media, pm.medium, pm.density);
  const CommissionedSource cs = load_commissioned_source(
      resolve_commissioned_source("intrabeam-needle-50kv-sample.commissioned.json"));
  IsotropicPointSource src(c, cs.model.spectrum(lib));
  const MaterialXs water(lib.get("water"));
  TransportOptions o;
  o.threads = threads;
  o.hybrid = hybrid;
  o.dose_to_water = true;  // as plans score it (TG-186 Dw,m beside Dm,m)
  o.water = &water;
  o.scatter_cell_voxels = scatter_cells;
  o.progress = g.progress_mode();
  StopRules stop;
  stop.histories = histories;
  const TransportResult r = run_transport(geometry, src, stop, o);
  // Over the body's voxels that scored (a voxel no history reached has no sigma to average).
  double sum = 0;
  std::size_t in = 0, all = 0;
  for (std::size_t v = 0; v < target.size(); ++v) {
    all += target[v];
    if (target[v] && r.dose.value[v] > 0) {
      sum += r.dose.sigma_rel[v];
      ++in;
    }
  }
  const double s_target = in ? sum / double(in) : NAN;
  nlohmann::json j = figures(r, src.position(), threads);
  j.update(
      nlohmann::json{{"case", spine_case_name(hybrid, scatter_cells)},
                     {"scatter_cell_voxels", scatter_cells},
                     {"medium", "CT (tests/data/spine-ct, 3 mm resampled to 1 mm, 64 mm cube)"},
                     {"source", src.describe()},
                     {"hybrid", hybrid},
                     {"target_voxels", all},
                     {"target_voxels_scored", in},
                     {"sigma_rel_target", s_target},
                     {"seconds_to_2pct_target", r.seconds * (s_target / 0.02) * (s_target / 0.02)},
                     {"peak_rss_mib", peak_rss_mib()}});
  return j;
}

// A plan on the real spine CT as `kiort plan compute` computes it: L1's vertebral body (VB_L1) the
// target, the right transpedicular access that the planner proposes (one dwell position at the
// body's centroid; its needle check, which refuses this path on this CT's derived canal, is not
// run: the dose is what is timed), 8 Gy at 13 mm from the applicator surface, the CT resampled to
// 1 mm (nearest voxel) within the plan's dose margin, the Monte Carlo basis from compute_basis
// (hybrid, dose to medium and Dw,m, the probe and applicator as solids) with a fixed number of
// histories. Timed: compute_basis alone (the water table is loaded, or computed, before).
nlohmann::json run_spine_plan_case(const MaterialLibrary& lib, const std::filesystem::path& ct,
                                   std::uint64_t histories, unsigned threads, const Globals& g) {
  const PatientModel ct3 = dicom::load_spine_example(ct);
  const auto src_file =
      resolve_commissioned_source("intrabeam-needle-50kv-sample.commissioned.json");
  const CommissionedSource cs = load_commissioned_source(src_file);
  Plan plan;
  plan.id = "bench-spine-ct-L1-plan";
  plan.patient.kind = "volume";
  plan.patient.path = (ct / "example_ct.nii.gz").string();
  plan.level = "L1";
  plan.target = "VB_L1";
  plan.kv = cs.model.kv;
  plan.source = src_file.string();
  plan.source_checksum = cs.checksum;
  plan.prescription.kind = "point";
  plan.prescription.dose_gy = 8.0;
  plan.prescription.depth_mm = 13.0;
  plan.prescription.from = DepthConvention::kApplicatorSurface;
  plan.engine.engine = "mc";
  plan.engine.max_histories = histories;
  plan.engine.target_sigma_rel = 0;  // histories fixed: no sigma stop
  plan.accesses.push_back(propose_access(ct3, plan.target, "right", false, 1, 5.0));
  // 1 mm voxels on a lattice of the patient's coordinates, covering the dose box (margin_mm of
  // the dwell position) and 2 mm beyond.
  const Vec3 dwell = plan.accesses.front().dwell_positions().front();
  const double reach = plan.engine.margin_mm + 2.0;
  const int side = 2 * int(std::ceil(reach)) + 1;
  const Vec3 origin{std::floor(dwell.x - reach) + 0.5, std::floor(dwell.y - reach) + 0.5,
                    std::floor(dwell.z - reach) + 0.5};
  const PatientModel pm = resample_nearest(ct3, Grid3({side, side, side}, {1, 1, 1}, origin));
  PlanContext ctx;
  ctx.patient = &pm;
  ctx.source = &cs;
  ctx.lib = &lib;
  ctx.cache_dir = cache_dir();
  ctx.progress = g.progress_mode();
  ctx.threads = threads;
  ctx.world = g.world;
  const auto t0 = std::chrono::steady_clock::now();
  const WaterEngine water = water_engine_for(ctx);
  const auto t1 = std::chrono::steady_clock::now();
  const DoseBasis basis = compute_basis(plan, ctx, water);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const double table_seconds = std::chrono::duration<double>(t1 - t0).count();
  // Over the body's voxels in the dose grid that scored, the applicator's left out (as its DVH).
  const Structure& body = *pm.find(plan.target);
  const std::vector<float>& dose = basis.primary.front();
  const std::vector<float>& sigma = basis.sigma.front();
  const std::vector<std::size_t> rows = structure_rows(pm, body, basis.box);
  double sum = 0;
  std::size_t in = 0;
  for (const std::size_t v : rows)
    if (dose[v] > 0) {
      sum += sigma[v];
      ++in;
    }
  const double s_target = in ? sum / double(in) : NAN;
  ScoredGrid grid;  // the figure of merit within 15 mm, as for the other cases
  grid.grid = basis.box.grid;
  grid.value.assign(dose.begin(), dose.end());
  grid.sigma_rel.assign(sigma.begin(), sigma.end());
  const double s15 = sigma_within_15mm(grid, dwell);
  const auto& d = basis.box.grid.dims();
  const Access& a = plan.accesses.front();
  return {{"case", "spine-ct-L1-plan"},
          {"commit", git_commit()},
          {"threads", threads},
          {"ranks", g.world ? g.world->size() : 1},
          {"histories", basis.histories},
          {"seconds", seconds},
          {"water_table_seconds", table_seconds},
          {"histories_per_second", double(basis.histories) / seconds},
          {"sigma_rel_15mm", s15},
          {"efficiency_15mm", 1.0 / (s15 * s15 * seconds)},
          {"target", plan.target},
          {"target_voxels", body.voxel_count()},
          {"target_voxels_scored", in},
          {"sigma_rel_target", s_target},
          {"seconds_to_2pct_target", seconds * (s_target / 0.02) * (s_target / 0.02)},
          {"access", a.name},
          {"tip_lps", {a.tip_lps.x, a.tip_lps.y, a.tip_lps.z}},
          {"entry_lps", {a.entry_lps.x, a.entry_lps.y, a.entry_lps.z}},
          {"dose_grid", {d[0], d[1], d[2]}},
          {"voxel_mm", 1.0},
          {"medium", "CT (tests/data/spine-ct, 3 mm resampled to 1 mm)"},
          {"source", cs.model.name},
          {"peak_rss_mib", peak_rss_mib()}};
}

// A clinical CT's size: 512 x 512 x 200 voxels of 0.98 x 0.98 x 2 mm; only a 128 x 128 x 64
// box around the source scores.
nlohmann::json run_ct_memory(const MaterialLibrary& lib, std::uint64_t histories, unsigned threads,
                             const Globals& g) {
  const double rss_before = peak_rss_mib();
  const MaterialXs water(lib.get("water"));
  const Grid3 grid({512, 512, 200}, {0.9766, 0.9766, 2.0}, {-249.5, -249.5, -199.0});
  Geometry geometry(grid, {&water}, std::vector<std::int16_t>(grid.voxel_count(), 0),
                    std::vector<float>(grid.voxel_count(), 1.0f));
  IsotropicPointSource src({0, 0, 0}, Spectrum::monoenergetic(30));
  TransportOptions o;
  o.threads = threads;
  o.progress = g.progress_mode();
  o.scoring_box = std::array<std::array<int, 3>, 2>{{{192, 192, 68}, {320, 320, 132}}};
  StopRules stop;
  stop.histories = histories;
  const TransportResult r = run_transport(geometry, src, stop, o);
  return {{"case", "ct-512x512x200-crop-128x128x64"},
          {"histories", r.histories},
          {"seconds", r.seconds},
          {"histories_per_second", double(r.histories) / r.seconds},
          {"geometry_mib", double(grid.voxel_count()) * 8 / (1024.0 * 1024.0)},
          {"peak_rss_before_mib", rss_before},
          {"peak_rss_mib", peak_rss_mib()}};
}

}  // namespace

void add_bench_command(CLI::App& app, const Globals& globals, Commands& commands) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks of the dose engines");
  bench->require_subcommand(1);
  add_water_bench(*bench, globals, commands);
  struct Args {
    bool json = false;
    std::uint64_t histories = 500000;
    unsigned threads = 0;
    std::string spine_ct = "tests/data/spine-ct";
    std::vector<std::string> cases;
  };
  auto args = std::make_shared<Args>();
  CLI::App* mc = bench->add_subcommand(
      "mc",
      "Monte Carlo speed and efficiency: 30 keV in a 100 mm water and bone cube with 1 mm "
      "voxels, a 50 kV spectrum, the hybrid mode, the real spine CT's L1 at 1 mm, and a "
      "clinical-size CT's memory");
  mc->add_flag("--json", args->json, "Print JSON");
  mc->add_option("--histories", args->histories, "Histories per case")->capture_default_str();
  mc->add_option("--threads", args->threads, "Threads (default: all cores)");
  mc->add_option("--spine-ct", args->spine_ct,
                 "The real spine CT's folder (tests/data/spine-ct of the source tree); the case "
                 "is left out when it does not exist")
      ->capture_default_str();
  mc->add_option("--cases", args->cases,
                 "Only these cases (comma-separated): water-30keV, bone-30keV, water-kramers50, "
                 "water-30keV-hybrid, bone-30keV-hybrid, spine-ct-L1-1mm, spine-ct-L1-1mm-hybrid, "
                 "spine-ct-L1-plan (a plan's Monte Carlo basis on the spine CT), "
                 "ct-512x512x200-crop-128x128x64")
      ->delimiter(',');
  commands.push_back(
      {mc, [args, &globals] {
         const MaterialLibrary lib = MaterialLibrary::load_default();
         const unsigned threads =
             args->threads ? args->threads : std::thread::hardware_concurrency();
         const auto& only = args->cases;
         auto wanted = [&](const std::string& name) {
           return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
         };
         nlohmann::json cases = nlohmann::json::array();
         auto print = [&](const nlohmann::json& c) {
           if (args->json || !globals.writes()) return;
           std::printf("%-32s %10.0f histories/s  sigma(15 mm) %.4f  efficiency %.3g /s",
                       c["case"].get<std::string>().c_str(),
                       c["histories_per_second"].get<double>(), c["sigma_rel_15mm"].get<double>(),
                       c["efficiency_15mm"].get<double>());
           if (c.contains("sigma_rel_target"))
             std::printf("  target sigma %.4f, 2 %% in %.2f s", c["sigma_rel_target"].get<double>(),
                         c["seconds_to_2pct_target"].get<double>());
           std::printf("\n");
         };
         const Case list[] = {
             {"water-30keV", "water", "", 30, false},
             {"bone-30keV", "cortical-bone", "", 30, false},
             {"water-kramers50", "water", "kramers50-benchmark.txt", 0, false},
             {"water-30keV-hybrid", "water", "", 30, true},
             {"bone-30keV-hybrid", "cortical-bone", "", 30, true},
             {"water-30keV-hybrid-coarse2", "water", "", 30, true, 2},
             {"water-30keV-hybrid-coarse3", "water", "", 30, true, 3},
             {"bone-30keV-hybrid-coarse2", "cortical-bone", "", 30, true, 2},
             {"water-kramers50-hybrid-coarse3", "water", "kramers50-benchmark.txt", 0, true, 3},
             {"water-30keV-hybrid-coarse3-split4", "water", "", 30, true, 3, 4},
             {"water-30keV-hybrid-coarse3-split8", "water", "", 30, true, 3, 8}};
         for (const Case& c : list)
           if (wanted(c.name)) {
             cases.push_back(run_case(c, lib, args->histories, threads, globals));
             print(cases.back());
           }
         for (const int variant : {0, 1, 2, 3}) {  // plain, hybrid, hybrid with 2^3, 3^3 cells
           const bool hybrid = variant > 0;
           const int cells = variant >= 2 ? variant : 0;
           const std::string name = spine_case_name(hybrid, cells);
           if (!wanted(name)) continue;
           if (!std::filesystem::is_directory(args->spine_ct)) {
             spdlog::warn("bench mc: no spine CT at {}; {} is left out", args->spine_ct, name);
             continue;
           }
           cases.push_back(run_spine_case(lib, args->spine_ct, args->histories, threads, hybrid,
                                          cells, globals));
           print(cases.back());
         }
         if (wanted("spine-ct-L1-plan")) {
           if (std::filesystem::is_directory(args->spine_ct)) {
             cases.push_back(
                 run_spine_plan_case(lib, args->spine_ct, args->histories, threads, globals));
             print(cases.back());
           } else {
             spdlog::warn("bench mc: no spine CT at {}; spine-ct-L1-plan is left out",
                          args->spine_ct);
           }
         }
         if (wanted("ct-512x512x200-crop-128x128x64")) {
           cases.push_back(run_ct_memory(lib, args->histories / 5, threads, globals));
           if (!args->json && globals.writes())
             std::printf("clinical CT (512x512x200, crop 128x128x64): peak RSS %.0f MiB\n",
                         cases.back()["peak_rss_mib"].get<double>());
         }
         const nlohmann::json out = {{"kiort", std::string(version()) + " " + git_commit()},
                                     {"commit", git_commit()},
                                     {"threads", threads},
                                     {"cases", cases}};
         if (args->json && globals.writes()) std::printf("%s\n", out.dump(2).c_str());
         return 0;
       }});
}

void add_water_bench(CLI::App& bench, const Globals& globals, Commands& commands) {
  struct Args {
    bool json = false;
    int n = 200;
    double voxel_mm = 0.5;
    int repeats = 5;
    unsigned threads = 0;
    std::uint64_t table_histories = McSettings{}.histories;
    std::string source = "intrabeam-needle-50kv-sample.commissioned.json";
  };
  auto a = std::make_shared<Args>();
  CLI::App* w = bench.add_subcommand(
      "water", "Fast water engine: fill an N^3 dose grid from one dwell position (table cached)");
  w->add_flag("--json", a->json, "Print JSON");
  w->add_option("--n", a->n, "Grid points per axis")->capture_default_str();
  w->add_option("--voxel-mm", a->voxel_mm, "Voxel size (mm)")->capture_default_str();
  w->add_option("--repeats", a->repeats, "Timed repetitions (the best and the mean are shown)")
      ->capture_default_str();
  w->add_option("--threads", a->threads, "Threads (default: all cores)");
  w->add_option("--table-histories", a->table_histories,
                "Histories of the water table when it is not cached yet")
      ->capture_default_str();
  w->add_option("--source", a->source, "Commissioned source (file, or name in data/sources)")
      ->capture_default_str();
  commands.push_back(
      {w, [a, &globals] {
         const MaterialLibrary lib = MaterialLibrary::load_default();
         const CommissionedSource src =
             load_commissioned_source(resolve_commissioned_source(a->source));
         McSettings mc;
         mc.histories = a->table_histories;
         mc.progress = globals.progress_mode();
         mc.world = globals.world;
         const auto t0 = std::chrono::steady_clock::now();
         const WaterEngine engine = WaterEngine::for_source(src, lib, cache_dir(), mc);
         const double table_s =
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
         const double half = 0.5 * a->n * a->voxel_mm;
         const Grid3 grid({a->n, a->n, a->n}, {a->voxel_mm, a->voxel_mm, a->voxel_mm},
                          {-half, -half, -half});
         const unsigned threads = a->threads ? a->threads : std::thread::hardware_concurrency();
         double best = 1e300, sum = 0;
         for (int k = 0; k < a->repeats; ++k) {
           const auto s0 = std::chrono::steady_clock::now();
           const auto dose = engine.fill(grid, {0.1, 0.2, 0.3}, {0, 0, 1}, threads);
           const double s =
               std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
           best = std::min(best, s);
           sum += s;
           if (dose.size() != grid.voxel_count())
             throw Error::internal("water engine filled a wrong-sized grid");
         }
         if (!globals.writes()) return 0;  // rank 0 prints for all
         const double voxels = double(grid.voxel_count());
         const nlohmann::json out = {{"kiort", std::string(version()) + " " + git_commit()},
                                     {"threads", threads},
                                     {"grid", {a->n, a->n, a->n}},
                                     {"voxel_mm", a->voxel_mm},
                                     {"table_seconds", table_s},
                                     {"fill_seconds_best", best},
                                     {"fill_seconds_mean", sum / a->repeats},
                                     {"ns_per_voxel_best", 1e9 * best / voxels * threads}};
         if (a->json)
           std::printf("%s\n", out.dump(2).c_str());
         else
           std::printf(
               "water engine: %d^3 grid filled in %.3f s (best of %d, mean %.3f s, %u threads); "
               "table %.1f s (cached after the first run)\n",
               a->n, best, a->repeats, sum / a->repeats, threads, table_s);
         return 0;
       }});
}

}  // namespace kiort::cli
