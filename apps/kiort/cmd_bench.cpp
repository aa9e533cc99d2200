// kiort bench mc: histories per second and efficiency 1/(sigma^2 T) of the Monte Carlo engine on
// fixed problems, and the memory a clinical-size CT costs. kiort bench water: how fast the fast
// water engine fills a dose grid. Results go to docs/benchmarks.md.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/version.h"
#include "dose/water_engine.h"
#include "physics/cross_sections.h"
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

struct Case {
  std::string name, medium, spectrum;
  double energy_kev = 30;
  bool hybrid = false;
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
  o.progress = g.progress_mode();
  StopRules stop;
  stop.histories = histories;
  const TransportResult r = run_transport(geometry, src, stop, o);
  const SigmaStats s = sigma_stats(r.dose);
  return {{"case", c.name},
          {"medium", c.medium},
          {"source", src.describe()},
          {"hybrid", c.hybrid},
          {"histories", r.histories},
          {"seconds", r.seconds},
          {"primary_seconds", r.primary_seconds},
          {"histories_per_second", double(r.histories) / r.seconds},
          {"sigma_rel_5_20mm", s.ring},
          {"efficiency_5_20mm", 1.0 / (s.ring * s.ring * r.seconds)},
          {"sigma_rel_above_10pct_max", s.above10},
          {"efficiency_above_10pct_max", 1.0 / (s.above10 * s.above10 * r.seconds)},
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
          {"geometry_mib", double(grid.voxel_count()) * 6 / (1024.0 * 1024.0)},
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
  };
  auto args = std::make_shared<Args>();
  CLI::App* mc = bench->add_subcommand(
      "mc",
      "Monte Carlo speed and efficiency: 30 keV in a 100 mm water and bone cube with 1 mm "
      "voxels, a 50 kV spectrum, the hybrid mode, and a clinical-size CT's memory");
  mc->add_flag("--json", args->json, "Print JSON");
  mc->add_option("--histories", args->histories, "Histories per case")->capture_default_str();
  mc->add_option("--threads", args->threads, "Threads (default: all cores)");
  commands.push_back(
      {mc, [args, &globals] {
         const MaterialLibrary lib = MaterialLibrary::load_default();
         const unsigned threads =
             args->threads ? args->threads : std::thread::hardware_concurrency();
         nlohmann::json cases = nlohmann::json::array();
         const Case list[] = {{"water-30keV", "water", "", 30, false},
                              {"bone-30keV", "cortical-bone", "", 30, false},
                              {"water-kramers50", "water", "kramers50-benchmark.txt", 0, false},
                              {"water-30keV-hybrid", "water", "", 30, true}};
         for (const Case& c : list) {
           cases.push_back(run_case(c, lib, args->histories, threads, globals));
           if (!args->json)
             std::printf("%-22s %10.0f histories/s  sigma(5-20 mm) %.4f  efficiency %.3g /s\n",
                         c.name.c_str(), cases.back()["histories_per_second"].get<double>(),
                         cases.back()["sigma_rel_5_20mm"].get<double>(),
                         cases.back()["efficiency_5_20mm"].get<double>());
         }
         const double gain = cases[3]["efficiency_5_20mm"].get<double>() /
                             cases[0]["efficiency_5_20mm"].get<double>();
         const double gain10 = cases[3]["efficiency_above_10pct_max"].get<double>() /
                               cases[0]["efficiency_above_10pct_max"].get<double>();
         cases.push_back(run_ct_memory(lib, args->histories / 5, threads, globals));
         const nlohmann::json out = {{"kiort", std::string(version()) + " " + git_commit()},
                                     {"threads", threads},
                                     {"cases", cases},
                                     {"hybrid_gain_5_20mm", gain},
                                     {"hybrid_gain_above_10pct_max", gain10}};
         if (args->json)
           std::printf("%s\n", out.dump(2).c_str());
         else
           std::printf(
               "hybrid efficiency gain: %.2f (5-20 mm), %.2f (voxels > 10 %% of max)\n"
               "clinical CT (512x512x200, crop 128x128x64): peak RSS %.0f MiB\n",
               gain, gain10, cases.back()["peak_rss_mib"].get<double>());
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
