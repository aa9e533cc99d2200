#include "dose/probe_dosimetry.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/read_file.h"
#include "core/version.h"
#include "transport/transport.h"

namespace kiort {
namespace {

constexpr double kBandCos = kPerpendicularBandCos;

}  // namespace

ProbePhantom make_probe_phantom(const ProbeModel& m, const MaterialLibrary& lib,
                                const std::string& medium, double radius_mm) {
  ProbePhantom p;
  std::vector<std::string> names{medium, "air", m.tip_material, m.shaft_material};
  if (m.applicator_outer_radius_mm > 0) names.push_back(m.applicator_material);
  std::vector<const MaterialXs*> ptrs;
  std::set<std::string> seen;
  for (const auto& n : names)
    if (seen.insert(n).second) {
      p.media.push_back(std::make_unique<MaterialXs>(lib.get(n)));
      ptrs.push_back(p.media.back().get());
    }
  const double side = 2.0 * radius_mm * 1.001;
  p.geometry = std::make_unique<Geometry>(Grid3({1, 1, 1}, {side, side, side}, {0, 0, 0}), ptrs,
                                          std::vector<std::int16_t>{-1}, std::vector<float>{0.0f});
  add_probe_solids(*p.geometry, m, {0, 0, 0}, {0, 0, 1});
  p.geometry->add_solid(LayeredCapsule("phantom", {0, 0, 0}, {0, 0, 0},
                                       {{radius_mm, 0, lib.get(medium).density_g_cm3}}));
  return p;
}

SpectralBasis::SpectralBasis(const ProbeModel& model, const MaterialLibrary& lib,
                             const std::string& medium, double r_max_mm, const McSettings& mc,
                             const Spectrum* single, double phantom_radius_mm) {
  const double r0 = model.surface_radius_mm();
  const double width = std::max(0.5, (r_max_mm - r0) / 60.0);
  for (double r = r0; r < r_max_mm + width; r += width) radii_.push_back(r);
  if (single) {
    energy_edges_ = {0.0, model.kv + 1e-9};
  } else {
    for (double e = std::floor(model.min_energy_kev); e < model.kv; e += 1.0)
      energy_edges_.push_back(e);
    energy_edges_.push_back(model.kv + 1e-9);
  }
  const Spectrum sample = single ? *single : model.unfiltered_spectrum();
  for (std::size_t k = 0; k + 1 < energy_edges_.size(); ++k)
    sample_weight_.push_back(sample.cumulative(energy_edges_[k + 1]) -
                             sample.cumulative(energy_edges_[k]));
  // Full scatter: kFullScatterRadiusMm of medium about the source (or the phantom given), so the
  // backscatter from beyond the last radius is there as in a patient or a water tank.
  const ProbePhantom phantom = make_probe_phantom(
      model, lib, medium,
      phantom_radius_mm > 0 ? phantom_radius_mm : std::max(kFullScatterRadiusMm, r_max_mm + 20.0));
  const ProbeSource src({0, 0, 0}, {0, 0, 1}, sample, model.forward_anisotropy);
  TransportOptions o;
  o.seed = mc.seed;
  o.threads = mc.threads;
  o.progress = mc.progress;
  o.world = mc.world;
  o.scoring_box = std::array<std::array<int, 3>, 2>{};  // no voxel scoring
  o.shell_radii_mm = radii_;
  o.shell_cos_edges = {-1.0, -kBandCos, kBandCos, 1.0};
  o.shell_axis = {0, 0, 1};
  o.shell_energy_edges_kev = energy_edges_;
  StopRules stop;
  stop.histories = mc.histories;
  const TransportResult r = run_transport(*phantom.geometry, src, stop, o);
  histories_ = r.histories;
  seconds_ = r.seconds;
  const std::size_t n_r = radii_.size() - 1;
  for (std::size_t e = 0; e + 1 < energy_edges_.size(); ++e)
    for (std::size_t i = 0; i < n_r; ++i) {
      const ShellResult& s = r.shells[(e * n_r + i) * 3 + 1];
      dose_.push_back(s.dose_gy_per_history);
      sigma_abs_.push_back(s.dose_gy_per_history * s.sigma_rel);
    }
}

std::vector<DepthDosePoint> SpectralBasis::depth_dose(const Spectrum& spectrum) const {
  const std::size_t n_r = radii_.size() - 1, n_e = energy_edges_.size() - 1;
  std::vector<double> ratio(n_e, 0.0);
  for (std::size_t e = 0; e < n_e; ++e) {
    const double target =
        spectrum.cumulative(energy_edges_[e + 1]) - spectrum.cumulative(energy_edges_[e]);
    if (target > 0 && !(sample_weight_[e] > 0))
      throw Error::internal("spectrum has photons where the basis sampled none");
    ratio[e] = sample_weight_[e] > 0 ? target / sample_weight_[e] : 0.0;
  }
  std::vector<DepthDosePoint> out;
  for (std::size_t i = 0; i < n_r; ++i) {
    double d = 0, var = 0;
    for (std::size_t e = 0; e < n_e; ++e) {
      d += ratio[e] * dose_[e * n_r + i];
      var += std::pow(ratio[e] * sigma_abs_[e * n_r + i], 2);
    }
    out.push_back({shell_centroid(radii_[i], radii_[i + 1]), d, d > 0 ? std::sqrt(var) / d : 0.0});
  }
  return out;
}

double interpolate_depth_dose(const std::vector<DepthDosePoint>& dd, double r, double* sigma) {
  if (dd.size() < 2 || r < dd.front().r_mm || r > dd.back().r_mm)
    throw Error::bad_input("radius outside the computed depth dose")
        .seen(std::to_string(r))
        .expected(std::to_string(dd.front().r_mm) + " to " + std::to_string(dd.back().r_mm) +
                  " mm from the source centre");
  std::size_t i = 1;
  while (i + 1 < dd.size() && dd[i].r_mm < r) ++i;
  const DepthDosePoint &a = dd[i - 1], &b = dd[i];
  const double f = std::log(r / a.r_mm) / std::log(b.r_mm / a.r_mm);
  if (sigma) *sigma = (1 - f) * a.sigma_rel + f * b.sigma_rel;
  return std::exp((1 - f) * std::log(a.dose_gy_per_history) + f * std::log(b.dose_gy_per_history));
}

CommissioningResult commission(const ProbeModel& model, const CalibrationTable& table,
                               const MaterialLibrary& lib, const McSettings& mc) {
  if (std::abs(table.kv - model.kv) > 1e-6)
    throw Error::bad_input("calibration kV differs from the model's")
        .file(table.file)
        .field("kv")
        .seen(std::to_string(table.kv))
        .expected(std::to_string(model.kv) + " (the probe model's)");
  const double r_surface = model.surface_radius_mm();
  auto radius_of = [&](double depth) {
    return table.convention == DepthConvention::kApplicatorSurface ? depth + r_surface : depth;
  };
  std::vector<std::size_t> fit_rows;
  for (std::size_t i = 0; i < table.depth_mm.size(); ++i)
    if (table.depth_mm[i] >= 5.0 - 1e-9 && table.depth_mm[i] <= 30.0 + 1e-9) fit_rows.push_back(i);
  if (fit_rows.size() < 3)
    throw Error::bad_input("calibration table needs at least 3 depths within 5-30 mm")
        .file(table.file);
  if (std::abs(table.applicator_outer_radius_mm - r_surface) > 0.05)
    throw Error::bad_input("the calibration's applicator is not the probe model's")
        .file(table.file)
        .field("applicator_outer_radius_mm")
        .seen(std::to_string(table.applicator_outer_radius_mm))
        .expected(std::to_string(r_surface) + " mm (the model's applicator outer radius)");
  const double r_max = radius_of(table.depth_mm.back()) + 1.0;
  // The Monte Carlo phantom is the calibration's: as much water about the source as the table
  // was measured in (backscatter from beyond the deepest depth raises it by a few per cent).
  if (table.phantom_radius_mm < r_max + 5.0)
    throw Error::bad_input("the calibration's phantom is smaller than its deepest depth")
        .file(table.file)
        .field("phantom_radius_mm")
        .seen(std::to_string(table.phantom_radius_mm))
        .expected(">= " + std::to_string(r_max + 5.0) + " mm");
  const SpectralBasis basis(model, lib, "water", r_max, mc, nullptr, table.phantom_radius_mm);

  // log(table / model) for a filtration t; its spread is what the fit minimises.
  auto log_ratios = [&](double t, std::vector<std::vector<DepthDosePoint>>* keep) {
    const auto dd = basis.depth_dose(model.spectrum(lib, t));
    std::vector<double> lr;
    for (std::size_t i : fit_rows)
      lr.push_back(std::log(table.dose_rate_gy_per_min[i] /
                            interpolate_depth_dose(dd, radius_of(table.depth_mm[i]))));
    if (keep) keep->push_back(dd);
    return lr;
  };
  auto spread = [&](double t) {
    const auto lr = log_ratios(t, nullptr);
    double mean = 0;
    for (double x : lr) mean += x / double(lr.size());
    double ss = 0;
    for (double x : lr) ss += (x - mean) * (x - mean);
    return ss;
  };
  // Golden-section search for the water-equivalent filtration in [0, 10] mm.
  double lo = 0, hi = 10;
  const double g = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
  double f1 = spread(x1), f2 = spread(x2);
  for (int it = 0; it < 50; ++it) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = spread(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = spread(x2);
    }
  }
  CommissioningResult res;
  res.model = model;
  res.model.filter_mm = 0.5 * (lo + hi);
  res.calibration = table;
  res.histories = basis.histories();
  const auto dd = basis.depth_dose(res.model.spectrum(lib));
  double mean = 0;
  for (double x : log_ratios(res.model.filter_mm, nullptr)) mean += x / double(fit_rows.size());
  res.gy_per_min_per_gy_per_history = std::exp(mean);
  for (std::size_t i = 0; i < table.depth_mm.size(); ++i) {
    CommissioningRow row;
    row.depth_mm = table.depth_mm[i];
    row.r_mm = radius_of(row.depth_mm);
    row.table_gy_per_min = table.dose_rate_gy_per_min[i];
    row.in_tolerance_range = row.depth_mm >= 5.0 - 1e-9 && row.depth_mm <= 30.0 + 1e-9;
    if (row.r_mm >= dd.front().r_mm && row.r_mm <= dd.back().r_mm) {
      row.model_gy_per_min =
          res.gy_per_min_per_gy_per_history * interpolate_depth_dose(dd, row.r_mm, &row.sigma_rel);
      row.residual = row.model_gy_per_min / row.table_gy_per_min - 1.0;
      if (row.in_tolerance_range)
        res.max_abs_residual = std::max(res.max_abs_residual, std::abs(row.residual));
    }
    res.rows.push_back(row);
  }
  res.pass = res.max_abs_residual <= res.tolerance;
  return res;
}

namespace {
nlohmann::json calibration_json(const CalibrationTable& t) {
  return {{"file", t.file},
          {"probe_serial", t.probe_serial},
          {"kv", t.kv},
          {"applicator", t.applicator},
          {"calibration_date", t.calibration_date},
          {"dose_definition", t.dose_definition},
          {"depth_convention", to_string(t.convention)},
          {"formalism", to_string(t.formalism)},
          {"applicator_outer_radius_mm", t.applicator_outer_radius_mm},
          {"phantom", t.phantom},
          {"phantom_radius_mm", t.phantom_radius_mm},
          {"detector", t.detector},
          {"measured_by", t.measured_by},
          {"illustrative", t.illustrative},
          {"uncertainty_rel_k1", t.uncertainty_rel},
          {"depth_mm", t.depth_mm},
          {"dose_rate_gy_per_min", t.dose_rate_gy_per_min}};
}
}  // namespace

std::string commissioning_validates(const CommissioningResult& r) {
  if (r.calibration.illustrative)
    return std::string(kIllustrativeBanner) + ": " + (r.pass ? "PASS" : "FAIL") +
           " against an illustrative calibration validates nothing about a real probe; it only "
           "shows the model can reproduce that table";
  return r.pass ? "the model reproduces this probe's measured calibration within the tolerance"
                : "the model does not reproduce this probe's calibration";
}

void write_commissioned_source(const std::filesystem::path& path, const CommissioningResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows)
    rows.push_back({{"depth_mm", row.depth_mm},
                    {"r_mm", row.r_mm},
                    {"table_gy_per_min", row.table_gy_per_min},
                    {"model_gy_per_min", row.model_gy_per_min},
                    {"residual", row.residual},
                    {"sigma_rel", row.sigma_rel}});
  const nlohmann::json j = {
      {"kiort_commissioned_source", 1},
      {"software", std::string("kiort ") + version() + " (" + git_commit() + ")"},
      {"model", probe_model_to_json(r.model)},
      {"calibration", calibration_json(r.calibration)},
      {"gy_per_min_per_gy_per_history", r.gy_per_min_per_gy_per_history},
      {"commissioning",
       {{"fitted",
         {{"filter_material", r.model.filter_material}, {"filter_mm", r.model.filter_mm}}},
        {"tolerance", r.tolerance},
        {"range_mm", {5, 30}},
        {"max_abs_residual", r.max_abs_residual},
        {"pass", r.pass},
        {"validates", commissioning_validates(r)},
        {"phantom_radius_mm", r.calibration.phantom_radius_mm},
        {"histories", r.histories},
        {"rows", rows}}}};
  write_file_atomic(path, j.dump(2) + "\n");
}

CommissionedSource load_commissioned_source(const std::filesystem::path& path) {
  // Bounded: a plan naming "/dev/zero" or a huge file as its source is refused, not slurped.
  const std::string text = read_file_bounded(path, 64u << 20, "commissioned source");
  CommissionedSource s;
  std::string field = "calibration";
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.contains("kiort_commissioned_source"))
      throw Error::bad_input("not a commissioned source (run kiort source commission)")
          .file(path.string());
    field = "model";
    s.model = probe_model_from_json(j.at("model"), path.string());
    field = "calibration";
    const auto& c = j.at("calibration");
    s.calibration.file = c.value("file", "");
    s.calibration.probe_serial = c.at("probe_serial").get<std::string>();
    s.calibration.kv = c.at("kv").get<double>();
    s.calibration.applicator = c.at("applicator").get<std::string>();
    s.calibration.calibration_date = c.at("calibration_date").get<std::string>();
    s.calibration.dose_definition = c.at("dose_definition").get<std::string>();
    s.calibration.convention = c.at("depth_convention").get<std::string>() == "source-centre"
                                   ? DepthConvention::kSourceCentre
                                   : DepthConvention::kApplicatorSurface;
    // Provenance: a commissioned source without it (made by an older kiort) is refused, so no
    // output can carry a calibration of unknown standing.
    field = "calibration.formalism";
    const std::string formalism = c.at("formalism").get<std::string>();
    const auto f = formalism_from_string(formalism);
    if (!f)
      throw Error::bad_input("unknown calibration formalism")
          .file(path.string())
          .field(field)
          .seen(formalism)
          .expected("vendor-dose-to-water, targit or watson-2018-cq");
    s.calibration.formalism = *f;
    field = "calibration.applicator_outer_radius_mm";
    s.calibration.applicator_outer_radius_mm = c.at("applicator_outer_radius_mm").get<double>();
    field = "calibration.phantom";
    s.calibration.phantom = c.at("phantom").get<std::string>();
    field = "calibration.phantom_radius_mm";
    s.calibration.phantom_radius_mm = c.at("phantom_radius_mm").get<double>();
    field = "calibration.detector";
    s.calibration.detector = c.at("detector").get<std::string>();
    field = "calibration.measured_by";
    s.calibration.measured_by = c.at("measured_by").get<std::string>();
    field = "calibration.illustrative";
    s.calibration.illustrative = c.at("illustrative").get<bool>();
    field = "calibration.uncertainty_rel_k1";
    s.calibration.uncertainty_rel = c.at("uncertainty_rel_k1").get<double>();
    field = "calibration";
    s.calibration.depth_mm = c.at("depth_mm").get<std::vector<double>>();
    s.calibration.dose_rate_gy_per_min = c.at("dose_rate_gy_per_min").get<std::vector<double>>();
    s.gy_per_min_per_gy_per_history = j.at("gy_per_min_per_gy_per_history").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("commissioned source is malformed (recommission with this kiort)")
        .file(path.string())
        .field(field)
        .seen(e.what())
        .expected("a file written by kiort source commission, calibration with its provenance");
  }
  // FNV-1a 64 of the file: the key of caches derived from this source.
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  std::ostringstream hex;
  hex << std::hex << std::setw(16) << std::setfill('0') << h;
  s.checksum = hex.str();
  return s;
}

namespace {
std::vector<std::filesystem::path> shipped_sources() {
  std::vector<std::filesystem::path> out;
  const auto dir = data_dir() / "sources";
  if (std::filesystem::is_directory(dir))
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().filename().string().ends_with(".commissioned.json")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}
std::string names(const std::vector<std::filesystem::path>& files) {
  std::string s;
  for (const auto& f : files) s += (s.empty() ? "" : ", ") + f.filename().string();
  return s.empty() ? "none shipped" : s;
}
}  // namespace

double shell_centroid(double a, double b) {
  return 0.75 * (std::pow(b, 4) - std::pow(a, 4)) / (std::pow(b, 3) - std::pow(a, 3));
}

std::filesystem::path resolve_commissioned_source(const std::string& file_or_name) {
  if (std::filesystem::exists(file_or_name)) return file_or_name;
  const auto shipped = data_dir() / "sources" / file_or_name;
  if (std::filesystem::exists(shipped)) return shipped;
  throw Error::bad_input("no such commissioned source")
      .file(file_or_name)
      .expected("a file, or one of data/sources: " + names(shipped_sources()));
}

std::filesystem::path commissioned_source_for_kv(double kv) {
  const auto files = shipped_sources();
  for (const auto& f : files)
    if (std::abs(load_commissioned_source(f).calibration.kv - kv) < 0.5) return f;
  throw Error::bad_input("no commissioned source for this tube voltage")
      .field("--kv")
      .seen((std::ostringstream() << kv).str())
      .expected("a voltage with a commissioned source (" + names(files) +
                "), or --source FILE from kiort source commission");
}

}  // namespace kiort
