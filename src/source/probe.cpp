#include "source/probe.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>

#include "core/error.h"
#include "core/read_file.h"
#include "physics/cross_sections.h"

namespace kiort {
namespace {

constexpr double kGridKeV = 0.25;        // continuum sampling step
constexpr double kLineHalfWidth = 0.05;  // lines as triangles of 0.1 keV base (keV)

const MaterialXs& xs_for(const MaterialLibrary& lib, const std::string& name) {
  static thread_local std::map<std::string, std::unique_ptr<MaterialXs>> cache;
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<MaterialXs>(lib.get(name));
  return *slot;
}

int medium_index(const Geometry& g, const std::string& name) {
  for (std::size_t i = 0; i < g.media().size(); ++i)
    if (g.media()[i]->material().name == name) return static_cast<int>(i);
  throw Error::internal("the geometry lacks a probe material").field(name);
}

}  // namespace

Spectrum ProbeModel::unfiltered_spectrum() const {
  // Kramers (1923): photons per unit energy from a thick target, N(E) ~ (E0 - E) / E.
  std::vector<double> e, f;
  for (double x = min_energy_kev; x <= kv + 1e-9; x += kGridKeV) {
    e.push_back(std::min(x, kv));
    f.push_back((kv - e.back()) / e.back());
  }
  double continuum = 0;
  for (std::size_t i = 1; i < e.size(); ++i)
    continuum += 0.5 * (f[i] + f[i - 1]) * (e[i] - e[i - 1]);
  double rel_total = 0;
  for (const auto& l : lines) rel_total += l.relative;
  if (line_fraction > 0 && rel_total > 0) {
    // Lines as triangles of base 2 * kLineHalfWidth. The sum of the continuum and every triangle is
    // piecewise linear with breakpoints at the union of all vertices, so evaluating it there
    // represents it exactly, overlapping lines (Au L-alpha1/alpha2 are 0.085 keV apart) included.
    const double line_photons = line_fraction / (1.0 - line_fraction) * continuum;
    std::vector<double> points = e;
    for (const auto& l : lines)
      for (double x : {l.energy_kev - kLineHalfWidth, l.energy_kev, l.energy_kev + kLineHalfWidth})
        if (x > e.front() && x < e.back()) points.push_back(x);
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end(),
                             [](double a, double b) { return std::abs(a - b) < 1e-9; }),
                 points.end());
    std::vector<double> values;
    for (double x : points) {
      double v = (kv - x) / x;
      for (const auto& l : lines) {
        const double peak = line_photons * l.relative / rel_total / kLineHalfWidth;
        v += peak * std::max(0.0, 1.0 - std::abs(x - l.energy_kev) / kLineHalfWidth);
      }
      values.push_back(v);
    }
    e = std::move(points);
    f = std::move(values);
  }
  return Spectrum(std::move(e), std::move(f), name + " " + std::to_string(int(kv)) + " kV");
}

Spectrum ProbeModel::spectrum(const MaterialLibrary& lib, double filter_mm_override) const {
  const double t = filter_mm_override >= 0 ? filter_mm_override : filter_mm;
  const Spectrum raw = unfiltered_spectrum();
  if (t <= 0) return raw;
  const MaterialXs& filter = xs_for(lib, filter_material);
  std::vector<double> e = raw.energies(), f = raw.fluence();
  for (std::size_t i = 0; i < e.size(); ++i)
    f[i] *= std::exp(-filter.mu_per_mm(filter.locate(e[i]), filter.material().density_g_cm3) * t);
  return Spectrum(std::move(e), std::move(f),
                  raw.name() + ", " + std::to_string(t) + " mm " + filter_material);
}

ProbeModel load_probe_model(const std::filesystem::path& file) {
  check_input_file(file, 16u << 20, "probe model");
  std::ifstream in(file);
  if (!in) throw Error::bad_input("cannot read probe model").file(file.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("probe model is not valid JSON").file(file.string()).seen(e.what());
  }
  return probe_model_from_json(j, file.string());
}

nlohmann::json probe_model_to_json(const ProbeModel& m) {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& l : m.lines)
    lines.push_back({{"name", l.name}, {"energy_kev", l.energy_kev}, {"relative", l.relative}});
  nlohmann::json j = {{"name", m.name},
                      {"description", m.description},
                      {"source", m.source},
                      {"kv", m.kv},
                      {"min_energy_kev", m.min_energy_kev},
                      {"line_fraction", m.line_fraction},
                      {"lines", lines},
                      {"filter_material", m.filter_material},
                      {"filter_mm", m.filter_mm},
                      {"forward_anisotropy", m.forward_anisotropy},
                      {"probe",
                       {{"radius_mm", m.probe_radius_mm},
                        {"tip_wall_mm", m.tip_wall_mm},
                        {"tip_material", m.tip_material},
                        {"shaft_wall_mm", m.shaft_wall_mm},
                        {"shaft_material", m.shaft_material},
                        {"shaft_length_mm", m.shaft_length_mm}}}};
  j["applicator"] = m.applicator_outer_radius_mm > 0
                        ? nlohmann::json{{"outer_radius_mm", m.applicator_outer_radius_mm},
                                         {"wall_mm", m.applicator_wall_mm},
                                         {"material", m.applicator_material}}
                        : nlohmann::json(nullptr);
  return j;
}

ProbeModel probe_model_from_json(const nlohmann::json& j, const std::string& where) {
  ProbeModel m;
  try {
    m.name = j.at("name").get<std::string>();
    m.description = j.value("description", "");
    m.source = j.at("source").get<std::string>();
    m.kv = j.at("kv").get<double>();
    m.min_energy_kev = j.value("min_energy_kev", 1.0);
    m.line_fraction = j.value("line_fraction", 0.0);
    for (const auto& l : j.value("lines", nlohmann::json::array()))
      m.lines.push_back({l.at("name").get<std::string>(), l.at("energy_kev").get<double>(),
                         l.at("relative").get<double>()});
    m.filter_material = j.value("filter_material", "water");
    m.filter_mm = j.value("filter_mm", 0.0);
    m.forward_anisotropy = j.value("forward_anisotropy", 0.0);
    const auto& p = j.at("probe");
    m.probe_radius_mm = p.at("radius_mm").get<double>();
    m.tip_wall_mm = p.at("tip_wall_mm").get<double>();
    m.tip_material = p.at("tip_material").get<std::string>();
    m.shaft_wall_mm = p.at("shaft_wall_mm").get<double>();
    m.shaft_material = p.at("shaft_material").get<std::string>();
    m.shaft_length_mm = p.value("shaft_length_mm", 100.0);
    if (j.contains("applicator") && !j["applicator"].is_null()) {
      const auto& a = j["applicator"];
      m.applicator_outer_radius_mm = a.at("outer_radius_mm").get<double>();
      m.applicator_wall_mm = a.at("wall_mm").get<double>();
      m.applicator_material = a.at("material").get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("probe model is malformed").file(where).seen(e.what());
  }
  auto require = [&](bool ok, const char* field, double v, const char* expected) {
    if (!ok)
      throw Error::bad_input("probe model value out of range")
          .file(where)
          .field(field)
          .seen(std::to_string(v))
          .expected(expected);
  };
  require(m.kv > m.min_energy_kev && m.kv <= kMaxEnergyKeV, "kv", m.kv, "up to 60 kV");
  require(m.line_fraction >= 0 && m.line_fraction < 1, "line_fraction", m.line_fraction, "0 to <1");
  require(std::abs(m.forward_anisotropy) <= 1, "forward_anisotropy", m.forward_anisotropy,
          "-1 to 1");
  require(m.tip_wall_mm > 0 && m.tip_wall_mm < m.probe_radius_mm, "probe.tip_wall_mm",
          m.tip_wall_mm, "0 < wall < radius");
  require(m.shaft_wall_mm > 0 && m.shaft_wall_mm < m.probe_radius_mm, "probe.shaft_wall_mm",
          m.shaft_wall_mm, "0 < wall < radius");
  require(m.applicator_outer_radius_mm == 0 ||
              m.applicator_outer_radius_mm - m.applicator_wall_mm > m.probe_radius_mm,
          "applicator.outer_radius_mm", m.applicator_outer_radius_mm,
          "an inner radius larger than the probe's");
  return m;
}

ProbeSource::ProbeSource(Vec3 tip_lps, Vec3 axis_lps, Spectrum spectrum, double forward_anisotropy)
    : tip_(tip_lps),
      axis_(normalized(axis_lps)),
      spectrum_(std::move(spectrum)),
      anisotropy_(forward_anisotropy) {
  if (!(norm(axis_lps) > 0)) throw Error::bad_input("probe axis is zero").field("axis");
  frame_ = perpendiculars(axis_);
}

Photon ProbeSource::sample(Philox& rng) const {
  // cos(theta) from the density (1 + a c) / 2 on [-1, 1], by inverting its CDF.
  const double u = rng.uniform();
  double c;
  if (std::abs(anisotropy_) < 1e-12) {
    c = 2 * u - 1;
  } else {
    const double a = anisotropy_;
    // a/2 c^2 + c + (1 - a/2 - 2u) = 0, root in [-1, 1]
    c = (-1 + std::sqrt(std::max(0.0, 1 - 2 * a * (1 - a / 2 - 2 * u)))) / a;
  }
  const double phi = 2 * std::numbers::pi * rng.uniform();
  const Vec3& e1 = frame_.e1;
  const Vec3& e2 = frame_.e2;
  const double s = std::sqrt(std::max(0.0, 1 - c * c));
  const Vec3 dir = axis_ * c + e1 * (s * std::cos(phi)) + e2 * (s * std::sin(phi));
  return {tip_, dir, spectrum_.sample(rng), 1.0};
}

double ProbeSource::relative_intensity(const Vec3& u) const {
  return 1.0 + anisotropy_ * dot(u, axis_);
}

std::string ProbeSource::describe() const {
  return "probe, " + spectrum_.name();
}

void add_probe_solids(Geometry& geometry, const ProbeModel& m, const Vec3& tip,
                      const Vec3& axis_lps) {
  const Vec3 axis = normalized(axis_lps);
  const Vec3 back = tip - axis * m.shaft_length_mm;
  auto density = [&](const std::string& name) {
    return geometry.media()[std::size_t(medium_index(geometry, name))]->material().density_g_cm3;
  };
  // The tip: a hemispherical wall around the source point (its rear half lies inside the shaft).
  geometry.add_solid(LayeredCapsule(
      "probe tip", tip, tip,
      {{m.probe_radius_mm - m.tip_wall_mm, -1, 0},
       {m.probe_radius_mm, medium_index(geometry, m.tip_material), density(m.tip_material)}}));
  geometry.add_solid(LayeredCapsule(
      "probe shaft", tip, back,
      {{m.probe_radius_mm - m.shaft_wall_mm, -1, 0},
       {m.probe_radius_mm, medium_index(geometry, m.shaft_material), density(m.shaft_material)}}));
  if (m.applicator_outer_radius_mm > 0) {
    const int air = medium_index(geometry, "air");
    geometry.add_solid(LayeredCapsule(
        "needle applicator", tip, back,
        {{m.applicator_outer_radius_mm - m.applicator_wall_mm, air, density("air")},
         {m.applicator_outer_radius_mm, medium_index(geometry, m.applicator_material),
          density(m.applicator_material)}}));
  }
}

}  // namespace kiort
