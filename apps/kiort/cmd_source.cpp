// kiort source list | commission | depth-dose: the probe model, its commissioning to a probe's
// calibration table, and depth dose in any medium.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "core/error.h"
#include "core/paths.h"
#include "dose/probe_dosimetry.h"
#include "dose/water_engine.h"
#include "report/plot.h"
#include "source/phase_space.h"

namespace kiort::cli {
namespace {

void list_sources() {
  std::printf("Probe models (data/sources):\n");
  for (const auto& e : std::filesystem::directory_iterator(data_dir() / "sources")) {
    if (e.path().extension() != ".json") continue;
    try {
      const CommissionedSource c = load_commissioned_source(e.path());
      std::printf("  %-44s commissioned, %g kV, probe %s, calibrated %s%s\n",
                  e.path().filename().c_str(), c.model.kv, c.calibration.probe_serial.c_str(),
                  c.calibration.calibration_date.c_str(),
                  c.calibration.illustrative ? " (ILLUSTRATIVE CALIBRATION)" : "");
    } catch (const Error&) {
      const ProbeModel m = load_probe_model(e.path());
      std::printf("  %-44s model (not commissioned), %g kV, %s\n", e.path().filename().c_str(),
                  m.kv, m.description.c_str());
    }
  }
  std::printf("Calibration tables (data/calibration):\n");
  for (const auto& e : std::filesystem::directory_iterator(data_dir() / "calibration")) {
    if (e.path().extension() != ".csv") continue;
    const CalibrationTable t = load_calibration(e.path());
    std::printf("  %-44s probe %s, %g kV, %s, %s, %zu depths (%s, %s)%s\n",
                e.path().filename().c_str(), t.probe_serial.c_str(), t.kv, t.applicator.c_str(),
                t.calibration_date.c_str(), t.depth_mm.size(), to_string(t.convention),
                to_string(t.formalism), t.illustrative ? " ILLUSTRATIVE" : "");
  }
}

// kiort source phsp info|export: IAEA phase spaces in (a clinic's full probe model) and out
// (kiort's virtual source for other Monte Carlo codes).
void add_phase_space_commands(CLI::App& src, Commands& commands) {
  CLI::App* phsp = src.add_subcommand("phsp", "IAEA-format phase-space files");
  phsp->require_subcommand(1);
  struct InfoArgs {
    std::string file;
    bool json = false;
  };
  auto ia = std::make_shared<InfoArgs>();
  CLI::App* info =
      phsp->add_subcommand("info", "Summarise a phase space: particles, energy, angles");
  info->add_option("file", ia->file, "The .IAEAheader, .IAEAphsp or their common stem")->required();
  info->add_flag("--json", ia->json, "Print JSON");
  commands.push_back({info, [ia] {
                        const PhaseSpace ps = read_iaea_phase_space(ia->file);
                        double forward = 0, backward = 0, e_max = 0;
                        for (const auto& p : ps.photons) {
                          (p.w >= 0 ? forward : backward) += p.weight;
                          e_max = std::max(e_max, double(p.e_kev));
                        }
                        const nlohmann::json out = {
                            {"title", ps.header.title},
                            {"particles", ps.header.particles},
                            {"photons", ps.photons.size()},
                            {"other_particles", ps.other_particles},
                            {"original_histories", ps.header.original_histories},
                            {"new_histories", ps.new_histories},
                            {"mean_energy_kev", ps.mean_energy_kev()},
                            {"max_energy_kev", e_max},
                            {"forward_fraction", forward / (forward + backward)}};
                        if (ia->json)
                          std::printf("%s\n", out.dump(2).c_str());
                        else
                          std::printf(
                              "%s: %zu photons (of %llu particles), mean %.2f keV, max %.2f keV, "
                              "%.1f %% forward\n",
                              ia->file.c_str(), ps.photons.size(),
                              static_cast<unsigned long long>(ps.header.particles),
                              ps.mean_energy_kev(), e_max, 100 * forward / (forward + backward));
                        return 0;
                      }});
  struct ExportArgs {
    std::string source, out;
    std::uint64_t photons = 1000000;
    std::uint64_t seed = 1;
  };
  auto ea = std::make_shared<ExportArgs>();
  CLI::App* ex = phsp->add_subcommand(
      "export",
      "Write the commissioned virtual source as an IAEA phase space (source frame: "
      "origin at the tip, +z forward, cm)");
  ex->add_option("--source", ea->source, "Commissioned source (a file, or a name in data/sources)")
      ->required();
  ex->add_option("--photons", ea->photons, "Photons to write")->capture_default_str();
  ex->add_option("--seed", ea->seed, "Random seed")->capture_default_str();
  ex->add_option("--out", ea->out, "Output stem (writes STEM.IAEAheader and STEM.IAEAphsp)")
      ->required();
  commands.push_back(
      {ex, [ea] {
         const MaterialLibrary lib = MaterialLibrary::load_default();
         const CommissionedSource s =
             load_commissioned_source(resolve_commissioned_source(ea->source));
         const ProbeSource probe({0, 0, 0}, {0, 0, 1}, s.model.spectrum(lib),
                                 s.model.forward_anisotropy);
         std::vector<PhaseSpacePhoton> v;
         v.reserve(ea->photons);
         for (std::uint64_t k = 0; k < ea->photons; ++k) {
           Philox rng(ea->seed, k);
           const Photon p = probe.sample(rng);
           v.push_back({float(p.e_kev), 0, 0, 0, float(p.u.x), float(p.u.y), float(p.u.z), 1.0f});
         }
         write_iaea_phase_space(ea->out, v, ea->photons,
                                "kiort virtual source " + s.calibration.probe_serial + " " +
                                    std::to_string(int(s.calibration.kv)) + " kV");
         std::printf("wrote %s.IAEAheader and %s.IAEAphsp (%llu photons)\n", ea->out.c_str(),
                     ea->out.c_str(), static_cast<unsigned long long>(ea->photons));
         return 0;
       }});
}

// Two panels on one PNG: dose rate in the medium and in water against depth (log scale), and the
// medium/water ratio, with the Monte Carlo sigma as error bars.
void write_media_png(const std::string& path, const nlohmann::json& rows, const std::string& medium,
                     const CommissionedSource& s, const std::string& from) {
  Plot top, bottom;
  Series m, w, ratio;
  m.name = medium + " (dose to medium)";
  m.markers = true;
  w.name = "water";
  w.dashed = true;
  ratio.name = medium + " / water";
  ratio.markers = true;
  for (const auto& r : rows) {
    const double d = r["depth_mm"].get<double>();
    const double sig = r["sigma_rel"].get<double>();
    const double v = r["dose_rate_gy_per_min"].get<double>();
    const double q = r["ratio_to_water"].get<double>();
    m.x.push_back(d);
    m.y.push_back(v);
    m.y_err_low.push_back(v * sig);
    m.y_err_high.push_back(v * sig);
    w.x.push_back(d);
    w.y.push_back(r["water_dose_rate_gy_per_min"].get<double>());
    ratio.x.push_back(d);
    ratio.y.push_back(q);
  }
  const std::string depth = std::string("Depth from the ") +
                            (from == "surface" ? "applicator surface" : "source centre") + " (mm)";
  top.title = s.model.name + ", " + std::to_string(int(s.model.kv)) + " kV (" +
              s.calibration.probe_serial + "): dose rate perpendicular to the probe";
  top.x.label = depth;
  top.y.label = "Dose rate (Gy/min)";
  top.y.log = true;
  top.series = {m, w};
  bottom.title = "Ratio of dose to " + medium + " to dose to water";
  bottom.x.label = depth;
  bottom.y.label = "Ratio";
  bottom.series = {ratio};
  const int width = 1000, height = 1100;
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  draw_plot(cr, top, 0, 0, width, height * 0.55);
  draw_plot(cr, bottom, 0, height * 0.55, width, height * 0.45);
  cairo_destroy(cr);
  const std::filesystem::path tmp = std::filesystem::path(path).concat(".tmp");
  const cairo_status_t st = cairo_surface_write_to_png(surface, tmp.c_str());
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    std::filesystem::remove(tmp);
    throw Error::bad_input("cannot write PNG").file(path).seen(cairo_status_to_string(st));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

void add_source_command(CLI::App& app, const Globals& globals, Commands& commands) {
  CLI::App* src = app.add_subcommand("source", "The probe source model and its commissioning");
  src->require_subcommand(1);
  commands.push_back({src->add_subcommand("list", "List probe models and calibration tables"), [] {
                        list_sources();
                        return 0;
                      }});

  struct CommissionArgs {
    std::string model = (data_dir() / "sources" / "intrabeam-needle.json").string();
    std::string calibration, out;
    McSettings mc;
    bool json = false;
  };
  auto ca = std::make_shared<CommissionArgs>();
  CLI::App* com = src->add_subcommand(
      "commission", "Fit the model's effective filtration to a calibration table (water MC)");
  com->add_option("--model", ca->model, "Probe model JSON")->capture_default_str();
  com->add_option("--calibration", ca->calibration, "Calibration CSV of the probe")->required();
  com->add_option("--out", ca->out, "Commissioned source JSON to write")->required();
  com->add_option("--histories", ca->mc.histories, "Monte Carlo histories")->capture_default_str();
  com->add_option("--seed", ca->mc.seed, "Random seed")->capture_default_str();
  com->add_option("--threads", ca->mc.threads, "Threads (default: all cores)");
  com->add_flag("--json", ca->json, "Print JSON");
  commands.push_back(
      {com, [ca, &globals] {
         const MaterialLibrary lib = MaterialLibrary::load_default();
         const ProbeModel model = load_probe_model(ca->model);
         const CalibrationTable table = load_calibration(ca->calibration);
         McSettings mc = ca->mc;
         mc.progress = ca->json ? ProgressMode::kQuiet : globals.progress_mode();
         mc.world = globals.world;
         const CommissioningResult r = commission(model, table, lib, mc);
         if (!globals.writes()) return r.pass ? 0 : static_cast<int>(ExitCode::kGoalNotMet);
         write_commissioned_source(ca->out, r);
         if (ca->json) {
           nlohmann::json rows = nlohmann::json::array();
           for (const auto& row : r.rows)
             rows.push_back({{"depth_mm", row.depth_mm},
                             {"table_gy_per_min", row.table_gy_per_min},
                             {"model_gy_per_min", row.model_gy_per_min},
                             {"residual", row.residual},
                             {"sigma_rel", row.sigma_rel}});
           std::printf("%s\n", nlohmann::json{{"filter_mm", r.model.filter_mm},
                                              {"max_abs_residual", r.max_abs_residual},
                                              {"tolerance", r.tolerance},
                                              {"pass", r.pass},
                                              {"illustrative", table.illustrative},
                                              {"validates", commissioning_validates(r)},
                                              {"rows", rows}}
                                   .dump(2)
                                   .c_str());
         } else {
           std::printf("probe %s, %g kV, %s; fitted %.3f mm %s; %llu histories\n",
                       table.probe_serial.c_str(), table.kv, table.applicator.c_str(),
                       r.model.filter_mm, r.model.filter_material.c_str(),
                       static_cast<unsigned long long>(r.histories));
           std::printf("%10s %14s %14s %10s %9s\n", "depth mm", "table Gy/min", "model Gy/min",
                       "residual", "sigma");
           for (const auto& row : r.rows)
             std::printf("%10.2f %14.4f %14.4f %9.2f%% %8.2f%%%s\n", row.depth_mm,
                         row.table_gy_per_min, row.model_gy_per_min, 100 * row.residual,
                         100 * row.sigma_rel, row.in_tolerance_range ? "" : "  (outside 5-30 mm)");
           std::printf("max |residual| at 5-30 mm: %.2f %% (tolerance %.0f %%): %s\n%s\nwrote %s\n",
                       100 * r.max_abs_residual, 100 * r.tolerance, r.pass ? "PASS" : "FAIL",
                       commissioning_validates(r).c_str(), ca->out.c_str());
         }
         return r.pass ? 0 : static_cast<int>(ExitCode::kGoalNotMet);
       }});

  struct DepthArgs {
    std::string source, medium = "water", from = "surface", engine = "mc";
    double kv = 0;
    std::string png;
    std::vector<double> depths;
    McSettings mc;
    bool json = false;
  };
  auto da = std::make_shared<DepthArgs>();
  CLI::App* dd = src->add_subcommand(
      "depth-dose",
      "Dose rate at depths perpendicular to the probe axis in a medium (and in water "
      "beside it, with the medium/water ratio)");
  auto* src_opt = dd->add_option("--source", da->source,
                                 "Commissioned source JSON (a file, or a name in data/sources)");
  auto* kv_opt =
      dd->add_option("--kv", da->kv, "Tube voltage: use the shipped commissioned source for it");
  src_opt->excludes(kv_opt);
  dd->callback([src_opt, kv_opt] {
    if (src_opt->count() == 0 && kv_opt->count() == 0)
      throw CLI::RequiredError("--source FILE or --kv KV");
  });
  dd->add_option("--medium", da->medium, "Medium (kiort xs --list)")->capture_default_str();
  dd->add_option("--depths", da->depths, "Depths in mm")->delimiter(',')->required();
  dd->add_option("--from", da->from, "Depth from the source centre or the applicator surface")
      ->check(CLI::IsMember({"centre", "surface"}))
      ->capture_default_str();
  dd->add_option(
        "--engine", da->engine,
        "mc (Monte Carlo in the medium) or water (the fast TG-43-style engine, water only)")
      ->check(CLI::IsMember({"mc", "water"}))
      ->capture_default_str();
  dd->add_option("--histories", da->mc.histories, "Monte Carlo histories")->capture_default_str();
  dd->add_option("--seed", da->mc.seed, "Random seed")->capture_default_str();
  dd->add_option("--threads", da->mc.threads, "Threads (default: all cores)");
  dd->add_flag("--json", da->json, "Print JSON");
  dd->add_option("--png", da->png,
                 "Also plot the medium beside water: dose rate (log) and the medium/water ratio");
  commands.push_back(
      {dd, [da, &globals] {
         const MaterialLibrary lib = MaterialLibrary::load_default();
         const CommissionedSource s =
             load_commissioned_source(da->source.empty() ? commissioned_source_for_kv(da->kv)
                                                         : resolve_commissioned_source(da->source));
         for (double d : da->depths)
           if (!(d >= 0 && d <= 60))
             throw Error::bad_input("depth out of range")
                 .field("--depths")
                 .seen(std::to_string(d))
                 .expected("0 to 60 mm");
         const double offset = da->from == "surface" ? s.model.surface_radius_mm() : 0.0;
         double r_max = 0;
         for (double d : da->depths) r_max = std::max(r_max, d + offset);
         McSettings mc = da->mc;
         mc.progress = da->json ? ProgressMode::kQuiet : globals.progress_mode();
         mc.world = globals.world;
         const Spectrum spectrum = s.model.spectrum(lib);
         const double scale = s.gy_per_min_per_gy_per_history;
         auto run = [&](const std::string& medium) {
           return SpectralBasis(s.model, lib, medium, r_max + 1.0, mc, &spectrum)
               .depth_dose(spectrum);
         };
         if (da->engine == "water") {
           if (da->medium != "water")
             throw Error::bad_input("the fast engine computes dose in water only")
                 .field("--medium")
                 .seen(da->medium)
                 .expected("water, or --engine mc");
           const WaterEngine engine = WaterEngine::for_source(s, lib, cache_dir(), mc);
           if (!globals.writes()) return 0;  // rank 0 prints for all
           nlohmann::json out = nlohmann::json::array();
           for (double d : da->depths) {
             const double rate = engine.perpendicular_dose_rate(d + offset);
             out.push_back({{"depth_mm", d},
                            {"dose_rate_gy_per_min", rate},
                            {"sigma_rel", nullptr},
                            {"medium", "water"},
                            {"engine", "water"}});
             if (!da->json) std::printf("%10.2f mm %12.4f Gy/min (water engine)\n", d, rate);
           }
           if (da->json) std::printf("%s\n", out.dump(2).c_str());
           return 0;
         }
         const auto medium_dd = run(da->medium);
         std::vector<DepthDosePoint> water_dd;
         if (da->medium != "water") water_dd = run("water");
         if (!globals.writes()) return 0;
         nlohmann::json out = nlohmann::json::array();
         if (!da->json)
           std::printf(
               "%s, %g kV, probe %s: dose rate perpendicular to the axis, depth from the %s\n"
               "%10s %16s %9s%s\n",
               s.model.name.c_str(), s.model.kv, s.calibration.probe_serial.c_str(),
               da->from == "surface" ? "applicator surface" : "source centre", "depth mm",
               ("Gy/min " + da->medium).c_str(), "sigma",
               water_dd.empty() ? "" : "     Gy/min water  ratio medium/water");
         for (double d : da->depths) {
           double sigma = 0;
           const double rate = scale * interpolate_depth_dose(medium_dd, d + offset, &sigma);
           nlohmann::json o = {{"depth_mm", d},
                               {"dose_rate_gy_per_min", rate},
                               {"sigma_rel", sigma},
                               {"medium", da->medium}};
           double water = 0;
           if (!water_dd.empty()) {
             water = scale * interpolate_depth_dose(water_dd, d + offset);
             o["water_dose_rate_gy_per_min"] = water;
             o["ratio_to_water"] = rate / water;
           }
           out.push_back(o);
           if (!da->json) {
             std::printf("%10.2f %16.4f %8.2f%%", d, rate, 100 * sigma);
             if (!water_dd.empty()) std::printf(" %16.4f %12.3f", water, rate / water);
             std::printf("\n");
           }
         }
         if (da->json) std::printf("%s\n", out.dump(2).c_str());
         if (!da->png.empty()) {
           if (water_dd.empty())
             throw Error::bad_input("a plot compares a medium with water")
                 .field("--medium")
                 .seen(da->medium)
                 .expected("a medium other than water with --png");
           write_media_png(da->png, out, da->medium, s, da->from);
           if (!da->json) std::printf("wrote %s\n", da->png.c_str());
         }
         return 0;
       }});
  add_phase_space_commands(*src, commands);
}

}  // namespace kiort::cli
