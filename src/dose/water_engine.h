// The fast water engine (TG-43 style): the commissioned probe's dose in water, tabulated once by
// Monte Carlo on a polar (r, theta) grid about the probe axis and cached on disk (keyed by the
// source file's checksum); afterwards dose at any point from any dwell position is a table lookup
// (about 20 ns). It gives instant dwell times and the independent second check of a plan.
// TG-43 quantities (Rivard et al. 2004, AAPM TG-43U1) are reported for a point source, G = 1/r^2,
// reference point r0 = 10 mm, theta0 = 90 degrees: radial dose function g(r) and 2-D anisotropy
// function F(r, theta).
#pragma once

#include <filesystem>
#include <vector>

#include "core/grid3.h"
#include "dose/probe_dosimetry.h"

namespace kiort {

struct WaterTable {
  std::string source_checksum;
  std::vector<double> radii_mm;   // bin edges
  std::vector<double> cos_edges;  // polar bin edges about the axis (forward = +1)
  std::vector<double> dose;       // Gy/min per bin [r][cos]; NaN where the probe occupies the bin
  std::vector<double> sigma_rel;
  std::uint64_t histories = 0;
};

class WaterEngine {
 public:
  // Loads the table from the cache or computes and caches it when absent. The cache file is keyed
  // by the source file's checksum, the table layout version, and the histories and seed of mc
  // (a quick low-statistics table never stands in for the production one). Under MPI (mc.world)
  // every rank calls this: they compute the table together unless every one of them finds it
  // cached, and only rank 0 writes the cache file.
  static WaterEngine for_source(const CommissionedSource& source, const MaterialLibrary& lib,
                                const std::filesystem::path& cache_dir, const McSettings& mc);
  explicit WaterEngine(WaterTable table, double surface_radius_mm);

  // Dose rate in water (Gy/min) at distance r from the source centre and cos(theta) about the
  // probe axis; 0 inside the applicator or beyond the table.
  double dose_rate(double r_mm, double cos_theta) const;
  double dose_rate_at(const Vec3& p, const Vec3& tip, const Vec3& axis_unit) const;
  // Dose rate at r from the source centre, averaged over the perpendicular band
  // (kPerpendicularBandCos): the calibration's and the commissioning's depth-dose geometry.
  double perpendicular_dose_rate(double r_mm) const;
  // Dose rate on every voxel centre of a grid (Gy/min), in parallel.
  std::vector<float> fill(const Grid3& grid, const Vec3& tip, const Vec3& axis,
                          unsigned threads = 0) const;

  // TG-43 functions at r0 = 10 mm, theta0 = 90 degrees.
  double radial_dose_function(double r_mm) const;
  double anisotropy(double r_mm, double theta_deg) const;
  const WaterTable& table() const { return table_; }
  double max_radius_mm() const { return r_max_; }

 private:
  WaterTable table_;
  double surface_radius_ = 0, r_max_ = 0;
  // Fine lookup grid of r^2 * dose rate, uniform in r and cos(theta), bilinear interpolation.
  double dr_ = 0, dc_ = 0;
  std::size_t nr_ = 0, nc_ = 0;
  std::vector<float> fine_;
};

WaterTable compute_water_table(const CommissionedSource& source, const MaterialLibrary& lib,
                               const McSettings& mc);
void save_water_table(const std::filesystem::path& path, const WaterTable& t);
WaterTable load_water_table(const std::filesystem::path& path);

}  // namespace kiort
