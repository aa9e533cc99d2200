#include "dose/water_engine.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>
#include <optional>
#include <span>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/paths.h"
#include "transport/transport.h"

namespace kiort {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTableRmaxMm = 45.0;
constexpr int kRadialEdges = 56;  // log-spaced from the applicator surface to 45 mm
constexpr double kThetaStepDeg = 5.0;
constexpr double kFineDr = 0.1, kFineDc = 0.005;
// Bumped whenever the binning changes, so cached tables of an older layout are recomputed.
constexpr int kTableVersion = 3;  // 3: full-scatter phantom (150 mm; was 65 mm)

}  // namespace

WaterTable compute_water_table(const CommissionedSource& source, const MaterialLibrary& lib,
                               const McSettings& mc) {
  const ProbeModel& m = source.model;
  const double rs = m.surface_radius_mm();
  WaterTable t;
  t.source_checksum = source.checksum;
  for (int k = 0; k < kRadialEdges; ++k)
    t.radii_mm.push_back(rs * std::pow(kTableRmaxMm / rs, double(k) / (kRadialEdges - 1)));
  // Polar bins: 5 degrees forward, 2 degrees from 80 to 130 degrees, where the tip's own wall
  // and the shaft cut the emission off within a few degrees (linear interpolation across 5 degree
  // bins there was off by up to 7 %), 10 degrees in the shaft's shadow behind.
  std::vector<double> theta_deg;
  for (double th = 180.0; th > 130.0 + 1e-9; th -= 10.0) theta_deg.push_back(th);
  for (double th = 130.0; th > 80.0 + 1e-9; th -= 2.0) theta_deg.push_back(th);
  for (double th = 80.0; th > 1e-9; th -= kThetaStepDeg) theta_deg.push_back(th);
  theta_deg.push_back(0.0);
  for (double th : theta_deg)
    t.cos_edges.push_back(
        th <= 1e-9 ? 1.0 : (th >= 180 - 1e-9 ? -1.0 : std::cos(th * std::numbers::pi / 180)));
  // Full scatter (150 mm of water): the table is dose in an unbounded water medium, TG-43 style.
  const ProbePhantom phantom = make_probe_phantom(m, lib, "water", kFullScatterRadiusMm);
  const ProbeSource src({0, 0, 0}, {0, 0, 1}, m.spectrum(lib), m.forward_anisotropy);
  TransportOptions o;
  o.seed = mc.seed;
  o.threads = mc.threads;
  o.progress = mc.progress;
  o.world = mc.world;
  o.scoring_box = std::array<std::array<int, 3>, 2>{};
  o.shell_radii_mm = t.radii_mm;
  o.shell_cos_edges = t.cos_edges;
  o.shell_axis = {0, 0, 1};
  StopRules stop;
  stop.histories = mc.histories;
  const TransportResult r = run_transport(*phantom.geometry, src, stop, o);
  t.histories = r.histories;
  const std::size_t nc = t.cos_edges.size() - 1;
  for (std::size_t i = 0; i + 1 < t.radii_mm.size(); ++i)
    for (std::size_t c = 0; c < nc; ++c) {
      const ShellResult& s = r.shells[i * nc + c];
      // Bins that the shaft or applicator cuts behind the tip hold no water: no dose there.
      const double cmin = t.cos_edges[c];
      const bool blocked = cmin < 0 && t.radii_mm[i] * std::sqrt(1 - cmin * cmin) < rs;
      t.dose.push_back(blocked ? kNaN
                               : s.dose_gy_per_history * source.gy_per_min_per_gy_per_history);
      t.sigma_rel.push_back(blocked ? kNaN : s.sigma_rel);
    }
  return t;
}

void save_water_table(const std::filesystem::path& path, const WaterTable& t) {
  auto with_null = [](const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x));
    return a;
  };
  const nlohmann::json j = {
      {"kiort_water_table", kTableVersion}, {"source_checksum", t.source_checksum},
      {"histories", t.histories},           {"radii_mm", t.radii_mm},
      {"cos_edges", t.cos_edges},           {"dose_gy_per_min", with_null(t.dose)},
      {"sigma_rel", with_null(t.sigma_rel)}};
  std::filesystem::create_directories(path.parent_path());
  write_file_atomic(path, j.dump() + "\n");
}

WaterTable load_water_table(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error::bad_input("cannot read water table").file(path.string());
  WaterTable t;
  try {
    const auto j = nlohmann::json::parse(in);
    if (j.value("kiort_water_table", 0) != kTableVersion)
      throw Error::bad_input("water table has an unsupported layout version")
          .file(path.string())
          .field("kiort_water_table")
          .seen(j.value("kiort_water_table", nlohmann::json(nullptr)).dump())
          .expected(std::to_string(kTableVersion));
    t.source_checksum = j.at("source_checksum").get<std::string>();
    t.histories = j.at("histories").get<std::uint64_t>();
    t.radii_mm = j.at("radii_mm").get<std::vector<double>>();
    t.cos_edges = j.at("cos_edges").get<std::vector<double>>();
    for (const auto& x : j.at("dose_gy_per_min"))
      t.dose.push_back(x.is_null() ? kNaN : x.get<double>());
    for (const auto& x : j.at("sigma_rel"))
      t.sigma_rel.push_back(x.is_null() ? kNaN : x.get<double>());
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("water table is malformed").file(path.string()).seen(e.what());
  }
  if (t.dose.size() != (t.radii_mm.size() - 1) * (t.cos_edges.size() - 1))
    throw Error::bad_input("water table has the wrong size").file(path.string());
  return t;
}

WaterEngine WaterEngine::for_source(const CommissionedSource& source, const MaterialLibrary& lib,
                                    const std::filesystem::path& cache_dir, const McSettings& mc) {
  const auto path =
      cache_dir / (source.checksum + ".water-v" + std::to_string(kTableVersion) + "-h" +
                   std::to_string(mc.histories) + "-s" + std::to_string(mc.seed) + ".json");
  // The tables of the shipped commissioned sources ship too (data/water-tables/), so a fresh
  // machine does not spend half a minute of Monte Carlo before its first plan.
  const auto shipped = data_dir() / "water-tables" / path.filename();
  auto cached = [&]() -> std::optional<WaterTable> {
    if (!std::filesystem::exists(path) && std::filesystem::exists(shipped)) {
      WaterTable t = load_water_table(shipped);
      if (t.source_checksum == source.checksum) return t;
    }
    if (std::filesystem::exists(path)) {
      WaterTable t = load_water_table(path);
      if (t.source_checksum == source.checksum) return t;
    }
    return std::nullopt;
  };
  std::optional<WaterTable> table = cached();
  // Under MPI all ranks compute the table together, so all must agree to: a rank computing alone
  // would wait in the transport's reductions for ranks that loaded theirs (each rank looks at its
  // own file system; one lacking the table makes all compute it).
  const Collective& world = mc.world ? *mc.world : single_process();
  Int128 lacking = table ? 0 : 1;
  world.sum(std::span<Int128>(&lacking, 1));
  if (lacking == 0) return WaterEngine(std::move(*table), source.model.surface_radius_mm());
  WaterTable t = compute_water_table(source, lib, mc);
  if (world.rank() == 0) save_water_table(path, t);  // one writer; every rank has the same table
  return WaterEngine(std::move(t), source.model.surface_radius_mm());
}

WaterEngine::WaterEngine(WaterTable table, double surface_radius_mm)
    : table_(std::move(table)), surface_radius_(surface_radius_mm) {
  const auto& re = table_.radii_mm;
  const auto& ce = table_.cos_edges;
  const std::size_t nrb = re.size() - 1, ncb = ce.size() - 1;
  r_max_ = re.back();
  std::vector<double> rc(nrb), cc(ncb);
  for (std::size_t i = 0; i < nrb; ++i) rc[i] = shell_centroid(re[i], re[i + 1]);
  for (std::size_t c = 0; c < ncb; ++c) cc[c] = 0.5 * (ce[c] + ce[c + 1]);
  // r^2 D at the bin centroids, interpolated bilinearly onto a fine uniform (r, cos) grid.
  // Bins the probe cuts (NaN: the Monte Carlo scored no water there) take the value of the
  // nearest valid bin forward at the same radius, so interpolation near the shaft is not dragged
  // towards zero; dose_rate_at() returns 0 inside the shaft itself.
  std::vector<double> r2d(nrb * ncb, 0.0);
  for (std::size_t i = 0; i < nrb; ++i) {
    double last = 0.0;
    for (std::size_t c = ncb; c-- > 0;) {
      const double v = table_.dose[i * ncb + c];
      if (!std::isnan(v)) last = v * rc[i] * rc[i];
      r2d[i * ncb + c] = last;
    }
  }
  auto coarse = [&](std::size_t i, std::size_t c) { return r2d[i * ncb + c]; };
  auto bracket = [](const std::vector<double>& x, double v, std::size_t& i, double& f) {
    if (v <= x.front()) {
      i = 0;
      f = 0;
      return;
    }
    if (v >= x.back()) {
      i = x.size() - 2;
      f = 1;
      return;
    }
    i = std::size_t(std::upper_bound(x.begin(), x.end(), v) - x.begin()) - 1;
    f = (v - x[i]) / (x[i + 1] - x[i]);
  };
  dr_ = kFineDr;
  dc_ = kFineDc;
  nr_ = std::size_t(std::ceil(r_max_ / dr_)) + 1;
  nc_ = std::size_t(std::lround(2.0 / dc_)) + 1;
  fine_.assign(nr_ * nc_, 0.0f);
  for (std::size_t a = 0; a < nr_; ++a) {
    const double r = double(a) * dr_;
    if (r < surface_radius_ - dr_) continue;
    std::size_t i;
    double fr;
    bracket(rc, std::max(r, re.front()), i, fr);
    for (std::size_t b = 0; b < nc_; ++b) {
      const double c = -1.0 + double(b) * dc_;
      std::size_t j;
      double fc;
      bracket(cc, c, j, fc);
      const double v = (1 - fr) * ((1 - fc) * coarse(i, j) + fc * coarse(i, j + 1)) +
                       fr * ((1 - fc) * coarse(i + 1, j) + fc * coarse(i + 1, j + 1));
      fine_[a * nc_ + b] = std::isnan(v) ? 0.0f : static_cast<float>(v);
    }
  }
}

double WaterEngine::dose_rate(double r, double c) const {
  if (!(r >= surface_radius_) || r > r_max_) return 0.0;
  const double x = r / dr_, y = (c + 1.0) / dc_;
  const auto i = std::min(std::size_t(x), nr_ - 2);
  const auto j = std::min(std::size_t(std::max(0.0, y)), nc_ - 2);
  const double fx = x - double(i), fy = y - double(j);
  const float* row0 = &fine_[i * nc_ + j];
  const float* row1 = row0 + nc_;
  const double v =
      (1 - fx) * ((1 - fy) * row0[0] + fy * row0[1]) + fx * ((1 - fy) * row1[0] + fy * row1[1]);
  return v / (r * r);
}

double WaterEngine::dose_rate_at(const Vec3& p, const Vec3& tip, const Vec3& axis) const {
  const Vec3 d = p - tip;
  const double r = norm(d);
  if (!(r > 0)) return 0.0;
  const double c = dot(d, axis) / r;
  // Behind the tip, inside the applicator's radius, lies the probe shaft: no dose to water.
  if (c < 0 && r * std::sqrt(std::max(0.0, 1 - c * c)) < surface_radius_) return 0.0;
  return dose_rate(r, c);
}

std::vector<float> WaterEngine::fill(const Grid3& grid, const Vec3& tip, const Vec3& axis_in,
                                     unsigned threads) const {
  const Vec3 axis = normalized(axis_in);
  std::vector<float> out(grid.voxel_count());
  const auto& d = grid.dims();
  parallel_for(
      0, std::size_t(d[2]),
      [&](std::size_t k0, std::size_t k1, unsigned) {
        for (std::size_t k = k0; k < k1; ++k)
          for (int j = 0; j < d[1]; ++j) {
            const std::size_t base = grid.linear({0, j, std::int64_t(k)});
            for (int i = 0; i < d[0]; ++i)
              out[base + std::size_t(i)] = static_cast<float>(
                  dose_rate_at(grid.position(Index3{i, j, std::int64_t(k)}), tip, axis));
          }
      },
      threads, 1);
  return out;
}

double WaterEngine::perpendicular_dose_rate(double r) const {
  constexpr int kSamples = 40;  // midpoint rule; the volume element is uniform in cos(theta)
  double sum = 0;
  for (int k = 0; k < kSamples; ++k)
    sum += dose_rate(r, kPerpendicularBandCos * (2.0 * (k + 0.5) / kSamples - 1.0));
  return sum / kSamples;
}

double WaterEngine::radial_dose_function(double r) const {
  return dose_rate(r, 0.0) * r * r / (dose_rate(10.0, 0.0) * 100.0);
}

double WaterEngine::anisotropy(double r, double theta_deg) const {
  return dose_rate(r, std::cos(theta_deg * std::numbers::pi / 180)) / dose_rate(r, 0.0);
}

}  // namespace kiort
