// A probe's calibration: depth dose in water per kV and applicator, as the vendor ships it with
// each physical probe (depth in mm from the source centre or the applicator surface -> dose rate
// in Gy/min). kiort reads it to set the absolute scale of the Monte Carlo; it never invents one.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace kiort {

enum class DepthConvention { kSourceCentre, kApplicatorSurface };

struct CalibrationTable {
  std::string file;
  std::string probe_serial, applicator, calibration_date, dose_definition;
  double kv = 0;
  DepthConvention convention = DepthConvention::kApplicatorSurface;
  std::vector<double> depth_mm;
  std::vector<double> dose_rate_gy_per_min;

  // Log-linear interpolation between table depths; throws Error(bad input) outside the table.
  double dose_rate_at(double depth_mm) const;
};

// CSV: '# key: value' header lines (probe_serial, kv, applicator, calibration_date,
// dose_definition, depth_convention = source-centre | applicator-surface, units =
// "depth_mm, dose_rate_gy_per_min"), then a column header and rows. Throws Error(bad input)
// naming the file, line and field: missing header fields, unstated units or convention, depths
// not increasing, negative, missing or non-numeric dose rates.
CalibrationTable load_calibration(const std::filesystem::path& file);

const char* to_string(DepthConvention c);

}  // namespace kiort
