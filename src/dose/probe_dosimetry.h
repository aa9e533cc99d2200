// Probe dosimetry by Monte Carlo: depth dose of a probe model in a homogeneous medium (with the
// probe and applicator as solids), the spectral basis that makes commissioning fast, and the
// commissioning itself: fit the model's effective filtration to a calibration table's shape and
// take the absolute scale (Gy/min per Gy/history) from it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/collective.h"
#include "core/progress.h"
#include "source/calibration.h"
#include "source/probe.h"

namespace kiort {

struct DepthDosePoint {
  double r_mm = 0;                 // distance from the source centre
  double dose_gy_per_history = 0;  // in the medium, perpendicular to the probe axis
  double sigma_rel = 0;
};

// Depth dose "perpendicular to the probe axis" (the calibration's geometry) is the average over
// the band |cos theta| < 0.1 about the axis, within 5.7 degrees of the perpendicular: the
// commissioning, `kiort source depth-dose` and the water engine's depth dose all use it.
constexpr double kPerpendicularBandCos = 0.1;

// Full scatter: 150 mm of medium about the source in every direction (a 30 cm phantom), where the
// measured effect of the smaller spheres used before is in docs/validation.md.
constexpr double kFullScatterRadiusMm = 150.0;

struct McSettings {
  std::uint64_t histories = 10000000;
  std::uint64_t seed = 1;
  unsigned threads = 0;
  ProgressMode progress = ProgressMode::kQuiet;
  // The processes sharing the histories (MPI ranks; null: one process). Every rank must make
  // the same calls with the same settings; the results are the one-process run's, bit for bit.
  const Collective* world = nullptr;
};

// Dose per (source-energy bin, radius) in a band |cos theta| < 0.1 about the probe axis, for a
// probe in a sphere of `medium`; with it, the depth dose of any spectrum of the probe follows by
// reweighting the energy bins (no new simulation).
class SpectralBasis {
 public:
  // With `single` set, the run samples that spectrum and keeps one energy bin: the depth dose
  // of exactly that spectrum, at full efficiency.
  // phantom_radius_mm: the sphere of medium (0: full scatter, kFullScatterRadiusMm).
  SpectralBasis(const ProbeModel& model, const MaterialLibrary& lib, const std::string& medium,
                double r_max_mm, const McSettings& mc, const Spectrum* single = nullptr,
                double phantom_radius_mm = 0);
  std::vector<DepthDosePoint> depth_dose(const Spectrum& spectrum) const;
  std::uint64_t histories() const { return histories_; }
  double seconds() const { return seconds_; }

 private:
  std::vector<double> energy_edges_, radii_;
  std::vector<double> sample_weight_;     // fraction of sampled photons per energy bin
  std::vector<double> dose_, sigma_abs_;  // [energy][radius]
  std::uint64_t histories_ = 0;
  double seconds_ = 0;
};

// A sphere of `medium` (radius in mm) around the probe, tip at the origin, axis +z, in a vacuum
// voxel; the probe and applicator are solids. `media` owns the cross-section tables.
struct ProbePhantom {
  std::vector<std::unique_ptr<MaterialXs>> media;
  std::unique_ptr<Geometry> geometry;
};
ProbePhantom make_probe_phantom(const ProbeModel& model, const MaterialLibrary& lib,
                                const std::string& medium, double radius_mm);

// The volume-weighted mean radius of a spherical shell [a, b] (the integral of r over r^2 dr):
// 3/4 (b^4 - a^4) / (b^3 - a^3), the point a shell tally's value belongs to.
double shell_centroid(double a_mm, double b_mm);

// Depth dose of one spectrum at the given radii (interpolated log-log between shell centroids).
double interpolate_depth_dose(const std::vector<DepthDosePoint>& dd, double r_mm,
                              double* sigma_rel = nullptr);

struct CommissioningRow {
  double depth_mm = 0, r_mm = 0;
  double table_gy_per_min = 0, model_gy_per_min = 0, residual = 0, sigma_rel = 0;
  bool in_tolerance_range = false;  // 5-30 mm
};

struct CommissioningResult {
  ProbeModel model;  // with the fitted filter_mm
  CalibrationTable calibration;
  double gy_per_min_per_gy_per_history = 0;  // absolute scale
  double tolerance = 0.03;
  double max_abs_residual = 0;  // over 5-30 mm
  bool pass = false;
  std::uint64_t histories = 0;
  std::vector<CommissioningRow> rows;
};

// What a PASS (or FAIL) says: against an illustrative calibration, nothing about a real probe.
std::string commissioning_validates(const CommissioningResult& r);

CommissioningResult commission(const ProbeModel& model, const CalibrationTable& table,
                               const MaterialLibrary& lib, const McSettings& mc);

// Writes the commissioned source (model, fitted parameters, calibration, scale, residuals).
void write_commissioned_source(const std::filesystem::path& path, const CommissioningResult& r);

struct CommissionedSource {
  ProbeModel model;
  CalibrationTable calibration;  // header fields and table as commissioned
  double gy_per_min_per_gy_per_history = 0;
  std::string checksum;  // of the file's content
};
CommissionedSource load_commissioned_source(const std::filesystem::path& path);

// A commissioned source named on the command line: an existing file, or a file name in
// data/sources/. Throws Error(bad input) naming what was looked for and what exists.
std::filesystem::path resolve_commissioned_source(const std::string& file_or_name);
// The shipped commissioned source for a tube voltage (data/sources/*.commissioned.json whose
// calibration kV matches); throws Error(bad input) listing the voltages that exist.
std::filesystem::path commissioned_source_for_kv(double kv);

}  // namespace kiort
