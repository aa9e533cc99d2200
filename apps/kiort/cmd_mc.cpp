// kiort mc point | box: the Monte Carlo engine on its validation geometries.
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/nrrd.h"
#include "physics/cross_sections.h"
#include "transport/problems.h"
#include "transport/transport.h"

namespace kiort::cli {
namespace {

struct McArgs {
  std::string medium = "water";
  double energy_kev = 0;
  std::string spectrum;
  std::uint64_t histories = 0;
  double target_sigma = 0, time_limit_s = 0;
  bool primary_only = false, json = false, dose_to_water = false, analog = false, hybrid = false;
  std::uint64_t seed = 1;
  unsigned threads = 0;
  double cutoff_kev = 1.0;
  // point
  double radius_mm = 30, shell_mm = 1;
  // box
  double size_mm = 100, voxel_mm = 1;
  std::string out;
};

void add_common(CLI::App* sub, McArgs& a) {
  sub->add_option("--medium", a.medium, "Material of the phantom (kiort xs --list)")
      ->capture_default_str();
  auto* e = sub->add_option("--energy", a.energy_kev, "Monoenergetic source, keV (1-60)");
  auto* s =
      sub->add_option("--spectrum", a.spectrum, "Spectrum file: two columns, keV and fluence");
  e->excludes(s);
  sub->add_option("--histories", a.histories, "Number of histories");
  sub->add_option("--target-sigma", a.target_sigma,
                  "Stop at this relative sigma (mean over voxels above 50 % of the maximum)");
  sub->add_option("--time-limit", a.time_limit_s, "Stop after this many seconds");
  sub->add_flag("--primary-only", a.primary_only, "Score uncollided photons only");
  sub->add_option("--seed", a.seed, "Random seed")->capture_default_str();
  sub->add_option("--threads", a.threads, "Threads (default: all cores)");
  sub->add_option("--cutoff", a.cutoff_kev, "Photon cut-off energy, keV")->capture_default_str();
  sub->add_flag("--json", a.json, "Print a JSON summary");
}

std::unique_ptr<PhotonSource> make_source(const McArgs& a) {
  if (a.spectrum.empty() && !(a.energy_kev > 0))
    throw Error::bad_input("no source energy")
        .field("--energy/--spectrum")
        .expected("--energy KEV (1-60) or --spectrum FILE");
  Spectrum spec =
      a.spectrum.empty() ? Spectrum::monoenergetic(a.energy_kev) : Spectrum::load(a.spectrum);
  return std::make_unique<IsotropicPointSource>(Vec3{0, 0, 0}, std::move(spec));
}

StopRules stop_rules(const McArgs& a) {
  StopRules s;
  s.histories = a.histories;
  s.target_sigma_rel = a.target_sigma;
  s.time_limit_s = a.time_limit_s;
  return s;
}

TransportOptions options(const McArgs& a, const Globals& g) {
  TransportOptions o;
  o.primary_only = a.primary_only;
  o.seed = a.seed;
  o.threads = a.threads;
  o.cutoff_kev = a.cutoff_kev;
  o.progress = a.json ? ProgressMode::kQuiet : g.progress_mode();
  o.world = g.world;
  return o;
}

nlohmann::json balance_json(const EnergyBalance& b) {
  return {{"emitted_kev", b.emitted},
          {"deposited_voxels_kev", b.deposited_voxels},
          {"deposited_solids_kev", b.deposited_solids},
          {"cutoff_kev", b.cutoff},
          {"escaped_kev", b.escaped},
          {"sigma_deposited_kev", b.sigma_deposited}};
}

int run_point(const McArgs& a, const Globals& g) {
  const MaterialLibrary lib = MaterialLibrary::load_default();
  const MaterialXs medium(lib.get(a.medium));
  const Geometry geometry = make_sphere_problem(medium, a.radius_mm);
  if (!(a.shell_mm > 0) || a.shell_mm > a.radius_mm)
    throw Error::bad_input("shell width must be positive and at most the radius")
        .field("--shell-mm")
        .seen(std::to_string(a.shell_mm));
  TransportOptions o = options(a, g);
  const int n = static_cast<int>(std::floor(a.radius_mm / a.shell_mm + 1e-9));
  for (int i = 0; i <= n; ++i) o.shell_radii_mm.push_back(i * a.shell_mm);
  const auto src = make_source(a);
  const TransportResult r = run_transport(geometry, *src, stop_rules(a), o);
  if (!g.writes()) return 0;
  nlohmann::json shells = nlohmann::json::array();
  for (const ShellResult& s : r.shells)
    shells.push_back({{"r_inner_mm", s.r_inner_mm},
                      {"r_outer_mm", s.r_outer_mm},
                      {"dose_gy_per_history", s.dose_gy_per_history},
                      {"sigma_rel", s.sigma_rel}});
  if (a.json) {
    const nlohmann::json out = {
        {"histories", r.histories}, {"seconds", r.seconds},
        {"medium", a.medium},       {"source", src->describe()},
        {"shells", shells},         {"energy_balance", balance_json(r.balance)}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%llu histories in %.2f s (%.3g /s), %s in %s\n%12s %12s %16s %10s\n",
                static_cast<unsigned long long>(r.histories), r.seconds,
                double(r.histories) / r.seconds, src->describe().c_str(), a.medium.c_str(),
                "r_in [mm]", "r_out [mm]", "dose [Gy/hist]", "sigma [%]");
    for (const ShellResult& s : r.shells)
      std::printf("%12.3f %12.3f %16.5e %10.3f\n", s.r_inner_mm, s.r_outer_mm,
                  s.dose_gy_per_history, 100 * s.sigma_rel);
  }
  return 0;
}

int run_box(const McArgs& a, const Globals& g) {
  if (a.out.empty()) throw Error::bad_input("no output folder").field("--out");
  const MaterialLibrary lib = MaterialLibrary::load_default();
  const MaterialXs medium(lib.get(a.medium));
  const MaterialXs water(lib.get("water"));
  const Geometry geometry = make_box_problem(medium, a.size_mm, a.voxel_mm);
  TransportOptions o = options(a, g);
  o.dose_to_water = a.dose_to_water;
  o.analog = a.analog;
  o.hybrid = a.hybrid;
  o.water = &water;
  const auto src = make_source(a);
  const TransportResult r = run_transport(geometry, *src, stop_rules(a), o);
  if (!g.writes()) return 0;
  std::filesystem::create_directories(a.out);
  const std::filesystem::path dir(a.out);
  write_nrrd(dir / "dose.nrrd", *r.dose.grid, r.dose.value, "dose to medium per history", "Gy");
  write_nrrd(dir / "sigma.nrrd", *r.dose.grid, r.dose.sigma_rel, "relative standard error", "1");
  if (a.dose_to_water)
    write_nrrd(dir / "dose_water.nrrd", *r.dose_water.grid, r.dose_water.value,
               "dose to water in medium per history", "Gy");
  double max = 0;
  for (double d : r.dose.value) max = std::max(max, d);
  const nlohmann::json summary = {{"histories", r.histories},
                                  {"seconds", r.seconds},
                                  {"medium", a.medium},
                                  {"source", src->describe()},
                                  {"seed", a.seed},
                                  {"voxel_mm", a.voxel_mm},
                                  {"dims", r.dose.grid->dims()},
                                  {"max_dose_gy_per_history", max},
                                  {"mean_sigma_rel_above_50pct", r.achieved_sigma_rel},
                                  {"stopped_by", r.stopped_by},
                                  {"hybrid", a.hybrid},
                                  {"primary_seconds", r.primary_seconds},
                                  {"energy_balance", balance_json(r.balance)},
                                  {"files", {"dose.nrrd", "sigma.nrrd"}}};
  write_file_atomic(dir / "summary.json", summary.dump(2) + "\n");
  if (a.json)
    std::printf("%s\n", summary.dump(2).c_str());
  else
    std::printf("%llu histories in %.2f s; wrote %s/dose.nrrd, sigma.nrrd, summary.json\n",
                static_cast<unsigned long long>(r.histories), r.seconds, a.out.c_str());
  return 0;
}

}  // namespace

void add_mc_command(CLI::App& app, const Globals& globals, Commands& commands) {
  CLI::App* mc = app.add_subcommand("mc", "Monte Carlo photon transport on validation geometries");
  mc->require_subcommand(1);
  auto point_args = std::make_shared<McArgs>();
  CLI::App* point = mc->add_subcommand(
      "point", "Point source at the centre of a homogeneous sphere: dose in spherical shells");
  add_common(point, *point_args);
  point->add_option("--radius-mm", point_args->radius_mm, "Sphere radius, mm")
      ->capture_default_str();
  point->add_option("--shell-mm", point_args->shell_mm, "Shell width, mm")->capture_default_str();
  commands.push_back({point, [point_args, &globals] { return run_point(*point_args, globals); }});

  auto box_args = std::make_shared<McArgs>();
  CLI::App* box = mc->add_subcommand(
      "box", "Point source at the centre of a voxelised cube: dose and sigma as NRRD");
  add_common(box, *box_args);
  box->add_option("--size-mm", box_args->size_mm, "Cube side, mm")->capture_default_str();
  box->add_option("--voxel-mm", box_args->voxel_mm, "Voxel size, mm")->capture_default_str();
  box->add_flag("--dose-to-water", box_args->dose_to_water, "Also write dose to water in medium");
  box->add_flag("--analog", box_args->analog, "Also score analog energy deposition");
  box->add_flag("--hybrid", box_args->hybrid,
                "Primary kerma by exact ray tracing, Monte Carlo for scattered photons only");
  box->add_option("--out", box_args->out, "Output folder")->required();
  commands.push_back({box, [box_args, &globals] { return run_box(*box_args, globals); }});
}

}  // namespace kiort::cli
